/**
 * The hub's configuration: one documented schema (docs/hub.md), filled from defaults, an optional JSON config file,
 * `CAIRN_*` environment variables and command-line flags (later sources win), validated once at start. Every
 * problem names the key and where it came from.
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";
import type { Subscription, Trigger } from "@cairn/router";
import { configTriggers } from "../correlation/config-triggers.ts";
import { configSubscriptions } from "../router/subscription-rules.ts";
import { parseDuration, parseSize } from "./units.ts";

/** What a token may do. */
export type Scope = "ingest" | "read" | "admin";

/** An API token. */
export interface Token {
  /** Shown in logs instead of the secret. */
  readonly name: string;
  readonly secret: string;
  readonly scopes: readonly Scope[];
}

/** Where events are stored. */
export type StoreConfig =
  | { readonly kind: "sqlite"; readonly path: string }
  | { readonly kind: "postgres"; readonly url: string; readonly schema: string; readonly poolSize: number };

/**
 * The scale-out bus: NATS JetStream holds the deliveries (and a log of routed events) under `prefix`; the store
 * must be PostgreSQL (subscriptions, the routing cursor and dead letters stay there).
 */
export interface BusConfig {
  readonly kind: "nats";
  /** NATS server URL(s), comma-separated. */
  readonly url: string;
  /** Namespace of the streams, subjects and consumers. */
  readonly prefix: string;
}

/** Log levels, most to least verbose. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** The validated configuration. */
export interface HubConfig {
  readonly host: string;
  readonly port: number;
  /** Directory of the embedded database and other local state. */
  readonly dataDir: string;
  readonly store: StoreConfig;
  /** NATS JetStream as the delivery engine (`nats.url`), or null for the store's own queue. */
  readonly bus: BusConfig | null;
  /** Allow a non-loopback address without tokens. */
  readonly insecure: boolean;
  readonly tokens: readonly Token[];
  readonly limits: {
    /** Largest request body (413 beyond). */
    readonly maxRequestBytes: number;
    /** Largest single event in a request (413 beyond); at least 64 KiB. */
    readonly maxEventBytes: number;
    /** Most events in one batch request (413 beyond). */
    readonly maxBatchEvents: number;
    /** Most events waiting for commit (429 beyond). */
    readonly maxQueueEvents: number;
    /**
     * Most bytes of event text (bodies and attributes) waiting for commit, plus request bodies waiting to be read
     * or decoded (429 beyond).
     */
    readonly maxQueueBytes: number;
    /**
     * Most bytes of request bodies being read or read and waiting to be decoded; further requests wait with their
     * body unread (in the socket).
     */
    readonly maxReadingBytes: number;
    /** Most request bytes decoded and not yet committed; further requests wait, holding only their raw body. */
    readonly maxDecodingBytes: number;
    /** Most concurrent stream clients (503 beyond). */
    readonly maxStreamClients: number;
  };
  readonly retention: {
    /** Events received longer ago are deleted; null keeps them. */
    readonly maxAgeMs: number | null;
    /** Oldest events are deleted past this total body size; null for no limit. */
    readonly maxBytes: number | null;
    readonly intervalMs: number;
  };
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** How long shutdown waits for in-flight requests (and delivery attempts). */
  readonly shutdownTimeoutMs: number;
  /** Subscriptions declared in the config file (read-only through the API). */
  readonly subscriptions: readonly Subscription[];
  /** Correlation triggers declared in the config file (read-only through the API). */
  readonly triggers: readonly Trigger[];
}

/** A configuration problem: the key (dotted path), its origin and what is wrong. */
export interface ConfigIssue {
  readonly key: string;
  readonly origin: string;
  readonly message: string;
}

/** One source of raw settings: values by dotted key, and a label saying where they came from. */
export interface ConfigSource {
  readonly values: ReadonlyMap<string, unknown>;
  /** Label of a key's origin, e.g. `env CAIRN_PORT`, `flag --port`, `cairn.json: limits.maxRequestBytes`. */
  readonly origin: (key: string) => string;
}

