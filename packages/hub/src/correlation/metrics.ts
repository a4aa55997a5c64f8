/**
 * Correlation metrics, registered in the hub's registry: firings by outcome, the correlation cursor, open windows
 * and firings waiting to be emitted.
 * @module
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { CorrelationStore } from "./store.ts";

/** What became of a firing: its event stored (`emitted`; `duplicate` when it already was), or `refused`. */
export type FiredOutcome = "emitted" | "duplicate" | "refused";

/** Correlation metrics. */
export class CorrelationMetrics {
  readonly #fired: Counter<"outcome">;
  readonly #sinks: Counter;
  readonly #position = { sequence: 0 };

  constructor(registry: Registry, correlations: CorrelationStore) {
    const registers = [registry];
    this.#fired = new Counter({
      name: "cairn_correlation_fired_total",
      help: "Trigger firings by outcome: emitted, duplicate (emitted before a restart), refused (hop limit, size).",
      labelNames: ["outcome"],
      registers,
    });
    this.#sinks = new Counter({
      name: "cairn_correlation_sink_deliveries_total",
      help: "Emitted events enqueued for delivery to their trigger's sink.",
      registers,
    });
    const position = this.#position;
    new Gauge({
      name: "cairn_correlation_cursor",
      help: "The highest event sequence correlated.",
      registers,
      collect() {
        this.set(position.sequence);
      },
    });
    // A closed or unreachable store keeps the last values.
    new Gauge({
      name: "cairn_correlation_windows",
      help: "Open correlation windows: (trigger, key) pairs with events waiting for the rest of their join.",
      registers,
      async collect() {
        const s = await correlations.stats().catch(() => null);
        if (s) this.set(s.windows);
      },
    });
    new Gauge({
      name: "cairn_correlation_pending",
      help: "Firings whose event is not stored yet.",
      registers,
      async collect() {
        const s = await correlations.stats().catch(() => null);
        if (s) this.set(s.pending);
      },
    });
  }

  fired(outcome: FiredOutcome, n = 1): void {
    if (n > 0) this.#fired.inc({ outcome }, n);
  }

  sinkDelivery(): void {
    this.#sinks.inc();
  }

  cursor(sequence: number): void {
    this.#position.sequence = sequence;
  }
}
