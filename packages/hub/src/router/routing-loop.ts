/**
 * Routing: the transactional outbox over the event log. The loop reads events after its durable cursor (oldest
 * first, a page at a time), matches each against the subscription index, and in one queue transaction inserts a
 * delivery per (event × matching subscription) and moves the cursor past the page. An acknowledged event is thus
 * never lost between the store and delivery: after a crash, routing resumes from the cursor, and re-inserting is
 * idempotent. The loop is woken by the store's `watch` (and polls as a fallback); producers never wait for it.
 * @module
 */
import { orderingKey, type Subscription, type SubscriptionIndex } from "@cairn/router";
import type { Logger } from "pino";
import { LogFollower, parseStoredEvent } from "../log-follower.ts";
import type { EventStore, InlineDelivery, NewEvent, StoredEvent } from "../store/types.ts";
import type { DeliveryQueue, RoutedDelivery } from "./queue.ts";

/** What the loop needs. */
export interface RoutingDeps {
  readonly store: EventStore;
  readonly queue: DeliveryQueue;
  readonly index: SubscriptionIndex;
  readonly log: Logger;
  /** Called with the deliveries created by each committed page. */
  readonly onRouted: (n: number) => void;
  /** Called before each page (replicas reload subscriptions another replica changed). */
  readonly beforePage?: () => Promise<void>;
  /** The store routes appends inline too (see `InlineRouting`): the loop only routes what it left. */
  readonly inline?: boolean;
}

/** The routing loop of one hub: a {@link LogFollower} whose pages become deliveries. */
export class RoutingLoop {
  readonly #deps: RoutingDeps;
  readonly #follower: LogFollower;

  constructor(deps: RoutingDeps) {
    this.#deps = deps;
    const { queue } = deps;
    this.#follower = new LogFollower(deps.store, deps.log, {
      name: "routing",
      storedCursor: () => queue.cursor(),
      initCursor: (end) => queue.initCursor(end),
      active: () => deps.index.size > 0,
      ...(deps.beforePage ? { beforePage: deps.beforePage } : {}),
      ...(deps.inline ? { sharedCursor: true } : {}),
      commit: async (events, from, to) => {
        const deliveries = events.flatMap((e) => this.#route(e));
        if (!(await queue.enqueue(deliveries, { from, to }))) return false;
        if (events.length > 0) deps.onRouted(deliveries.length);
        return true;
      },
    });
  }

  /** The cursor: the highest sequence routed. */
  get cursor(): number {
    return this.#follower.cursor;
  }

  /**
   * Starts routing. The first start of a database begins at the store's current end: events stored before the
   * router existed are not delivered to subscriptions created later.
   */
  start(): Promise<void> {
    return this.#follower.start();
  }

  /** The cursor was moved to `sequence` by an append that routed its events itself (see `InlineRouting`). */
  advanced(sequence: number): void {
    this.#follower.advanced(sequence);
  }

  /** Routes what is new. */
  wake(): void {
    this.#follower.wake();
  }

  /** Stops routing and waits for the pass in progress. */
  stop(): Promise<void> {
    return this.#follower.stop();
  }

  #route(e: StoredEvent): RoutedDelivery[] {
    return this.route(e).map((d) => ({ ...d, sequence: e.sequence, ingestedMs: e.receivedAtMs }));
  }

  /** The deliveries of an event: one per matching subscription, with its ordering lane. */
  route(e: NewEvent & { readonly sequence?: number }): InlineDelivery[] {
    // Without subscriptions nothing matches: the attributes need not even be parsed.
    if (this.#deps.index.size === 0) return [];
    const parsed = parseStoredEvent(e, this.#deps.log, "routing");
    if (!parsed) return [];
    return this.#deps.index.matchSubscriptions(parsed.attributes).map((s) => ({
      subscriptionId: s.id,
      lane: laneOf(s, parsed.attributes, parsed.cdevent),
    }));
  }
}

// Only `subject` ordering needs the CDEvent itself, so the body is parsed for those subscriptions only.
function laneOf(s: Subscription, attributes: Record<string, unknown>, body: () => unknown): string | null {
  if (s.delivery.ordering === "none") return null;
  return orderingKey(s, attributes, s.delivery.ordering === "subject" ? body() : undefined);
}
