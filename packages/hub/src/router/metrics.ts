/**
 * The router's Prometheus metrics, registered in the hub's registry: deliveries by outcome, delivery latency
 * (ingest → delivered), retries, dead letters by reason, replies by outcome, and the queue depth per state.
 * @module
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { DeliveryQueue } from "./queue.ts";

/**
 * How a delivery ended: delivered, dead-lettered, dropped (its subscription or its event is gone), or expired
 * (dropped by `onExpired: drop`; expired deliveries that are dead-lettered count as `dead_lettered`).
 */
export type DeliveryOutcome = "delivered" | "dead_lettered" | "dropped" | "expired";

/** What became of a response that could be a reply. */
export type ReplyOutcome = "ingested" | "duplicate" | "refused" | "invalid" | "failed";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** Router metrics. */
export class RouterMetrics {
  readonly #deliveries: Counter<"outcome">;
  readonly #latency: Histogram;
  readonly #retries: Counter;
  readonly #dead: Counter<"reason">;
  readonly #replies: Counter<"outcome">;
  readonly #routed: Counter;

  constructor(registry: Registry, queue: DeliveryQueue) {
    const registers = [registry];
    this.#deliveries = new Counter({
      name: "cairn_router_deliveries_total",
      help: "Deliveries by final outcome (delivered, dead_lettered, dropped, expired).",
      labelNames: ["outcome"],
      registers,
    });
    this.#latency = new Histogram({
      name: "cairn_router_delivery_latency_seconds",
      help: "Time from ingest to successful delivery, retries included.",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#retries = new Counter({ name: "cairn_router_retries_total", help: "Retries scheduled.", registers });
    this.#dead = new Counter({
      name: "cairn_router_dead_letters_total",
      help: "Deliveries dead-lettered, by reason.",
      labelNames: ["reason"],
      registers,
    });
    this.#replies = new Counter({
      name: "cairn_router_replies_total",
      help: "Replies (200 + CloudEvent) by outcome: ingested, duplicate, refused (hop limit), invalid, failed.",
      labelNames: ["outcome"],
      registers,
    });
    this.#routed = new Counter({
      name: "cairn_router_routed_total",
      help: "Deliveries created by routing events to subscriptions.",
      registers,
    });
    new Gauge({
      name: "cairn_router_queue_depth",
      help: "Deliveries by state (pending: due, scheduled: waiting for a retry, in_flight) and dead letters (dead).",
      labelNames: ["state"],
      registers,
      async collect() {
        try {
          const d = await queue.depth(Date.now());
          this.set({ state: "pending" }, d.pending);
          this.set({ state: "scheduled" }, d.scheduled);
          this.set({ state: "in_flight" }, d.inFlight);
          this.set({ state: "dead" }, d.dead);
        } catch {
          // A closed or unreachable queue keeps the last values.
        }
      },
    });
  }

  /** A delivery ended; `latencyMs` for a delivered one. */
  delivery(outcome: DeliveryOutcome, latencyMs?: number): void {
    this.#deliveries.inc({ outcome });
    if (latencyMs !== undefined) this.#latency.observe(Math.max(0, latencyMs) / 1000);
  }

  retry(): void {
    this.#retries.inc();
  }

  deadLetter(reason: string): void {
    this.#dead.inc({ reason });
  }

  reply(outcome: ReplyOutcome): void {
    this.#replies.inc({ outcome });
  }

  routed(n: number): void {
    if (n > 0) this.#routed.inc(n);
  }
}
