/**
 * The raw-SQL baseline of the ingest bench: the hub's own SQLite schema (created by `openStore`, then closed), and
 * one thread inserting prepared rows of the bench's event into it with `node:sqlite`, as fast as it can — no HTTP,
 * no decoding, no validation, no thread crossing. Each transaction holds `--events` events (multi-row `INSERT`s of
 * 64 rows, as the hub's writer does, each event's link, the counters' update) and commits with `synchronous=FULL`
 * in WAL mode, so every commit is fsynced as the hub's are. It is the storage limit that the hub's batch ingest is
 * measured against on the same machine in the same run (`bench/ingest.ts`).
 *
 * ```sh
 * node bench/raw-sqlite.ts --dir DIR [--events 1000] [--seconds 10] [--warmup 2]
 * ```
 *
 * Prints one line of JSON: {@link RawSqliteResult}.
 * @module
 */
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { openStore } from "@cairn/hub";
import { parseType, toHttpBatch } from "../packages/cdevents/src/index.ts";
import { PLACEHOLDER, templateEvent } from "./ingest-event.ts";

/** What the baseline prints. */
export interface RawSqliteResult {
  readonly eventsPerSecond: number;
  /** Process CPU (user + system) per event, µs. */
  readonly cpuPerEventUs: number;
  readonly commitsPerSecond: number;
  readonly eventsPerCommit: number;
}

const CHUNK = 64;
const COLUMNS =
  "event_id, source, type, subject_kind, predicate, event_version, spec_version, subject_id, subject_source, ts, " +
  "ts_ms, chain_id, received_ms, body, attributes, body_bytes";
const PARAMS = 16;

const rows = (n: number, params: number): string =>
  new Array(n).fill(`(${new Array(params).fill("?").join(", ")})`).join(", ");

interface Context {
  readonly source: string;
  readonly type: string;
  readonly version: string;
  readonly timestamp: string;
  readonly chainId: string;
  readonly links: readonly [{ linkType: string; linkKind: string; target: { contextId: string } }];
}

/**
 * The stored columns of the bench's event for a given id, as the hub stores them (body and attributes verbatim, the
 * type's columns from its parts), and its one link's columns.
 */
function rowTemplate(): { values: (id: string, now: number) => SQLInputValue[]; link: SQLInputValue[] } {
  const event = templateEvent();
  const envelope = JSON.parse(toHttpBatch([event]).body)[0] as Record<string, unknown>;
  const { data, ...attributes } = envelope;
  const [b0, b1] = JSON.stringify(data).split(PLACEHOLDER) as [string, string];
  const [a0, a1] = JSON.stringify(attributes).split(PLACEHOLDER) as [string, string];
  const context = event.context as Context;
  const subject = event.subject as { id: string; source: string };
  const type = parseType(context.type);
  if (!type) throw new Error(`the bench's event type ${context.type} does not parse`);
  const [l] = context.links;
  const { major, minor, patch } = type.version;
  const timestampMs = Date.parse(context.timestamp);
  return {
    values: (id, now) => {
      const body = b0 + id + b1;
      return [
        id,
        context.source,
        context.type,
        type.subject,
        type.predicate,
        `${major}.${minor}.${patch}`,
        context.version,
        subject.id,
        subject.source,
        context.timestamp,
        timestampMs,
        context.chainId,
        now,
        body,
        a0 + id + a1,
        Buffer.byteLength(body),
      ];
    },
    link: [l.linkType, l.linkKind, l.target.contextId, null],
  };
}

// The inserts of `n` events and of `n` links, prepared once per row count (as the hub's writer does).
function chunkStatements(db: DatabaseSync): (n: number) => { events: StatementSync; links: StatementSync } {
  const bySize = new Map<number, { events: StatementSync; links: StatementSync }>();
  return (n) => {
    let s = bySize.get(n);
    if (!s) {
      s = {
        events: db.prepare(`INSERT INTO events (${COLUMNS}) VALUES ${rows(n, PARAMS)} ON CONFLICT DO NOTHING`),
        links: db.prepare(
          `INSERT INTO event_links (seq, link_type, link_kind, context_id, domain_id) VALUES ${rows(n, 5)}`,
        ),
      };
      bySize.set(n, s);
    }
    return s;
  };
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      dir: { type: "string" },
      events: { type: "string", default: "1000" },
      seconds: { type: "string", default: "10" },
      warmup: { type: "string", default: "2" },
    },
  });
  if (!args.dir) throw new Error("--dir is required");
  const perCommit = Number(args.events);
  const path = join(args.dir, "raw.db");
  await (await openStore({ kind: "sqlite", path })).close();
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
  const template = rowTemplate();
  const statements = chunkStatements(db);
  const counters = db.prepare("UPDATE counters SET events = events + ?, body_bytes = body_bytes + ? WHERE id = 1");
  const prefix = crypto.randomUUID().slice(0, 24);
  let counter = 0;
  const nextId = (): string => {
    counter++;
    return `${prefix}${counter.toString(16).padStart(12, "0")}`;
  };
  const commit = (): void => commitOnce(db, statements, counters, perCommit, nextId, template);
  const warmEnd = performance.now() + Number(args.warmup) * 1000;
  while (performance.now() < warmEnd) commit();
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + Number(args.seconds) * 1000;
  let commits = 0;
  while (performance.now() < end) {
    commit();
    commits++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  db.close();
  const events = commits * perCommit;
  const result: RawSqliteResult = {
    eventsPerSecond: events / seconds,
    cpuPerEventUs: (cpu.user + cpu.system) / events,
    commitsPerSecond: commits / seconds,
    eventsPerCommit: perCommit,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// One transaction of `n` new events in chunks of 64. Every id is new, so each chunk's sequences are consecutive.
function commitOnce(
  db: DatabaseSync,
  statements: (n: number) => { events: StatementSync; links: StatementSync },
  counters: StatementSync,
  n: number,
  nextId: () => string,
  template: ReturnType<typeof rowTemplate>,
): void {
  db.exec("BEGIN IMMEDIATE");
  const now = Date.now();
  let bytes = 0;
  for (let first = 0; first < n; first += CHUNK) {
    const size = Math.min(CHUNK, n - first);
    const { events, links } = statements(size);
    const params: SQLInputValue[] = [];
    for (let i = 0; i < size; i++) {
      const row = template.values(nextId(), now);
      bytes += row[15] as number;
      for (const v of row) params.push(v);
    }
    const last = Number(events.run(...params).lastInsertRowid);
    const linkParams: SQLInputValue[] = [];
    for (let i = 0; i < size; i++) linkParams.push(last - size + 1 + i, ...template.link);
    links.run(...linkParams);
  }
  counters.run(n, bytes);
  db.exec("COMMIT");
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
