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
import type { EventStore, StoredEvent } from "../store/types.ts";
import type { DeliveryQueue, RoutedDelivery } from "./queue.ts";

const PAGE = 500;
const RETRY_MS = 1000;
const POLL_MS = 5000;

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
}

/** The routing loop of one hub. */
export class RoutingLoop {
  readonly #deps: RoutingDeps;
  #cursor = 0;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #unwatch: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(deps: RoutingDeps) {
    this.#deps = deps;
  }

  /** The cursor: the highest sequence routed. */
  get cursor(): number {
    return this.#cursor;
  }

  /**
   * Starts routing. The first start of a database begins at the store's current end: events stored before the
   * router existed are not delivered to subscriptions created later.
   */
  async start(): Promise<void> {
    const { queue, store } = this.#deps;
    this.#cursor = (await queue.cursor()) ?? (await queue.initCursor((await store.stats()).lastSequence));
    this.#unwatch = store.watch(() => this.wake());
    this.wake();
  }

  /** Routes what is new (coalesced: a wake during a pass makes it go round once more). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#pass().finally(() => {
      this.#running = null;
    });
  }

  async #pass(): Promise<void> {
    this.#clearTimer();
    let delay = POLL_MS;
    try {
      do {
        this.#again = false;
        while (!this.#stopped && (await this.#page())) {}
      } while (this.#again && !this.#stopped);
    } catch (err) {
      this.#deps.log.error({ err }, "routing failed; retrying");
      delay = RETRY_MS;
    }
    if (!this.#stopped) this.#timer = setTimeout(() => this.wake(), delay).unref();
  }

  // Routes one page; true when there may be more.
  async #page(): Promise<boolean> {
    const { store, queue } = this.#deps;
    // With no subscriptions nothing can match: move the cursor to the end without reading the events back
    // (otherwise every ingested event would be read again, body and all, only to be dropped).
    if (this.#deps.index.size === 0) {
      await this.#deps.beforePage?.();
      if (this.#deps.index.size === 0) return this.#skipTo((await store.stats()).lastSequence);
    }
    const page = await store.query({ after: this.#cursor, order: "asc", limit: PAGE });
    const last = page.events.at(-1);
    if (!last) return false;
    await this.#deps.beforePage?.();
    const deliveries = page.events.flatMap((e) => this.#route(e));
    if (await queue.enqueue(deliveries, { from: this.#cursor, to: last.sequence })) {
      this.#cursor = last.sequence;
      this.#deps.onRouted(deliveries.length);
    } else {
      // Another replica routed this page: continue from where it got.
      this.#cursor = (await queue.cursor()) ?? this.#cursor;
    }
    return true;
  }

  // Advances the cursor to `last` with no deliveries (one small queue transaction); false: nothing more to do now.
  async #skipTo(last: number): Promise<boolean> {
    if (last <= this.#cursor) return false;
    if (await this.#deps.queue.enqueue([], { from: this.#cursor, to: last })) this.#cursor = last;
    else this.#cursor = (await this.#deps.queue.cursor()) ?? this.#cursor;
    return false;
  }

  #route(e: StoredEvent): RoutedDelivery[] {
    let attributes: Record<string, unknown>;
    try {
      attributes = JSON.parse(e.attributes) as Record<string, unknown>;
    } catch {
      this.#deps.log.error({ sequence: e.sequence }, "stored attributes are not JSON; event not routed");
      return [];
    }
    let cdevent: unknown;
    const body = () => {
      cdevent ??= JSON.parse(e.body) as unknown;
      return cdevent;
    };
    return this.#deps.index.matchSubscriptions(attributes).map((s) => ({
      subscriptionId: s.id,
      sequence: e.sequence,
      lane: laneOf(s, attributes, body),
      ingestedMs: e.receivedAtMs,
    }));
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Stops routing and waits for the pass in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unwatch?.();
    this.#clearTimer();
    await this.#running;
  }
}

// Only `subject` ordering needs the CDEvent itself, so the body is parsed for those subscriptions only.
function laneOf(s: Subscription, attributes: Record<string, unknown>, body: () => unknown): string | null {
  if (s.delivery.ordering === "none") return null;
  return orderingKey(s, attributes, s.delivery.ordering === "subject" ? body() : undefined);
}
