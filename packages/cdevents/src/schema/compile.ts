/**
 * Compiles JSON Schemas (draft 2020-12, the subset below) into plain closures once, so validating an event walks
 * no schema and generates no code (safe under a Content-Security-Policy and on edge runtimes).
 *
 * Supported keywords: `$id`, `$ref` (to registered `$id`s, relative to the current `$id`, and `#/$defs/…`),
 * `$defs`, `type`, `enum`, `const`, `properties`, `required`, `additionalProperties`, `patternProperties`,
 * `propertyNames`, `minProperties`, `maxProperties`, `items`, `prefixItems`, `minItems`, `maxItems`,
 * `uniqueItems`, `contains`, `minLength`, `maxLength`, `pattern`, `format`, `minimum`, `maximum`,
 * `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else`,
 * `dependentRequired`. Annotations (`title`, `description`, `default`, `examples`, `example`,
 * `contentEncoding`, `contentMediaType`, `deprecated`, `readOnly`, `writeOnly`, `$schema`, `$comment`,
 * `x-*`) are ignored. Any other keyword is refused at compile time, so a schema is never silently half-checked.
 * @module
 */
import { CDEventsError, ErrorCode } from "../errors.ts";
import { type Issue, IssueCode, pointerToken } from "../issues.ts";
import { type FormatName, formatExpectations, formats } from "./formats.ts";

/** A JSON Schema document or sub-schema. */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/**
 * A compiled check. `dyn` is the dynamic part of the path (array indices above this node); `out` receives
 * issues, or is `null` while probing alternatives (then no issue objects are built).
 */
export type Check = (value: unknown, dyn: string, out: Issue[] | null) => boolean;

/** How a compiled validator treats `additionalProperties: false`. */
export type ClosedMode = "strict" | "lenient";

/** Options of {@link SchemaCompiler}. */
export interface CompileOptions {
  /**
   * `strict` (default) enforces `additionalProperties: false`; `lenient` lets unknown members through, which is
   * how events of a newer minor version are checked against the newest known schema.
   */
  readonly mode?: ClosedMode;
  /** Check `format: purl`. Default true. */
  readonly purl?: boolean;
}

const ANNOTATIONS = new Set([
  "$schema",
  "$comment",
  "$id",
  "$defs",
  "$anchor",
  "title",
  "description",
  "default",
  "examples",
  "example",
  "contentEncoding",
  "contentMediaType",
  "deprecated",
  "readOnly",
  "writeOnly",
  "then",
  "else",
]);

const KEYWORDS = new Set([
  "$ref",
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "patternProperties",
  "propertyNames",
  "minProperties",
  "maxProperties",
  "items",
  "prefixItems",
  "minItems",
  "maxItems",
  "uniqueItems",
  "contains",
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "allOf",
  "anyOf",
  "oneOf",
  "not",
  "if",
  "dependentRequired",
]);

type Obj = { readonly [k: string]: unknown };
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const hasOwn = Object.hasOwn;

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function describe(v: unknown): string {
  const t = typeOf(v);
  return t === "string"
    ? `the string ${JSON.stringify(v).slice(0, 60)}`
    : t === "integer"
      ? "a number"
      : `${t === "array" || t === "object" ? "an" : "a"} ${t}`;
}

/** Deep equality of JSON values (for enum, const, uniqueItems). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => hasOwn(b, k) && jsonEqual((a as Obj)[k], (b as Obj)[k]));
}

function resolveUri(ref: string, base: string | undefined): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref) || base === undefined) return ref;
  try {
    return new URL(ref, base).href;
  } catch {
    return ref;
  }
}

/**
 * Holds schemas by `$id` and compiles them. Compiled checks are cached per schema object and mode, so each
 * schema is compiled once however often it is referenced.
 */
export class SchemaCompiler {
  readonly #docs = new Map<string, JsonSchema>();
  readonly #cache = new Map<string, WeakMap<object, Check>>();
  readonly #purl: boolean;

  constructor(options: { purl?: boolean } = {}) {
    this.#purl = options.purl ?? true;
  }

  /** Registers a schema under its `$id` (or `id` when given) so `$ref`s can reach it. */
  add(schema: JsonSchema, id?: string): void {
    const key = id ?? (isObj(schema) && typeof schema.$id === "string" ? schema.$id : undefined);
    if (key === undefined) throw new CDEventsError(ErrorCode.InvalidArgument, "a schema needs an $id to be added");
    this.#docs.set(key, schema);
  }

