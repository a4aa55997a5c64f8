/**
 * Generates `src/generated/validators.generated.ts`: one plain JavaScript predicate per declared event type
 * (strict, exact version), emitted from the JSON Schema each declaration yields — what Ajv's "standalone code"
 * does, for Cairn's own schema subset. The predicates answer valid/invalid only; the compiled closures of
 * `schema/compile.ts` still collect the issues when an event is invalid, and a test checks that both agree.
 *
 * Run: `node packages/cdevents/scripts/generate-validators.ts` (writes the file); the drift test regenerates in
 * memory and fails when the committed file differs.
 * @module
 */
import { writeFileSync } from "node:fs";
import { withAnyType } from "../src/schema/event-validators.ts";
import { eventDefs, jsonSchemaOf } from "../src/spec/registry.ts";

type S = { readonly [k: string]: unknown };
const isObj = (v: unknown): v is S => typeof v === "object" && v !== null && !Array.isArray(v);
const IGNORED = new Set([
  "$schema",
  "$id",
  "description",
  "default",
  "examples",
  "example",
  "contentEncoding",
  "title",
]);
const HANDLED = new Set([
  "type",
  "enum",
  "minLength",
  "format",
  "pattern",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "anyOf",
  "oneOf",
]);
const FORMAT_CALLS: Readonly<Record<string, (x: string) => string>> = {
  "date-time": (x) => `isDateTime(${x})`,
  uri: (x) => `isUri(${x})`,
  "uri-reference": (x) => `isUriReference(${x})`,
  purl: (x) => `(!purl || isPurl(${x}))`,
};

/** Emits the code of a module of predicates. */
class Emitter {
  readonly constants: string[] = [];
  readonly functions: string[] = [];
  readonly #memo = new Map<string, string>();
  #n = 0;

  name(prefix: string): string {
    return `${prefix}${this.#n++}`;
  }

  constant(code: string): string {
    const existing = this.constants.findIndex((c) => c.endsWith(` = ${code};`));
    if (existing >= 0) return (this.constants[existing] as string).split(" ")[1] as string;
    const n = this.name("k");
    this.constants.push(`const ${n} = ${code};`);
    return n;
  }

  /** A separate predicate function for a sub-schema (used for alternatives); returns its name. */
  fn(schema: S): string {
    const key = JSON.stringify(schema);
    const known = this.#memo.get(key);
    if (known) return known;
    const n = this.name("b");
    this.#memo.set(key, n);
    const body = this.check(schema, "d", "  ");
    this.functions.push(`function ${n}(d: any, purl: boolean): boolean {\n${body}  return true;\n}`);
    return n;
  }

  /** Statements that `return false` when `x` does not satisfy `schema`. */
  check(schema: S, x: string, ind: string): string {
    for (const k of Object.keys(schema))
      if (!HANDLED.has(k) && !IGNORED.has(k)) throw new Error(`generator: unsupported keyword ${k}`);
    let out = "";
    const type = schema.type;
    if (type === "object")
      out += `${ind}if (typeof ${x} !== "object" || ${x} === null || Array.isArray(${x})) return false;\n`;
    else if (type === "string") out += `${ind}if (typeof ${x} !== "string") return false;\n`;
    else if (type === "array") out += `${ind}if (!Array.isArray(${x})) return false;\n`;
    else if (type !== undefined) throw new Error(`generator: unsupported type ${JSON.stringify(type)}`);
    if (Array.isArray(schema.enum)) {
      const values = schema.enum as unknown[];
      if (values.length === 1) out += `${ind}if (${x} !== ${JSON.stringify(values[0])}) return false;\n`;
      else out += `${ind}if (!${this.constant(`new Set(${JSON.stringify(values)})`)}.has(${x})) return false;\n`;
    }
    if (typeof schema.minLength === "number") {
      if (schema.minLength !== 1) throw new Error("generator: only minLength 1 is used by the declarations");
      out += `${ind}if (typeof ${x} === "string" && ${x}.length === 0) return false;\n`;
    }
    if (typeof schema.pattern === "string")
      out += `${ind}if (typeof ${x} === "string" && !${this.constant(`new RegExp(${JSON.stringify(schema.pattern)}, "u")`)}.test(${x})) return false;\n`;
    if (typeof schema.format === "string") {
      const call = FORMAT_CALLS[schema.format];
      if (call) out += `${ind}if (typeof ${x} === "string" && !${call(x)}) return false;\n`;
    }
    if (isObj(schema.properties) || schema.additionalProperties === false || Array.isArray(schema.required))
      out += this.object(schema, x, ind);
    if (isObj(schema.items)) {
      const i = this.name("i");
      const e = this.name("e");
      out += `${ind}if (Array.isArray(${x})) {\n${ind}  for (let ${i} = 0; ${i} < ${x}.length; ${i}++) {\n${ind}    const ${e} = ${x}[${i}];\n`;
      out += this.check(schema.items, e, `${ind}    `);
      out += `${ind}  }\n${ind}}\n`;
    }
    if (Array.isArray(schema.anyOf)) out += this.alternatives(schema.anyOf as S[], x, ind, "any");
    if (Array.isArray(schema.oneOf)) out += this.alternatives(schema.oneOf as S[], x, ind, "one");
    return out;
  }

