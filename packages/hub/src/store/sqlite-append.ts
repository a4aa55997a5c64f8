/**
 * The SQLite append transaction over packed events (see `sqlite-pack.ts`), run by the writer thread
 * (`sqlite-writer.ts`). Rows go in with multi-row `INSERT`s, one statement per up to {@link CHUNK} events, each
 * prepared once per row count. Deduplication costs nothing extra when nothing is a duplicate: an insert that stored
 * every row of its chunk assigned consecutive sequences ending at `lastInsertRowid`; only a chunk with a conflict
 * looks its rows up again. (A row skipped by the conflict clause still uses up a rowid under `AUTOINCREMENT`, so
 * such a chunk's sequences may have gaps: rows are told apart by the highest rowid allocated before the chunk.)
 * @module
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { SqliteInlineRouting } from "./sqlite-inline-routing.ts";
import { SqliteOutcomes } from "./sqlite-outcomes.ts";
import { EVENT_FIELDS, type PackedValue } from "./sqlite-pack.ts";
import { beginImmediateWaiting, commitOrRollback, StatementCache, SynchronousSetting } from "./sqlite-tx.ts";
import type { DeliveryOutcomeRecord } from "./types.ts";

/** What an append did: per event its sequence (minus the stored one for a duplicate), and deliveries created. */
export interface AppendResult {
  readonly sequences: Float64Array;
  readonly deliveries: number;
  /** The highest sequence it routed inline (the routing cursor's new position), or 0 when it routed nothing. */
  readonly routedThrough: number;
  /** The row id of each delivery that asked to be claimed, in packed order (0: not stored). */
  readonly claims: Float64Array;
  /** Why the delivery outcomes given to the append were not recorded (undefined: recorded, or none given). */
  readonly outcomesFailure?: unknown;
}

/** Most events per `INSERT` statement (16 parameters each; SQLite allows 32,766). */
export const CHUNK = 64;
const LINK_CHUNK = 64;
const EVENT_COLUMNS =
  "event_id, source, type, subject_kind, predicate, event_version, spec_version, subject_id, subject_source, ts, " +
  "ts_ms, chain_id, received_ms, body, attributes, body_bytes";
const EVENT_PARAMS = EVENT_FIELDS + 1; // + body_bytes, computed here so the main thread does not measure bodies
const RECEIVED = 12; // index of receivedAtMs among an event's packed fields
const BODY = 13; // index of the body

const rowsOf = (rows: number, params: number): string => {
  const row = `(${new Array(params).fill("?").join(", ")})`;
  return new Array(rows).fill(row).join(", ");
};

/**
 * Appends packed events on one connection in one `BEGIN IMMEDIATE` transaction. The result holds one entry per
 * event, in input order: its new sequence, or minus the stored sequence for a duplicate of `(source, id)`.
 */
