/**
 * Prometheus metrics of one hub (its own registry, so several hubs can live in one process, e.g. in tests).
 * @module
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { EventStore } from "./store/types.ts";

/** What the metrics read of a byte gate. */
interface ByteGauge {
  readonly waitingBytes: number;
  readonly insideBytes: number;
}

/** Outcome label of an ingest request. */
export type IngestOutcome =
  | "accepted"
  | "duplicate"
  | "partial"
  | "invalid"
  | "unsupported_media_type"
  | "too_large"
  | "saturated"
  | "unavailable"
  | "unauthorized";

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The hub's metrics and the helpers routes call. */
export class HubMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<"outcome">;
  readonly #events: Counter<"outcome">;
  readonly #http: Histogram<"method" | "route" | "status">;
  readonly #commit: Histogram<"result">;
  readonly #commitSize: Histogram;
  readonly retentionDeleted: Counter;
  readonly streamClients: Gauge;

  constructor(
    store: EventStore,
    queue: { readonly depth: number; readonly capacity: number },
    gates: { readonly reading: ByteGauge; readonly decoding: ByteGauge },
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "cairn_" });
    this.#requests = new Counter({
      name: "cairn_ingest_requests_total",
      help: "Ingest requests by outcome.",
      labelNames: ["outcome"],
      registers,
    });
    this.#events = new Counter({
      name: "cairn_ingest_events_total",
      help: "Ingested events by outcome (stored, duplicate, invalid).",
      labelNames: ["outcome"],
      registers,
    });
    this.#http = new Histogram({
      name: "cairn_http_request_duration_seconds",
      help: "HTTP request latency by route and status.",
      labelNames: ["method", "route", "status"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#commit = new Histogram({
      name: "cairn_store_commit_duration_seconds",
      help: "Duration of one group-commit transaction.",
      labelNames: ["result"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#commitSize = new Histogram({
      name: "cairn_store_commit_events",
      help: "Events per group-commit transaction.",
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 10000],
      registers,
    });
    this.retentionDeleted = new Counter({
      name: "cairn_retention_deleted_events_total",
      help: "Events deleted by retention.",
      registers,
    });
    this.streamClients = new Gauge({ name: "cairn_stream_clients", help: "Open stream connections.", registers });
    new Gauge({
      name: "cairn_ingest_queue_depth",
      help: "Events waiting for commit.",
      registers,
      collect() {
        this.set(queue.depth);
      },
    });
    new Gauge({
      name: "cairn_ingest_queue_capacity",
      help: "Most events that may wait for commit.",
      registers,
      collect() {
        this.set(queue.capacity);
      },
    });
    new Gauge({
      name: "cairn_ingest_inflight_bytes",
      help: "Request bytes on their way to a commit: unread (waiting in the socket for room to be read), raw (being read, or read and waiting to be decoded), decoded (not yet committed).",
      labelNames: ["state"],
      registers,
      collect() {
        this.set({ state: "unread" }, gates.reading.waitingBytes);
        this.set({ state: "raw" }, gates.reading.insideBytes);
        this.set({ state: "decoded" }, gates.decoding.insideBytes);
      },
    });
    const storeGauge = (name: string, help: string, pick: (s: Awaited<ReturnType<EventStore["stats"]>>) => number) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          try {
            this.set(pick(await store.stats()));
          } catch {
            // An unreachable store is reported by /readyz; the gauge keeps its last value.
          }
        },
      });
    storeGauge("cairn_store_events", "Events in the store.", (s) => s.events);
    storeGauge("cairn_store_body_bytes", "Total size of stored events.", (s) => s.bodyBytes);
    storeGauge("cairn_store_disk_bytes", "Size of the database on disk.", (s) => s.diskBytes ?? 0);
    storeGauge("cairn_store_last_sequence", "Highest stored sequence.", (s) => s.lastSequence);
  }

  /** Counts an ingest request. */
  ingestRequest(outcome: IngestOutcome): void {
    this.#requests.inc({ outcome });
  }

  /** Counts ingested events. */
  ingestEvents(outcome: "stored" | "duplicate" | "invalid", n: number): void {
    if (n > 0) this.#events.inc({ outcome }, n);
  }

  /** Records one HTTP request. */
  request(method: string, route: string, status: number, seconds: number): void {
    this.#http.observe({ method, route, status: String(status) }, seconds);
  }

  /** Records one group commit. */
  commit(events: number, seconds: number, ok: boolean): void {
    this.#commit.observe({ result: ok ? "ok" : "error" }, seconds);
    this.#commitSize.observe(events);
  }
}