  object(schema: S, x: string, ind: string): string {
    const props = isObj(schema.properties) ? (schema.properties as Record<string, S>) : {};
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    const closed = schema.additionalProperties === false;
    const count = this.name("c");
    let out = `${ind}if (typeof ${x} === "object" && ${x} !== null && !Array.isArray(${x})) {\n`;
    if (closed) out += `${ind}  let ${count} = 0;\n`;
    for (const r of required)
      if (!(r in props)) out += `${ind}  if (${x}[${JSON.stringify(r)}] === undefined) return false;\n`;
    for (const [k, sub] of Object.entries(props)) {
      const v = this.name("v");
      const read =
        k in Object.prototype
          ? `(Object.hasOwn(${x}, ${JSON.stringify(k)}) ? ${x}[${JSON.stringify(k)}] : undefined)`
          : `${x}[${JSON.stringify(k)}]`;
      out += `${ind}  const ${v} = ${read};\n`;
      if (required.has(k)) out += `${ind}  if (${v} === undefined) return false;\n`;
      out += `${ind}  if (${v} !== undefined) {\n`;
      if (closed) out += `${ind}    ${count}++;\n`;
      const nested =
        sub.type === "object" || sub.type === "array" || sub.anyOf !== undefined || sub.oneOf !== undefined;
      out += nested ? `${ind}    if (!${this.fn(sub)}(${v}, purl)) return false;\n` : this.check(sub, v, `${ind}    `);
      out += `${ind}  }\n`;
    }
    if (closed) {
      const known = this.constant(`new Set(${JSON.stringify(Object.keys(props))})`);
      out += `${ind}  if (keyCount(${x}) !== ${count} && !onlyKnownKeys(${x}, ${known})) return false;\n`;
    }
    return `${out}${ind}}\n`;
  }

  alternatives(branches: S[], x: string, ind: string, kind: "any" | "one"): string {
    const disc = discriminator(branches);
    if (disc) {
      let out = `${ind}switch (typeof ${x} === "object" && ${x} !== null ? ${x}[${JSON.stringify(disc)}] : undefined) {\n`;
      for (const b of branches) {
        const value = ((b.properties as Record<string, S>)[disc] as S).enum as unknown[];
        out += `${ind}  case ${JSON.stringify(value[0])}:\n${ind}    if (!${this.fn(b)}(${x}, purl)) return false;\n${ind}    break;\n`;
      }
      return `${out}${ind}  default:\n${ind}    return false;\n${ind}}\n`;
    }
    const names = branches.map((b) => this.fn(b));
    if (kind === "any") return `${ind}if (!(${names.map((n) => `${n}(${x}, purl)`).join(" || ")})) return false;\n`;
    return `${ind}if (${names.map((n) => `(${n}(${x}, purl) ? 1 : 0)`).join(" + ")} !== 1) return false;\n`;
  }
}

/** A property every branch requires with one distinct allowed value (e.g. `linkType`), if any. */
function discriminator(branches: S[]): string | undefined {
  const first = branches[0];
  if (!first || !isObj(first.properties)) return undefined;
  for (const key of Object.keys(first.properties)) {
    const values = branches.map((b) => {
      const p = isObj(b.properties) ? (b.properties as Record<string, S>)[key] : undefined;
      const req = Array.isArray(b.required) && (b.required as string[]).includes(key);
      return req && p && Array.isArray(p.enum) && p.enum.length === 1 ? p.enum[0] : undefined;
    });
    if (values.every((v) => v !== undefined) && new Set(values).size === values.length) return key;
  }
  return undefined;
}

/** The generated module's source text. */
export function generateValidatorsModule(): string {
  const e = new Emitter();
  const entries: string[] = [];
  for (const def of eventDefs({ drafts: true })) {
    // The exact type is checked first; the rest of the context is then shared by every type of the release.
    const n = e.name("t");
    const head = `  if (typeof d !== "object" || d === null || d.context?.type !== ${JSON.stringify(def.type)}) return false;\n`;
    e.functions.push(
      `function ${n}(d: any, purl: boolean): boolean {\n${head}${e.check(withAnyType(jsonSchemaOf(def)), "d", "  ")}  return true;\n}`,
    );
    entries.push(`  ${JSON.stringify(def.type)}: ${n},`);
  }
  return [
    "// Generated by packages/cdevents/scripts/generate-validators.ts from the event declarations. DO NOT EDIT.",
    "// Regenerate: node packages/cdevents/scripts/generate-validators.ts (a test fails when this file is stale).",
    'import { isDateTime, isPurl, isUri, isUriReference } from "../schema/formats.ts";',
    "",
    "function keyCount(o: object): number {",
    "  let n = 0;",
    "  for (const _ in o) n++;",
    "  return n;",
    "}",
    "",
    "function onlyKnownKeys(o: { [k: string]: unknown }, known: Set<string>): boolean {",
    "  for (const k in o) if (!known.has(k) || o[k] === undefined) return false;",
    "  return true;",
    "}",
    "",
    ...e.constants,
    "",
    e.functions.join("\n\n"),
    "",
    "/** Strict predicates of every declared event type (drafts included), by exact type string. */",
    "export const STRICT_PREDICATES: Readonly<Record<string, (d: unknown, purl: boolean) => boolean>> = {",
    ...entries,
    "};",
    "",
  ].join("\n");
}

/** Where the module lives. */
export const GENERATED_FILE = new URL("../src/generated/validators.generated.ts", import.meta.url);

if (import.meta.main) {
  writeFileSync(GENERATED_FILE, generateValidatorsModule());
  console.log(`wrote ${GENERATED_FILE.pathname}`);
}