export class SqliteAppender {
  readonly #db: DatabaseSync;
  readonly #inserts = new Map<number, StatementSync>();
  readonly #linkInserts = new Map<number, StatementSync>();
  readonly #existing: StatementSync;
  readonly #allocated: StatementSync;
  readonly #counters: StatementSync;
  readonly #delete = new Map<number, StatementSync>();
  readonly #uncount: StatementSync;
  readonly #routing: SqliteInlineRouting;
  readonly #checkpoint: StatementSync;
  readonly #statements: StatementCache;
  readonly #outcomes: SqliteOutcomes;
  readonly #synchronous: SynchronousSetting;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#statements = new StatementCache(db);
    this.#synchronous = new SynchronousSetting(db);
    this.#outcomes = new SqliteOutcomes((sql) => this.#statements.get(sql));
    this.#existing = db.prepare("SELECT seq FROM events WHERE source = ? AND event_id = ?");
    this.#allocated = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'");
    this.#counters = db.prepare("UPDATE counters SET events = events + ?, body_bytes = body_bytes + ? WHERE id = 1");
    this.#routing = new SqliteInlineRouting((sql) => this.#statements.get(sql));
    this.#checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
    this.#uncount = db.prepare("UPDATE counters SET events = events - ?, body_bytes = body_bytes - ? WHERE id = 1");
  }

  /**
   * Appends `count` packed events; see the class comment for the result. With `route`, also inserts the events'
   * packed deliveries and moves the routing cursor past them, when the cursor is at the log's end (see
   * `InlineRouting`). With `outcomes`, first records them in the same transaction (so its fsync covers them) under
   * a savepoint: if they fail, they are rolled back alone and the append goes on. Rolls back and rethrows on failure.
   */
  append(
    packed: readonly PackedValue[],
    count: number,
    route = false,
    outcomes?: readonly DeliveryOutcomeRecord[],
  ): AppendResult {
    const out = new Float64Array(count);
    const links: SQLInputValue[] = [];
    let added = 0;
    let bytes = 0;
    let deliveries = 0;
    const claims: number[] = [];
    let routedThrough = 0;
    let outcomesFailure: unknown;
    this.#transaction(() => {
      if (outcomes) outcomesFailure = this.#savepoint(() => this.#outcomes.record(outcomes));
      const inline = route && this.#routing.atEnd();
      let highest = 0;
      // The highest rowid allocated so far: every row a later insert stores gets a higher one.
      let allocated = this.#highestAllocated();
      let at = 0; // position in `packed`
      for (let first = 0; first < count; first += CHUNK) {
        const size = Math.min(CHUNK, count - first);
        const params: SQLInputValue[] = new Array(size * EVENT_PARAMS);
        const starts: number[] = new Array(size);
        let k = 0;
        for (let i = 0; i < size; i++) {
          starts[i] = at;
          for (let f = 0; f < EVENT_FIELDS; f++) params[k++] = packed[at + f] as SQLInputValue;
          params[k++] = Buffer.byteLength(packed[at + BODY] as string, "utf8");
          at += EVENT_FIELDS;
          at += 1 + 4 * (packed[at] as number);
          at += 1 + 3 * (packed[at] as number);
        }
        const { changes, lastInsertRowid } = this.#insert(size).run(...params);
        const stored = Number(changes);
        const last = Number(lastInsertRowid);
        const floor = allocated;
        allocated = stored === size ? last : this.#highestAllocated();
        for (let i = 0; i < size; i++) {
          const seq = stored === size ? last - size + 1 + i : this.#resolve(packed, starts[i] ?? 0, floor, out);
          out[first + i] = seq;
          const s = (starts[i] ?? 0) + EVENT_FIELDS;
          const n = packed[s] as number;
          if (route) {
            const received = packed[(starts[i] ?? 0) + RECEIVED] as number;
            deliveries += this.#routing.insert(packed, s + 1 + 4 * n, seq, received, inline && seq > 0, claims);
          }
          if (seq < 0) continue;
          if (inline) highest = seq;
          added++;
          bytes += params[i * EVENT_PARAMS + EVENT_FIELDS] as number;
          for (let l = 0; l < n; l++)
            links.push(seq, ...(packed.slice(s + 1 + 4 * l, s + 5 + 4 * l) as SQLInputValue[]));
        }
      }
      this.#insertLinks(links);
      if (added > 0) this.#counters.run(added, bytes);
      if (highest > 0) this.#routing.moveCursor(highest);
      routedThrough = highest;
    });
    return { sequences: out, deliveries, routedThrough, claims: Float64Array.from(claims), outcomesFailure };
  }

  /**
   * Deletes events by sequence in one transaction and takes the rows it deleted off the counters (another pruner
   * may have deleted some already); returns how many it deleted.
   */
  delete(seqs: readonly number[]): number {
    return this.#transaction(() => {
      let deleted = 0;
      let bytes = 0;
      for (let i = 0; i < seqs.length; i += CHUNK) {
        const part = seqs.slice(i, i + CHUNK);
        for (const row of this.#deleteStatement(part.length).all(...part)) {
          deleted++;
          bytes += Number(row.body_bytes);
        }
      }
      if (deleted > 0) this.#uncount.run(deleted, bytes);
      return deleted;
    });
  }

  /**
   * Records the delivery queue's outcomes in one transaction (see `sqlite-outcomes.ts`), without an fsync of its
   * own: it is in the write-ahead log at once, so a crashed process loses nothing, and the next append's fsync (or
   * {@link syncOutcomes}, within a second) makes it durable. A power loss before then can only undo outcomes, and
   * an undone one is redone — the delivery is sent again, which at-least-once delivery allows; no event is lost.
   */
  recordOutcomes(outcomes: readonly DeliveryOutcomeRecord[]): void {
    this.#transaction(() => this.#outcomes.record(outcomes), false);
  }

  /** Fsyncs the outcomes recorded since the last fsynced commit, if any (a one-row commit with `synchronous=FULL`). */
  syncOutcomes(): void {
    if (this.#synchronous.full) return;
    this.#transaction(() => this.#counters.run(0, 0));
  }

  // Runs `fn` in one immediate transaction, fsynced at commit unless `fsync` is false; rolls back and rethrows on
  // failure. This thread may block: it waits for the write lock in short steps.
  #transaction<T>(fn: () => T, fsync = true): T {
    this.#synchronous.set(fsync);
    beginImmediateWaiting(this.#db);
    return commitOrRollback(this.#db, fn);
  }

  // Runs `fn` inside the current transaction under a savepoint; on failure rolls back only its work and returns
  // the error (undefined: done).
  #savepoint(fn: () => void): unknown {
    this.#db.exec("SAVEPOINT carried");
    try {
      fn();
      this.#db.exec("RELEASE carried");
      return undefined;
    } catch (e) {
      this.#db.exec("ROLLBACK TO carried; RELEASE carried");
      return e;
    }
  }

  /** Copies what it can of the write-ahead log into the database, without waiting for anyone. */
  checkpoint(): void {
    this.#checkpoint.get();
  }

  // A row of a chunk where the conflict clause skipped rows. A key whose row is at or below `floor` (the highest
  // rowid allocated before the chunk; the writer lock is held) was stored before; one above it was stored by this
  // chunk, by its first occurrence (a key met twice in the chunk). Negative = duplicate.
  #resolve(packed: readonly PackedValue[], start: number, floor: number, out: Float64Array): number {
    const found = this.#existing.get(packed[start + 1] as string, packed[start] as string) as { seq: number | bigint };
    const seq = Number(found.seq);
    if (seq <= floor) return -seq;
    return out.includes(seq) ? -seq : seq;
  }

  #highestAllocated(): number {
    const row = this.#allocated.get() as { seq: number | bigint } | undefined;
    return row ? Number(row.seq) : 0;
  }

  #insert(rows: number): StatementSync {
    let s = this.#inserts.get(rows);
    if (!s) {
      s = this.#db.prepare(
        `INSERT INTO events (${EVENT_COLUMNS}) VALUES ${rowsOf(rows, EVENT_PARAMS)} ON CONFLICT (source, event_id) DO NOTHING`,
      );
      this.#inserts.set(rows, s);
    }
    return s;
  }

  #insertLinks(values: readonly SQLInputValue[]): void {
    const total = values.length / 5;
    for (let first = 0; first < total; first += LINK_CHUNK) {
      const rows = Math.min(LINK_CHUNK, total - first);
      let s = this.#linkInserts.get(rows);
      if (!s) {
        s = this.#db.prepare(
          `INSERT INTO event_links (seq, link_type, link_kind, context_id, domain_id) VALUES ${rowsOf(rows, 5)}`,
        );
        this.#linkInserts.set(rows, s);
      }
      s.run(...values.slice(first * 5, (first + rows) * 5));
    }
  }

  #deleteStatement(rows: number): StatementSync {
    let s = this.#delete.get(rows);
    if (!s) {
      s = this.#db.prepare(
        `DELETE FROM events WHERE seq IN (${new Array(rows).fill("?").join(", ")}) RETURNING body_bytes`,
      );
      this.#delete.set(rows, s);
    }
    return s;
  }
}
