/**
 * The SQL of the embedded delivery queue's outcomes — a delivery done (deleted, its lane's next unblocked) or put
 * back for a retry — on any connection to the hub's SQLite file. The queue runs it on its own connection (dead
 * letters, and outcomes when there is no writer thread); the writer thread runs the group-committed outcomes of an
 * inline-routed hub (see `EventStore.recordDeliveryOutcomes` in `types.ts`), so their transaction and fsync leave
 * the event loop.
 * @module
 */
import type { StatementSync } from "node:sqlite";
import type { DeliveryOutcomeRecord } from "./types.ts";

const DELETE_SQL = "DELETE FROM deliveries WHERE id = ? RETURNING subscription_id, lane";
// The lane's next delivery: the lowest sequence left.
const UNBLOCK_SQL =
  "UPDATE deliveries SET blocked = 0 WHERE id = (SELECT id FROM deliveries WHERE subscription_id = ? " +
  "AND lane = ? ORDER BY seq LIMIT 1)";
const RETRY_SQL =
  "UPDATE deliveries SET state = 'pending', not_before = ?, lease_until = NULL, " +
  "first_failure_ms = COALESCE(first_failure_ms, ?), last_failure_ms = ?, last_outcome = ?, " +
  "last_status = ?, last_snippet = ? WHERE id = ?";

/** Outcome statements on one connection; `prepare` returns a statement prepared once per connection. */
export class SqliteOutcomes {
  readonly #prepare: (sql: string) => StatementSync;

  constructor(prepare: (sql: string) => StatementSync) {
    this.#prepare = prepare;
  }

  /** Applies outcomes in order, inside the caller's transaction. */
  record(outcomes: readonly DeliveryOutcomeRecord[]): void {
    for (const o of outcomes) {
      if (o.kind === "complete") this.remove(o.id);
      else this.#prepare(RETRY_SQL).run(o.notBefore, o.atMs, o.atMs, o.outcome, o.status, o.snippet, o.id);
    }
  }

  /** Deletes a delivery and unblocks the next of its lane. */
  remove(id: number): void {
    const gone = this.#prepare(DELETE_SQL).get(id) as { subscription_id: string; lane: string | null } | undefined;
    if (!gone || gone.lane === null) return;
    this.#prepare(UNBLOCK_SQL).run(String(gone.subscription_id), String(gone.lane));
  }
}