/**
 * Every key of the config file, with its env variable (`""`: file only); the documentation lists the same table.
 */
export const CONFIG_KEYS: Readonly<Record<string, string>> = {
  host: "CAIRN_HOST",
  port: "CAIRN_PORT",
  data: "CAIRN_DATA",
  store: "CAIRN_STORE",
  "postgres.schema": "CAIRN_PG_SCHEMA",
  "postgres.poolSize": "CAIRN_PG_POOL_SIZE",
  "nats.url": "CAIRN_NATS_URL",
  "nats.prefix": "CAIRN_NATS_PREFIX",
  insecure: "CAIRN_INSECURE",
  tokens: "CAIRN_TOKENS",
  "limits.maxRequestBytes": "CAIRN_MAX_REQUEST_BYTES",
  "limits.maxEventBytes": "CAIRN_MAX_EVENT_BYTES",
  "limits.maxBatchEvents": "CAIRN_MAX_BATCH_EVENTS",
  "limits.maxQueueEvents": "CAIRN_MAX_QUEUE_EVENTS",
  "limits.maxQueueBytes": "CAIRN_MAX_QUEUE_BYTES",
  "limits.maxReadingBytes": "CAIRN_MAX_READING_BYTES",
  "limits.maxDecodingBytes": "CAIRN_MAX_DECODING_BYTES",
  "limits.maxStreamClients": "CAIRN_MAX_STREAM_CLIENTS",
  "retention.maxAge": "CAIRN_RETENTION_MAX_AGE",
  "retention.maxBytes": "CAIRN_RETENTION_MAX_BYTES",
  "retention.interval": "CAIRN_RETENTION_INTERVAL",
  "log.level": "CAIRN_LOG_LEVEL",
  shutdownTimeout: "CAIRN_SHUTDOWN_TIMEOUT",
  subscriptions: "",
  triggers: "",
};

const SCOPES: readonly Scope[] = ["ingest", "read", "admin"];
const MIN_EVENT_BYTES = 64 * 1024;

class Reader {
  readonly issues: ConfigIssue[] = [];
  readonly #values = new Map<string, unknown>();
  readonly #origins = new Map<string, string>();

  constructor(sources: readonly ConfigSource[]) {
    for (const s of sources)
      for (const [k, v] of s.values) {
        this.#values.set(k, v);
        this.#origins.set(k, s.origin(k));
      }
  }

  has(key: string): boolean {
    return this.#values.has(key);
  }

  fail(key: string, message: string): void {
    this.issues.push({ key, origin: this.#origins.get(key) ?? "default", message });
  }

  /** A problem inside a structured value: `detail` (e.g. `[2]/sink`) is appended to the key and its origin. */
  failWithin(key: string, detail: string, message: string): void {
    const origin = this.#origins.get(key) ?? "default";
    this.issues.push({ key: key + detail, origin: origin.endsWith(key) ? origin + detail : origin, message });
  }

  raw(key: string): unknown {
    return this.#values.get(key);
  }

  string(key: string, fallback: string): string {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v === "string" && v.length > 0) return v;
    this.fail(key, "must be a non-empty string");
    return fallback;
  }

  int(key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    const n = typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n === "number" && Number.isInteger(n) && n >= min && n <= max) return n;
    this.fail(key, `must be an integer from ${min} to ${max}`);
    return fallback;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "1" || v === "") return true;
    if (v === "false" || v === "0") return false;
    this.fail(key, "must be true or false");
    return fallback;
  }

  unit(key: string, fallback: number | null, parse: (v: unknown) => number | null, what: string): number | null {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    const n = parse(v);
    if (n !== null) return n;
    this.fail(key, `must be ${what}`);
    return fallback;
  }
}

