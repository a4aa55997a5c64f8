/**
 * The router's side of an inline-routed append (see `InlineRouting` in `types.ts`), on the writer's connection:
 * the cursor check, the delivery inserts and the cursor move, inside the append's transaction. Statements are
 * prepared on first use (the router's tables exist once the router has started, which is before any append asks
 * to be routed).
 * @module
 */
import type { StatementSync } from "node:sqlite";
import type { PackedValue } from "./sqlite-pack.ts";

/**
 * Inserts one delivery (`?1` subscription, `?2` sequence, `?3` lane, `?4` not before, `?5` ingested at). A lane's
 * delivery is blocked while an older one of the same lane is queued, so only a lane's head is claimable; a
 * subscription deleted meanwhile gets nothing; an existing (subscription, sequence) is kept.
 */
export const INSERT_DELIVERY_SQL =
  "INSERT INTO deliveries (subscription_id, seq, lane, blocked, not_before, ingested_ms) " +
  "SELECT ?1, ?2, ?3, CASE WHEN ?3 IS NOT NULL AND EXISTS (SELECT 1 FROM deliveries " +
  "WHERE subscription_id = ?1 AND lane = ?3) THEN 1 ELSE 0 END, ?4, ?5 " +
  "WHERE EXISTS (SELECT 1 FROM subscriptions WHERE id = ?1) ON CONFLICT (subscription_id, seq) DO NOTHING";

// A delivery inserted claimed: in flight, attempt 1, held until `?3` (`?1` subscription, `?2` sequence, `?4` now).
// Unordered only (no lane), so never blocked.
const INSERT_CLAIMED_SQL =
  "INSERT INTO deliveries (subscription_id, seq, lane, blocked, state, attempt, not_before, lease_until, " +
  "ingested_ms) SELECT ?1, ?2, NULL, 0, 'in_flight', 1, ?4, ?3, ?4 " +
  "WHERE EXISTS (SELECT 1 FROM subscriptions WHERE id = ?1) ON CONFLICT (subscription_id, seq) DO NOTHING";

// Every stored event is routed: none lies beyond the cursor.
const AT_END_SQL =
  "SELECT 1 AS ok FROM router_cursor c WHERE c.id = 1 AND NOT EXISTS (SELECT 1 FROM events WHERE seq > c.seq)";
const MOVE_SQL = "UPDATE router_cursor SET seq = ?1 WHERE id = 1 AND seq < ?1";

/** Cursor check, delivery inserts and cursor move of inline-routed appends, on one connection. */
export class SqliteInlineRouting {
  readonly #prepare: (sql: string) => StatementSync;

  /** `prepare` returns a statement prepared once per connection. */
  constructor(prepare: (sql: string) => StatementSync) {
    this.#prepare = prepare;
  }

  /** True when the routing cursor is at the log's end (within the append's transaction, before its inserts). */
  atEnd(): boolean {
    return this.#prepare(AT_END_SQL).get() !== undefined;
  }

  /**
   * Inserts the packed deliveries at `at` (a count, then subscription id, lane and claimed-until each) of the event
   * stored as `seq` — or none, when `insert` is false — and pushes to `claims` the row id of each delivery that
   * asked to be claimed (0 when not inserted). Returns how many were inserted.
   */
  insert(
    packed: readonly PackedValue[],
    at: number,
    seq: number,
    ingestedMs: number,
    insert: boolean,
    claims: number[],
  ): number {
    const n = packed[at] as number;
    let inserted = 0;
    for (let d = 0; d < n; d++) {
      const subscription = packed[at + 1 + 3 * d] as string;
      const lane = packed[at + 2 + 3 * d] as string | null;
      const claimUntil = packed[at + 3 + 3 * d] as number | null;
      if (claimUntil === null) {
        if (insert)
          inserted += Number(
            this.#prepare(INSERT_DELIVERY_SQL).run(subscription, seq, lane, ingestedMs, ingestedMs).changes,
          );
        continue;
      }
      const r = insert ? this.#prepare(INSERT_CLAIMED_SQL).run(subscription, seq, claimUntil, ingestedMs) : null;
      const stored = r !== null && Number(r.changes) > 0;
      if (stored) inserted++;
      claims.push(stored ? Number(r.lastInsertRowid) : 0);
    }
    return inserted;
  }

  /** Moves the cursor to `seq`, the highest sequence the transaction routed. */
  moveCursor(seq: number): void {
    this.#prepare(MOVE_SQL).run(seq);
  }
}