  /** True when a schema with this id is registered. */
  has(id: string): boolean {
    return this.#docs.has(id);
  }

  /** The registered schema with this id. */
  get(id: string): JsonSchema | undefined {
    return this.#docs.get(id);
  }

  /** Compiles a schema (or the registered one with that id) into a {@link Validator}. */
  compile(schema: JsonSchema | string, options: CompileOptions = {}): Validator {
    const root = typeof schema === "string" ? this.#docs.get(schema) : schema;
    if (root === undefined)
      throw new CDEventsError(ErrorCode.InvalidArgument, `no schema registered as ${String(schema)}`);
    const mode = options.mode ?? "strict";
    const check = this.#node(root, "", isObj(root) && typeof root.$id === "string" ? root.$id : undefined, root, mode);
    return new Validator(check);
  }

  #node(schema: JsonSchema, path: string, base: string | undefined, root: JsonSchema, mode: ClosedMode): Check {
    if (schema === true) return () => true;
    if (schema === false)
      return (_v, dyn, out) => {
        out?.push({ code: IssueCode.Not, path: dyn + path, message: "no value is allowed here" });
        return false;
      };
    let byMode = this.#cache.get(`${mode}|${path}`);
    const cached = byMode?.get(schema);
    if (cached) return cached;
    // Recursive schemas: a forwarding check is cached before compiling the body.
    let body: Check | undefined;
    const forward: Check = (v, dyn, out) => (body as Check)(v, dyn, out);
    if (!byMode) {
      byMode = new WeakMap();
      this.#cache.set(`${mode}|${path}`, byMode);
    }
    byMode.set(schema, forward);
    body = this.#build(schema, path, base, root, mode);
    byMode.set(schema, body);
    return body;
  }

  #build(s: Obj, path: string, parentBase: string | undefined, root: JsonSchema, mode: ClosedMode): Check {
    const base = typeof s.$id === "string" ? resolveUri(s.$id, parentBase) : parentBase;
    const localRoot = typeof s.$id === "string" ? s : root;
    for (const k of Object.keys(s)) {
      if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k) && !k.startsWith("x-"))
        throw new CDEventsError(
          ErrorCode.SchemaUnsupported,
          `unsupported JSON Schema keyword "${k}" at ${path || "/"}`,
        );
    }
    const checks: Check[] = [];
    const sub = (x: unknown, p: string) => this.#node(x as JsonSchema, p, base, localRoot, mode);
    if (typeof s.$ref === "string") checks.push(this.#ref(s.$ref, path, base, localRoot, mode));
    if (s.type !== undefined) checks.push(typeCheck(s.type, path));
    if (Array.isArray(s.enum)) checks.push(enumCheck(s.enum, path));
    if (hasOwn(s, "const")) checks.push(enumCheck([s.const], path));
    if (typeof s.minLength === "number" || typeof s.maxLength === "number")
      checks.push(lengthCheck(s.minLength as number | undefined, s.maxLength as number | undefined, path));
    if (typeof s.pattern === "string") checks.push(patternCheck(s.pattern, path));
    if (typeof s.format === "string") {
      const c = this.#format(s.format, path);
      if (c) checks.push(c);
    }
    const num = numberCheck(s, path);
    if (num) checks.push(num);
    if (
      s.properties !== undefined ||
      s.required !== undefined ||
      s.additionalProperties !== undefined ||
      s.patternProperties !== undefined
    )
      checks.push(this.#object(s, path, sub, mode));
    if (s.propertyNames !== undefined) checks.push(propertyNamesCheck(sub(s.propertyNames, ""), path));
    if (typeof s.minProperties === "number" || typeof s.maxProperties === "number")
      checks.push(countCheck(s.minProperties as number | undefined, s.maxProperties as number | undefined, path));
    if (isObj(s.dependentRequired)) checks.push(dependentRequiredCheck(s.dependentRequired, path));
    if (
      s.items !== undefined ||
      s.prefixItems !== undefined ||
      s.minItems !== undefined ||
      s.maxItems !== undefined ||
      s.uniqueItems === true ||
      s.contains !== undefined
    )
      checks.push(arrayCheck(s, path, sub));
    if (Array.isArray(s.allOf)) for (const b of s.allOf) checks.push(sub(b, path));
    if (Array.isArray(s.anyOf))
      checks.push(
        alternatives(
          s.anyOf.map((b) => sub(b, path)),
          s.anyOf,
          "any",
          path,
        ),
      );
    if (Array.isArray(s.oneOf))
      checks.push(
        alternatives(
          s.oneOf.map((b) => sub(b, path)),
          s.oneOf,
          "one",
          path,
        ),
      );
    if (s.not !== undefined) checks.push(notCheck(sub(s.not, path), path));
    if (s.if !== undefined)
      checks.push(
        ifCheck(
          sub(s.if, path),
          s.then === undefined ? null : sub(s.then, path),
          s.else === undefined ? null : sub(s.else, path),
        ),
      );
    return all(checks);
  }

  #ref(ref: string, path: string, base: string | undefined, root: JsonSchema, mode: ClosedMode): Check {
    let target: JsonSchema | undefined;
    let targetBase = base;
    let targetRoot = root;
    if (ref.startsWith("#")) {
      target = pointerGet(root, ref.slice(1));
    } else {
      const abs = resolveUri(ref, base);
      const [doc, frag = ""] = abs.split("#") as [string, string?];
      const found = this.#docs.get(abs) ?? this.#docs.get(doc) ?? this.#docs.get(ref);
      target = found === undefined ? undefined : pointerGet(found, frag);
      if (found !== undefined) targetRoot = found;
      targetBase = doc;
    }
    if (target === undefined)
      throw new CDEventsError(
        ErrorCode.InvalidArgument,
        `unresolved $ref "${ref}" at ${path || "/"} (register the schema it names first)`,
      );
    return this.#node(target, path, targetBase, targetRoot, mode);
  }

  #format(name: string, path: string): Check | undefined {
    if (name === "purl" && !this.#purl) return undefined;
    const test = formats[name as FormatName];
    if (!test) return undefined;
    const expected = formatExpectations[name as FormatName];
    return (v, dyn, out) => {
      if (typeof v !== "string" || test(v)) return true;
      out?.push({
        code: IssueCode.Format,
        path: dyn + path,
        message: `must be ${expected}; got ${JSON.stringify(v).slice(0, 80)}`,
      });
      return false;
    };
  }

  #object(s: Obj, path: string, sub: (x: unknown, p: string) => Check, mode: ClosedMode): Check {
    const props = isObj(s.properties) ? s.properties : {};
    const names = Object.keys(props);
    const keys = names.map((k) => ({
      k,
      safe: !(k in Object.prototype),
      check: sub(props[k], `${path}/${pointerToken(k)}`),
    }));
    const required = Array.isArray(s.required) ? (s.required as string[]) : [];
    const patterns = isObj(s.patternProperties)
      ? Object.entries(s.patternProperties).map(([p, x]) => ({ re: new RegExp(p, "u"), check: sub(x, "") }))
      : [];
    const ap = s.additionalProperties;
    const closed = ap === false && mode === "strict";
    const extra = ap === undefined || ap === true || ap === false ? undefined : sub(ap, "");
    const known = new Set(names);
    const simple = closed && !extra && patterns.length === 0;
    const keyChecks = keys.map((x) => x.check);
    const keySafe = keys.map((x) => x.safe);
    const keyRequired = names.map((k) => required.includes(k));
    const requiredElsewhere = required.filter((r) => !known.has(r));
    // The fast path answers valid/invalid without building anything; issues are only collected on failure.
    const fast = (v: Obj): boolean => {
      let present = 0;
      for (let i = 0; i < names.length; i++) {
        const k = names[i] as string;
        const x = keySafe[i] ? v[k] : hasOwn(v, k) ? v[k] : undefined;
        if (x === undefined) {
          if (keyRequired[i]) return false;
        } else {
          present++;
          if (!(keyChecks[i] as Check)(x, "", null)) return false;
        }
      }
      for (const r of requiredElsewhere) if (!hasOwn(v, r) || v[r] === undefined) return false;
      if (!closed && !extra && patterns.length === 0) return true;
      if (simple) {
        let count = 0;
        for (const _ in v) count++;
        if (count === present) return true;
      }
      return slow(v, "", null);
    };
    const slow = (v: Obj, dyn: string, out: Issue[] | null): boolean => {
      let ok = true;
      for (const r of required) {
        if (!hasOwn(v, r) || v[r] === undefined) {
          if (!out) return false;
          ok = false;
          out.push({ code: IssueCode.Required, path: `${dyn}${path}/${pointerToken(r)}`, message: `is required` });
        }
      }
      for (const { k, safe, check } of keys) {
        const x = safe ? v[k] : hasOwn(v, k) ? v[k] : undefined;
        if (x !== undefined && !check(x, dyn, out)) {
          if (!out) return false;
          ok = false;
        }
      }
      if (closed || extra || patterns.length > 0) {
        for (const k in v) {
          if (known.has(k)) continue;
          let matched = false;
          const at = `${dyn}${path}/${pointerToken(k)}`;
          for (const p of patterns) {
            if (p.re.test(k)) {
              matched = true;
              if (!p.check(v[k], at, out)) ok = false;
            }
          }
          if (matched) continue;
          if (closed) {
            if (!out) return false;
            ok = false;
            out.push({
              code: IssueCode.UnknownField,
              path: `${dyn}${path}/${pointerToken(k)}`,
              message: `unknown field "${k}"; allowed here: ${names.join(", ") || "none"}`,
            });
          } else if (extra && !extra(v[k], at, out)) ok = false;
        }
      }
      return ok;
    };
    return (v, dyn, out) => !isObj(v) || fast(v) || (out !== null && slow(v, dyn, out));
  }
}