const SIZE = 'a size such as 65536, "64KiB" or "1MiB"';
const DURATION = 'a duration such as 500, "30s", "5m", "12h" or "30d"';

/**
 * Resolves the configuration from its sources (later ones win: file, then env, then flags). `cwd` anchors relative
 * paths. Returns the config or every issue found.
 */
export function resolveConfig(
  sources: readonly ConfigSource[],
  cwd: string,
): { ok: true; config: HubConfig } | { ok: false; issues: ConfigIssue[] } {
  const r = new Reader(sources);
  const host = r.string("host", "127.0.0.1");
  const port = r.int("port", 8080, 0, 65535);
  const data = r.string("data", "cairn-data");
  const dataDir = isAbsolute(data) ? data : resolve(cwd, data);
  const store = storeOf(r, dataDir);
  const tokens = tokensOf(r);
  const maxRequestBytes = r.unit("limits.maxRequestBytes", 1024 * 1024, parseSize, SIZE) ?? 0;
  const maxEventBytes = r.unit("limits.maxEventBytes", 1024 * 1024, parseSize, SIZE) ?? 0;
  if (maxEventBytes < MIN_EVENT_BYTES) r.fail("limits.maxEventBytes", "must be at least 64KiB");
  if (maxRequestBytes < maxEventBytes)
    r.fail("limits.maxRequestBytes", "must be at least limits.maxEventBytes (one event must fit in a request)");
  const logLevel = r.string("log.level", "info");
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    r.fail("log.level", `must be one of ${LOG_LEVELS.join(", ")}`);
  const config: HubConfig = {
    host,
    port,
    dataDir,
    store,
    bus: busOf(r, store),
    insecure: r.bool("insecure", false),
    tokens,
    limits: {
      maxRequestBytes,
      maxEventBytes,
      maxBatchEvents: r.int("limits.maxBatchEvents", 10_000, 1),
      maxQueueEvents: r.int("limits.maxQueueEvents", 50_000, 1),
      maxQueueBytes: r.unit("limits.maxQueueBytes", 64 * 1024 * 1024, parseSize, SIZE) ?? 64 * 1024 * 1024,
      maxReadingBytes: r.unit("limits.maxReadingBytes", 8 * 1024 * 1024, parseSize, SIZE) ?? 8 * 1024 * 1024,
      maxDecodingBytes: r.unit("limits.maxDecodingBytes", 4 * 1024 * 1024, parseSize, SIZE) ?? 4 * 1024 * 1024,
      maxStreamClients: r.int("limits.maxStreamClients", 1000, 1),
    },
    retention: {
      maxAgeMs: r.unit("retention.maxAge", null, parseDuration, DURATION),
      maxBytes: r.unit("retention.maxBytes", null, parseSize, SIZE),
      intervalMs: r.unit("retention.interval", 60_000, parseDuration, DURATION) ?? 60_000,
    },
    logLevel: logLevel as HubConfig["logLevel"],
    shutdownTimeoutMs: r.unit("shutdownTimeout", 10_000, parseDuration, DURATION) ?? 10_000,
    subscriptions: subscriptionsOf(r),
    triggers: triggersOf(r),
  };
  return r.issues.length > 0 ? { ok: false, issues: r.issues } : { ok: true, config };
}

// Subscriptions of the config file, each problem naming `subscriptions[i]` and the JSON Pointer inside it.
function subscriptionsOf(r: Reader): Subscription[] {
  const raw = r.raw("subscriptions");
  if (raw === undefined) return [];
  const { subscriptions, problems } = configSubscriptions(raw);
  for (const p of problems) r.failWithin("subscriptions", p.at, p.message);
  return subscriptions;
}

// Correlation triggers of the config file, each problem naming `triggers[i]` and the JSON Pointer inside it.
function triggersOf(r: Reader): Trigger[] {
  const raw = r.raw("triggers");
  if (raw === undefined) return [];
  const { triggers, problems } = configTriggers(raw);
  for (const p of problems) r.failWithin("triggers", p.at, p.message);
  return triggers;
}

