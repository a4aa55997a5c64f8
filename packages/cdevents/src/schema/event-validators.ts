/**
 * Compiled validators for declared event types, built once per type and mode on first use (or all at once with
 * {@link precompileAll}) and shared by every parse.
 * @module
 */

import { STRICT_PREDICATES } from "../generated/validators.generated.ts";
import { type EventDef, eventDefs, jsonSchemaOf } from "../spec/registry.ts";
import { type ClosedMode, SchemaCompiler, Validator } from "./compile.ts";
import type { SchemaObject } from "./shapes.ts";

const compilers = { purl: new SchemaCompiler({ purl: true }), plain: new SchemaCompiler({ purl: false }) };
const cache = new WeakMap<EventDef, Map<string, Validator>>();

/** Options that select a compiled validator. */
export interface EventValidatorOptions {
  /** `strict` (exact version) or `lenient` (unknown members allowed, for newer versions). */
  readonly mode?: ClosedMode;
  /** Check artifact ids as Package URLs. Default true. */
  readonly purl?: boolean;
  /** Require `context.type` to be exactly the declared one. Default true; false once a policy matched another version. */
  readonly exactType?: boolean;
}

/** The compiled validator of an event type. */
export function eventValidator(def: EventDef, options: EventValidatorOptions = {}): Validator {
  const mode = options.mode ?? "strict";
  const purl = options.purl ?? true;
  const exactType = options.exactType ?? true;
  const key = `${mode}|${purl}|${exactType}`;
  let byOptions = cache.get(def);
  if (!byOptions) {
    byOptions = new Map();
    cache.set(def, byOptions);
  }
  let v = byOptions.get(key);
  if (!v) {
    const schema = exactType ? jsonSchemaOf(def) : withAnyType(jsonSchemaOf(def));
    const compiled = (purl ? compilers.purl : compilers.plain).compile(schema, { mode });
    const predicate = mode === "strict" && exactType ? STRICT_PREDICATES[def.type] : undefined;
    v = predicate ? new Validator(compiled.check, (value) => predicate(value, purl)) : compiled;
    byOptions.set(key, v);
  }
  return v;
}

type Props = { readonly properties: Record<string, SchemaObject> };

/** The schema with `context.type` open to any string (the version was already matched by the policy). */
export function withAnyType(schema: SchemaObject): SchemaObject {
  const { properties } = schema as Props;
  const context = properties.context as SchemaObject & Props;
  const type = { type: "string", minLength: 1 };
  return {
    ...schema,
    properties: { ...properties, context: { ...context, properties: { ...context.properties, type } } },
  };
}

/** Compiles every validator now, so no first event pays for it (servers call this at start). */
export function precompileAll(options: { drafts?: boolean } = {}): void {
  for (const def of eventDefs(options)) {
    eventValidator(def);
    eventValidator(def, { exactType: false });
    eventValidator(def, { mode: "lenient", exactType: false });
  }
}
