/**
 * Resolving `context.schemaUri`: registered schemas first, then (only when the caller opts in) a fetcher limited
 * by an allow-list, with a bounded cache and coalesced concurrent fetches.
 * @module
 */
import { CDEventsError, ErrorCode } from "./errors.ts";
import type { JsonSchema, SchemaCompiler, Validator } from "./schema/compile.ts";

/** Options of the opt-in schema fetcher. */
export interface SchemaFetchOptions {
  /**
   * What may be fetched: exact URIs, prefixes (strings ending in `/`), or regular expressions. Nothing else is
   * ever requested. An empty list allows nothing.
   */
  readonly allow: readonly (string | RegExp)[];
  /** Fetches and parses a schema. Default: the global `fetch`, expecting a JSON response. */
  readonly fetch?: (uri: string, signal: AbortSignal) => Promise<unknown>;
  /** Per-fetch time limit in milliseconds. Default 5000. */
  readonly timeoutMs?: number;
  /** Most schemas kept (least recently used are dropped). Default 100. */
  readonly maxEntries?: number;
}

/** Why a `schemaUri` was or was not checked. */
export type SchemaUriStatus = "absent" | "checked" | "unchecked";

async function defaultFetch(uri: string, signal: AbortSignal): Promise<unknown> {
  const res = await fetch(uri, { signal, headers: { accept: "application/schema+json, application/json" } });
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
  return res.json();
}

/** Holds schemas by URI: registered ones for good, fetched ones in a bounded LRU cache. */
export class SchemaUriResolver {
  readonly #compiler: SchemaCompiler;
  readonly #registered = new Map<string, Validator>();
  readonly #fetched = new Map<string, Validator>();
  readonly #inflight = new Map<string, Promise<Validator>>();
  readonly #fetch: SchemaFetchOptions | undefined;

  constructor(compiler: SchemaCompiler, fetchOptions: SchemaFetchOptions | undefined) {
    this.#compiler = compiler;
    this.#fetch = fetchOptions;
  }

  /** True when a fetcher is configured. */
  get canFetch(): boolean {
    return this.#fetch !== undefined;
  }

  /** Registers a schema for a URI (compiled now, so parsing never compiles). */
  register(uri: string, schema: JsonSchema): void {
    this.#compiler.add(schema, uri);
    this.#registered.set(uri, this.#compiler.compile(schema));
  }

  /** The validator for a URI if it is registered or cached. */
  get(uri: string): Validator | undefined {
    const hit = this.#registered.get(uri) ?? this.#fetched.get(uri);
    if (hit && this.#fetched.has(uri)) {
      this.#fetched.delete(uri);
      this.#fetched.set(uri, hit);
    }
    return hit;
  }

  /** True when the allow-list permits fetching this URI. */
  allowed(uri: string): boolean {
    return (this.#fetch?.allow ?? []).some((a) =>
      typeof a === "string" ? (a.endsWith("/") ? uri.startsWith(a) : uri === a) : a.test(uri),
    );
  }

  /** Fetches, compiles and caches the schema of a URI; throws {@link CDEventsError} `CAIRN_ERR_SCHEMA_FETCH`. */
  async load(uri: string): Promise<Validator> {
    const hit = this.get(uri);
    if (hit) return hit;
    const f = this.#fetch;
    if (!f)
      throw new CDEventsError(ErrorCode.SchemaFetch, `schemaUri ${uri} is not registered and no fetcher is configured`);
    if (!this.allowed(uri))
      throw new CDEventsError(ErrorCode.SchemaFetch, `schemaUri ${uri} is not in the fetch allow-list`);
    let p = this.#inflight.get(uri);
    if (!p) {
      p = this.#download(uri, f).finally(() => this.#inflight.delete(uri));
      this.#inflight.set(uri, p);
    }
    return p;
  }

  async #download(uri: string, f: SchemaFetchOptions): Promise<Validator> {
    const signal = AbortSignal.timeout(f.timeoutMs ?? 5000);
    let schema: unknown;
    try {
      schema = await (f.fetch ?? defaultFetch)(uri, signal);
    } catch (cause) {
      throw new CDEventsError(
        ErrorCode.SchemaFetch,
        `schemaUri ${uri} could not be fetched: ${String((cause as Error)?.message ?? cause)}`,
        { cause },
      );
    }
    if (typeof schema !== "boolean" && (typeof schema !== "object" || schema === null || Array.isArray(schema)))
      throw new CDEventsError(ErrorCode.SchemaFetch, `schemaUri ${uri} did not return a JSON Schema object`);
    let v: Validator;
    try {
      v = this.#compiler.compile(schema as JsonSchema);
    } catch (cause) {
      throw new CDEventsError(
        ErrorCode.SchemaFetch,
        `schemaUri ${uri} returned a schema Cairn cannot compile: ${(cause as Error).message}`,
        { cause },
      );
    }
    this.#fetched.set(uri, v);
    const max = f.maxEntries ?? 100;
    while (this.#fetched.size > max) this.#fetched.delete(this.#fetched.keys().next().value as string);
    return v;
  }
}