// NATS needs the PostgreSQL store: the JetStream engine keeps subscriptions, the cursor and dead letters there.
function busOf(r: Reader, store: StoreConfig): BusConfig | null {
  if (!r.has("nats.url")) return null;
  const url = r.string("nats.url", "");
  const prefix = r.string("nats.prefix", "cairn");
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(prefix)) r.fail("nats.prefix", "must be 1 to 32 letters, digits, _ or -");
  if (!url.split(",").every((u) => /^(nats|tls):\/\/[^\s,]+$/.test(u.trim())))
    r.fail("nats.url", "must be a nats:// URL (several separated by commas)");
  else if (store.kind !== "postgres")
    r.fail("nats.url", "needs the PostgreSQL store (store: postgres://…): NATS JetStream only holds the deliveries");
  return { kind: "nats", url, prefix };
}

function storeOf(r: Reader, dataDir: string): StoreConfig {
  const store = r.raw("store");
  if (store === undefined || store === "sqlite") return { kind: "sqlite", path: join(dataDir, "cairn.db") };
  if (typeof store === "string" && /^postgres(ql)?:\/\//.test(store)) {
    const schema = r.string("postgres.schema", "public");
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) r.fail("postgres.schema", "must be a plain SQL identifier");
    return { kind: "postgres", url: store, schema, poolSize: r.int("postgres.poolSize", 10, 1, 1000) };
  }
  r.fail("store", 'must be "sqlite" or a postgres:// URL');
  return { kind: "sqlite", path: join(dataDir, "cairn.db") };
}

// Tokens: an array of {name, secret, scopes} (config file), or `name:scope+scope:secret` entries separated by commas
// (env, flags), so a secret never needs JSON quoting in a shell.
function tokensOf(r: Reader): Token[] {
  const raw = r.raw("tokens");
  if (raw === undefined) return [];
  const list = typeof raw === "string" ? parseTokenList(raw) : raw;
  if (!Array.isArray(list)) {
    r.fail("tokens", 'must be a list of {"name", "secret", "scopes"} or "name:scope+scope:secret,…"');
    return [];
  }
  const tokens: Token[] = [];
  list.forEach((t: unknown, i) => {
    const token = tokenOf(t, `tokens[${i}]`);
    if (typeof token === "string") r.fail("tokens", token);
    else tokens.push(token);
  });
  const names = new Set<string>();
  for (const t of tokens) {
    if (names.has(t.name)) r.fail("tokens", `two tokens are named ${t.name}`);
    names.add(t.name);
  }
  return tokens;
}

// A token entry, or what is wrong with it.
function tokenOf(t: unknown, at: string): Token | string {
  if (typeof t !== "object" || t === null) return `${at}: must be name:scope+scope:secret or {name, secret, scopes}`;
  const o = t as Record<string, unknown>;
  const scopes = Array.isArray(o.scopes) ? o.scopes : [];
  const bad = scopes.filter((s) => !SCOPES.includes(s as Scope));
  if (typeof o.name !== "string" || o.name === "") return `${at}: needs a name`;
  if (typeof o.secret !== "string" || o.secret.length < 8)
    return `${at} (${o.name}): the secret must be at least 8 characters`;
  if (scopes.length === 0 || bad.length > 0) return `${at} (${o.name}): scopes must be some of ${SCOPES.join(", ")}`;
  return { name: o.name, secret: o.secret, scopes: scopes as Scope[] };
}

function parseTokenList(text: string): (Record<string, unknown> | null)[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((entry) => {
      const first = entry.indexOf(":");
      const second = entry.indexOf(":", first + 1);
      if (first < 0 || second < 0) return null;
      return {
        name: entry.slice(0, first),
        scopes: entry.slice(first + 1, second).split("+"),
        secret: entry.slice(second + 1),
      };
    });
}