/** A compiled schema. */
export class Validator {
  readonly #check: Check;
  readonly #fast: ((value: unknown) => boolean) | undefined;
  /**
   * @param check the compiled closures (verdict and issues)
   * @param fast an equivalent predicate that only answers valid/invalid (the generated code of declared types)
   */
  constructor(check: Check, fast?: (value: unknown) => boolean) {
    this.#check = check;
    this.#fast = fast;
  }
  /** True when the value satisfies the schema; issues are only built on failure. */
  test(value: unknown): boolean {
    return this.#fast ? this.#fast(value) : this.#check(value, "", null);
  }
  /** Validates and returns the issues found (empty when valid). */
  issues(value: unknown, prefix = ""): Issue[] {
    if (this.test(value)) return [];
    const out: Issue[] = [];
    this.#check(value, prefix, out);
    return out;
  }
  /** The compiled closures, to embed in another check or to compare with the fast predicate. */
  get check(): Check {
    return this.#check;
  }
  /** The same validator answering through the closures only (for tests that compare both paths). */
  get closuresOnly(): Validator {
    return new Validator(this.#check);
  }
}

function pointerGet(doc: JsonSchema, pointer: string): JsonSchema | undefined {
  if (pointer === "" || pointer === "/") return doc;
  let cur: unknown = doc;
  for (const raw of pointer.replace(/^\//, "").split("/")) {
    const k = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    if (!isObj(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Obj)[k];
  }
  return cur as JsonSchema | undefined;
}

function all(checks: Check[]): Check {
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0] as Check;
  if (checks.length === 2) {
    const [a, b] = checks as [Check, Check];
    return (v, dyn, out) => (out === null ? a(v, dyn, null) && b(v, dyn, null) : both(a, b, v, dyn, out));
  }
  return (v, dyn, out) => {
    let ok = true;
    for (const c of checks) {
      if (!c(v, dyn, out)) {
        if (!out) return false;
        ok = false;
      }
    }
    return ok;
  };
}

/** Runs two checks collecting the issues of both (the fast conjunction stops at the first failure). */
function both(a: Check, b: Check, v: unknown, dyn: string, out: Issue[]): boolean {
  const x = a(v, dyn, out);
  const y = b(v, dyn, out);
  return x && y;
}

const SINGLE_TYPES: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  object: isObj,
  array: Array.isArray,
  boolean: (v) => typeof v === "boolean",
  null: (v) => v === null,
  integer: Number.isInteger,
  number: (v) => typeof v === "number" && Number.isFinite(v),
};

function typeCheck(type: unknown, path: string): Check {
  const types = Array.isArray(type) ? (type as string[]) : [type as string];
  const want = types.join(" or ");
  const single = types.length === 1 ? SINGLE_TYPES[types[0] as string] : undefined;
  const allows =
    single ??
    ((v: unknown) => {
      for (const t of types) {
        if (
          t === "string"
            ? typeof v === "string"
            : t === "object"
              ? isObj(v)
              : t === "array"
                ? Array.isArray(v)
                : t === "number"
                  ? typeof v === "number" && Number.isFinite(v)
                  : t === "integer"
                    ? Number.isInteger(v)
                    : t === "boolean"
                      ? typeof v === "boolean"
                      : t === "null"
                        ? v === null
                        : false
        )
          return true;
      }
      return false;
    });
  return (v, dyn, out) => {
    if (allows(v)) return true;
    out?.push({
      code: IssueCode.Type,
      path: dyn + path,
      message: `must be ${types.length > 1 ? "" : /^[aeiou]/.test(want) ? "an " : "a "}${want}; got ${describe(v)}`,
    });
    return false;
  };
}

function enumCheck(values: unknown[], path: string): Check {
  const scalars = values.every((x) => typeof x !== "object" || x === null);
  const set = new Set(values);
  const list = values.map((x) => JSON.stringify(x)).join(", ");
  return (v, dyn, out) => {
    if (scalars ? set.has(v) : values.some((x) => jsonEqual(x, v))) return true;
    out?.push({
      code: IssueCode.Enum,
      path: dyn + path,
      message: `must be ${values.length === 1 ? list : `one of ${list}`}; got ${JSON.stringify(v)?.slice(0, 80)}`,
    });
    return false;
  };
}

function lengthCheck(min: number | undefined, max: number | undefined, path: string): Check {
  return (v, dyn, out) => {
    if (typeof v !== "string") return true;
    // Lengths count code points; UTF-16 length bounds them (n ≤ length ≤ 2n), so counting is rarely needed.
    const units = v.length;
    if ((min === undefined || units >= 2 * min) && (max === undefined || units <= max)) return true;
    const n = units < 2 ? units : [...v].length;
    if (min !== undefined && n < min) {
      out?.push({
        code: IssueCode.MinLength,
        path: dyn + path,
        message: min === 1 ? "must not be empty" : `must have at least ${min} characters`,
      });
      return false;
    }
    if (max !== undefined && n > max) {
      out?.push({ code: IssueCode.Range, path: dyn + path, message: `must have at most ${max} characters` });
      return false;
    }
    return true;
  };
}

function patternCheck(pattern: string, path: string): Check {
  const re = new RegExp(pattern, "u");
  return (v, dyn, out) => {
    if (typeof v !== "string" || re.test(v)) return true;
    out?.push({
      code: IssueCode.Pattern,
      path: dyn + path,
      message: `must match ${pattern}; got ${JSON.stringify(v).slice(0, 80)}`,
    });
    return false;
  };
}

function numberCheck(s: Obj, path: string): Check | undefined {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = s as Record<string, number | undefined>;
  if ([minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf].every((x) => x === undefined))
    return undefined;
  return (v, dyn, out) => {
    if (typeof v !== "number") return true;
    const bad =
      (minimum !== undefined && v < minimum && `must be ≥ ${minimum}`) ||
      (maximum !== undefined && v > maximum && `must be ≤ ${maximum}`) ||
      (exclusiveMinimum !== undefined && v <= exclusiveMinimum && `must be > ${exclusiveMinimum}`) ||
      (exclusiveMaximum !== undefined && v >= exclusiveMaximum && `must be < ${exclusiveMaximum}`) ||
      (multipleOf !== undefined && !Number.isInteger(v / multipleOf) && `must be a multiple of ${multipleOf}`);
    if (!bad) return true;
    out?.push({ code: IssueCode.Range, path: dyn + path, message: bad });
    return false;
  };
}

function countCheck(min: number | undefined, max: number | undefined, path: string): Check {
  return (v, dyn, out) => {
    if (!isObj(v)) return true;
    const n = Object.keys(v).length;
    if ((min === undefined || n >= min) && (max === undefined || n <= max)) return true;
    out?.push({
      code: IssueCode.Range,
      path: dyn + path,
      message: `must have between ${min ?? 0} and ${max ?? "any number of"} members`,
    });
    return false;
  };
}

function propertyNamesCheck(check: Check, path: string): Check {
  return (v, dyn, out) => {
    if (!isObj(v)) return true;
    let ok = true;
    for (const k in v) if (!check(k, `${dyn}${path}/${pointerToken(k)}`, out)) ok = false;
    return ok;
  };
}

function dependentRequiredCheck(deps: Obj, path: string): Check {
  return (v, dyn, out) => {
    if (!isObj(v)) return true;
    let ok = true;
    for (const [k, needs] of Object.entries(deps)) {
      if (!hasOwn(v, k)) continue;
      for (const n of needs as string[]) {
        if (hasOwn(v, n)) continue;
        ok = false;
        out?.push({
          code: IssueCode.Required,
          path: `${dyn}${path}/${pointerToken(n)}`,
          message: `is required when "${k}" is present`,
        });
      }
    }
    return ok;
  };
}

function arrayCheck(s: Obj, path: string, sub: (x: unknown, p: string) => Check): Check {
  const prefix = Array.isArray(s.prefixItems) ? s.prefixItems.map((x) => sub(x, "")) : [];
  const items = s.items === undefined ? undefined : sub(s.items, "");
  const contains = s.contains === undefined ? undefined : sub(s.contains, "");
  const { minItems, maxItems } = s as Record<string, number | undefined>;
  const unique = s.uniqueItems === true;
  return (v, dyn, out) => {
    if (!Array.isArray(v)) return true;
    let ok = true;
    const at = dyn + path;
    const fail = (code: Issue["code"], message: string) => {
      ok = false;
      out?.push({ code, path: at, message });
    };
    if (minItems !== undefined && v.length < minItems) fail(IssueCode.Range, `must have at least ${minItems} items`);
    if (maxItems !== undefined && v.length > maxItems) fail(IssueCode.Range, `must have at most ${maxItems} items`);
    for (let i = 0; i < v.length; i++) {
      const c = i < prefix.length ? prefix[i] : items;
      if (c && !c(v[i], out ? `${at}/${i}` : "", out)) {
        if (!out) return false;
        ok = false;
      }
    }
    if (contains && !v.some((x) => contains(x, at, null))) fail(IssueCode.Alternatives, "must contain a matching item");
    if (unique && v.some((x, i) => v.findIndex((y) => jsonEqual(x, y)) !== i))
      fail(IssueCode.Range, "items must be unique");
    return ok;
  };
}

/** Property whose single allowed value tells the alternatives apart (e.g. `linkType`), if any. */
function discriminator(branches: unknown[]): { key: string; values: unknown[] } | undefined {
  const first = branches[0];
  if (!isObj(first) || !isObj(first.properties)) return undefined;
  for (const key of Object.keys(first.properties)) {
    const values: unknown[] = [];
    for (const b of branches) {
      const p = isObj(b) && isObj(b.properties) ? b.properties[key] : undefined;
      const req = isObj(b) && Array.isArray(b.required) && b.required.includes(key);
      const single = isObj(p) ? (Array.isArray(p.enum) && p.enum.length === 1 ? p.enum[0] : p.const) : undefined;
      if (!req || single === undefined || values.includes(single)) break;
      values.push(single);
    }
    if (values.length === branches.length) return { key, values };
  }
  return undefined;
}

function alternatives(checks: Check[], branches: unknown[], kind: "any" | "one", path: string): Check {
  const disc = discriminator(branches);
  const summary = branches
    .map((b) =>
      isObj(b) && typeof b.type === "string"
        ? b.type
        : isObj(b) && Array.isArray(b.enum)
          ? "one of the listed values"
          : "a schema",
    )
    .filter((x, i, a) => a.indexOf(x) === i)
    .join(" or ");
  return (v, dyn, out) => {
    if (disc && isObj(v)) {
      const i = disc.values.indexOf(v[disc.key]);
      if (i < 0) {
        out?.push({
          code: IssueCode.Enum,
          path: `${dyn}${path}/${pointerToken(disc.key)}`,
          message: `must be one of ${disc.values.map((x) => JSON.stringify(x)).join(", ")}; got ${JSON.stringify(v[disc.key])}`,
        });
        return false;
      }
      return (checks[i] as Check)(v, dyn, out);
    }
    let matches = 0;
    for (const c of checks) {
      if (c(v, dyn, null)) {
        matches++;
        if (kind === "any" || matches > 1) break;
      }
    }
    if (matches === 1 || (kind === "any" && matches > 0)) return true;
    if (out) {
      if (matches > 1)
        out.push({
          code: IssueCode.Alternatives,
          path: dyn + path,
          message: "matches more than one alternative; exactly one is allowed",
        });
      else
        out.push({ code: IssueCode.Alternatives, path: dyn + path, message: `must be ${summary}; got ${describe(v)}` });
    }
    return false;
  };
}

function notCheck(check: Check, path: string): Check {
  return (v, dyn, out) => {
    if (!check(v, dyn, null)) return true;
    out?.push({ code: IssueCode.Not, path: dyn + path, message: "matches a schema it must not match" });
    return false;
  };
}

function ifCheck(cond: Check, then: Check | null, otherwise: Check | null): Check {
  return (v, dyn, out) =>
    cond(v, dyn, null) ? (then ? then(v, dyn, out) : true) : otherwise ? otherwise(v, dyn, out) : true;
}
