/**
 * Compiled validators for declared event types, built once per type and mode on first use (or all at once with
 * {@link precompileAll}) and shared by every parse.
 * @module
 */
import { eventDefs, type EventDef, jsonSchemaOf } from "../spec/registry.ts";
import { type ClosedMode, SchemaCompiler, type Validator } from "./compile.ts";

const compilers = { purl: new SchemaCompiler({ purl: true }), plain: new SchemaCompiler({ purl: false }) };
const cache = new Map<string, Validator>();

/** Options that select a compiled validator. */
export interface EventValidatorOptions {
  /** `strict` (exact version) or `lenient` (unknown members allowed, for newer versions). */
  readonly mode?: ClosedMode;
  /** Check artifact ids as Package URLs. Default true. */
  readonly purl?: boolean;
}

/** The compiled validator of an event type. */
export function eventValidator(def: EventDef, options: EventValidatorOptions = {}): Validator {
  const mode = options.mode ?? "strict";
  const purl = options.purl ?? true;
  const key = `${def.type}|${mode}|${purl}`;
  let v = cache.get(key);
  if (!v) {
    v = (purl ? compilers.purl : compilers.plain).compile(jsonSchemaOf(def), { mode });
    cache.set(key, v);
  }
  return v;
}

/** Compiles every validator now, so no first event pays for it (servers call this at start). */
export function precompileAll(options: { drafts?: boolean } = {}): void {
  for (const def of eventDefs(options)) {
    for (const mode of ["strict", "lenient"] as const) eventValidator(def, { mode });
  }
}
