/**
 * The SQLite writer thread: owns its own connection to the event store's file and runs every append and
 * retention delete (and, when the router routes inline, the delivery queue's outcomes), so `COMMIT` (WAL write +
 * fsync) and B-tree work happen on another core while the main thread keeps reading and decoding requests.
 * Requests are served strictly in arrival order (one transaction at a time), which keeps sequences in submission
 * order. Started by `sqlite-writer-client.ts`.
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { SqliteAppender } from "./sqlite-append.ts";
import { openSqliteDatabase } from "./sqlite-open.ts";
import type { PackedValue } from "./sqlite-pack.ts";
import { SQLITE_MIGRATIONS } from "./sqlite-schema.ts";
import type { DeliveryOutcomeRecord } from "./types.ts";

const CHECKPOINT_MS = 1000;

/**
 * Delivery outcomes a request carries (see `SqliteWriter.outcomes`): recorded before the request's own work, and
 * answered as request `id` in {@link WriterReply}'s `carried`.
 */
export interface CarriedOutcomes {
  readonly id: number;
  readonly outcomes: DeliveryOutcomeRecord[];
}

/** A request to the writer. */
export type WriterRequest = (
  | {
      readonly op: "append";
      readonly id: number;
      readonly packed: PackedValue[];
      readonly count: number;
      /** Route inline (the packed events carry their deliveries). */
      readonly route: boolean;
    }
  | { readonly op: "delete"; readonly id: number; readonly seqs: number[] }
  | { readonly op: "outcomes"; readonly id: number; readonly outcomes: DeliveryOutcomeRecord[] }
  | { readonly op: "close"; readonly id: number }
) & { readonly carried?: CarriedOutcomes };

/** The writer's answer to request `id` (`ready` once open, with id 0), after the answer to its carried outcomes. */
export type WriterReply = (
  | {
      readonly id: number;
      readonly ok: true;
      readonly sequences?: Float64Array;
      /** Deliveries an inline-routed append created. */
      readonly deliveries?: number;
      /** The highest sequence it routed inline (0: none). */
      readonly routedThrough?: number;
      /** Row ids of the deliveries it was asked to claim (0: not stored). */
      readonly claims?: Float64Array;
      readonly deleted?: number;
    }
  | {
      readonly id: number;
      readonly ok: false;
      readonly message: string;
      readonly errcode?: number;
      readonly code?: string;
    }
) & { readonly carried?: WriterReply | undefined };

/** Options the client passes as `workerData`. */
export interface WriterData {
  readonly path: string;
  readonly pragmas: string;
}

function failure(id: number, e: unknown): WriterReply {
  const err = e as { message?: unknown; errcode?: unknown; code?: unknown } | null;
  return {
    id,
    ok: false,
    message: typeof err?.message === "string" ? err.message : String(e),
    ...(typeof err?.errcode === "number" ? { errcode: err.errcode } : {}),
    ...(typeof err?.code === "string" ? { code: err.code } : {}),
  };
}

async function main(port: NonNullable<typeof parentPort>): Promise<void> {
  const data = workerData as WriterData;
  let appender: SqliteAppender;
  let close: () => void;
  try {
    // The main thread migrated the file already; this only checks the version and sets the pragmas.
    const db = await openSqliteDatabase(data.path, {
      table: "cairn_migrations",
      migrations: SQLITE_MIGRATIONS,
      label: "",
      pragmas: data.pragmas,
    });
    appender = new SqliteAppender(db);
    close = () => db.close();
  } catch (e) {
    port.postMessage(failure(0, e));
    return;
  }
  port.postMessage({ id: 0, ok: true } satisfies WriterReply);
  // The main thread's writing connections leave checkpoints to this thread (MAIN_THREAD_PRAGMAS), which runs one
  // after its own commits (SQLite's auto-checkpoint) and, for the log their commits grow while no event arrives,
  // once a second. PASSIVE: it never waits for readers or writers; what it cannot copy now waits for the next.
  // The same tick fsyncs delivery outcomes no append has fsynced since (see `recordOutcomes`).
  const checkpoint = setInterval(() => {
    for (const step of [() => appender.syncOutcomes(), () => appender.checkpoint()]) {
      try {
        step();
      } catch {
        // Busy or failing: the next tick (or the next append) tries again; the other step still runs.
      }
    }
  }, CHECKPOINT_MS);
  checkpoint.unref();
  port.on("message", (req: WriterRequest) => {
    // The answer to the outcomes a request carries: an append records them in its own transaction (its fsync
    // covers them), any other request first, in a transaction of their own.
    let carried: WriterReply | undefined;
    try {
      if (req.op === "append") {
        const result = appender.append(req.packed, req.count, req.route, req.carried?.outcomes);
        const { sequences, deliveries, routedThrough, claims, outcomesFailure } = result;
        if (req.carried)
          carried =
            outcomesFailure === undefined ? { id: req.carried.id, ok: true } : failure(req.carried.id, outcomesFailure);
        port.postMessage(
          { id: req.id, ok: true, sequences, deliveries, routedThrough, claims, carried } satisfies WriterReply,
          [sequences.buffer as ArrayBuffer, claims.buffer as ArrayBuffer],
        );
        return;
      }
      if (req.carried) carried = recordOutcomes(appender, req.carried.id, req.carried.outcomes);
      if (req.op === "delete") {
        port.postMessage({ id: req.id, ok: true, deleted: appender.delete(req.seqs), carried } satisfies WriterReply);
      } else if (req.op === "outcomes") {
        appender.recordOutcomes(req.outcomes);
        port.postMessage({ id: req.id, ok: true, carried } satisfies WriterReply);
      } else {
        clearInterval(checkpoint);
        try {
          appender.syncOutcomes();
        } finally {
          close(); // also when the last fsync failed (reported below): the connection is not left open
        }
        port.postMessage({ id: req.id, ok: true, carried } satisfies WriterReply);
        port.close();
      }
    } catch (e) {
      // A failed append rolled back the outcomes it carried (or never reached them): they failed with it.
      if (req.carried && (req.op === "append" || carried === undefined)) carried = failure(req.carried.id, e);
      port.postMessage({ ...failure(req.id, e), carried } satisfies WriterReply);
    }
  });
}

function recordOutcomes(appender: SqliteAppender, id: number, outcomes: DeliveryOutcomeRecord[]): WriterReply {
  try {
    appender.recordOutcomes(outcomes);
    return { id, ok: true };
  } catch (e) {
    return failure(id, e);
  }
}

if (parentPort) void main(parentPort);
