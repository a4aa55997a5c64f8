/**
 * The embedded delivery engine: subscriptions (stored in the queue's database, indexed in memory), the routing
 * loop (event log → deliveries, with a durable cursor; on SQLite each append routes its own events and stores the
 * deliveries with room to go claimed, and the loop only catches up) and the dispatcher (deliveries → HTTP), over one
 * {@link DeliveryQueue}. `startRouter` loads and reconciles the subscriptions (config-declared ones are upserted
 * and marked `config`), puts deliveries a crashed process left in flight back to pending, and starts both loops.
 * Trigger sinks are subscriptions too (ids `~trigger.<id>`), managed by the correlation engine: delivered to like
 * any other, but never routed to (the correlation engine enqueues their deliveries) and not shown by the API.
 * @module
 */
import type { CDEvents } from "@cairn/cdevents";
import { compileSubscription, isTriggerSinkId, type Subscription, SubscriptionIndex } from "@cairn/router";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { CommitQueue } from "../ingest/commit-queue.ts";
import type { EventStore, InlineDelivery, InlineOutcome, NewEvent } from "../store/types.ts";
import { CLAIM_LEASE_MARGIN_MS, Dispatcher } from "./dispatcher.ts";
import { RouterMetrics } from "./metrics.ts";
import type {
  DeadLetter,
  DeadLetterPage,
  DeadLetterQuery,
  DeadLetterSelector,
  DeliveryQueue,
  QueueDepth,
  ReplayResult,
  SubscriptionRecord,
} from "./queue.ts";
import { ingestReply } from "./reply-ingest.ts";
import { RoutingLoop } from "./routing-loop.ts";

/** What the engine needs from the hub. */
export interface RouterOptions {
  readonly store: EventStore;
  readonly queue: DeliveryQueue;
  /** The hub's group-commit queue: replies are ingested through it. */
  readonly commits: CommitQueue;
  readonly cdevents: CDEvents;
  readonly registry: Registry;
  readonly log: Logger;
  /** Subscriptions declared in the config file. */
  readonly configSubscriptions: readonly Subscription[];
  /** Largest event (replies beyond are not ingested). */
  readonly maxEventBytes: number;
  /** Most delivery attempts in flight in this process (default 256). */
  readonly concurrency?: number;
  /**
   * How often to reload subscriptions changed by other replicas, in ms (default: 2000 with PostgreSQL, never with
   * SQLite, where this process is the only writer).
   */
  readonly syncMs?: number;
}

/** Why a subscription change was refused. */
export type ChangeRefusal = "not_found" | "read_only";

/** A subscription change: the stored record, or why not. */
export type ChangeResult =
  | { readonly ok: true; readonly record: SubscriptionRecord }
  | { readonly ok: false; readonly reason: ChangeRefusal };

/** Starts the engine. */
export async function startRouter(options: RouterOptions): Promise<RouterEngine> {
  const engine = new RouterEngine(options);
  await engine.start();
  return engine;
}

/** The running engine; the API routes call it. */
export class RouterEngine {
  readonly #o: RouterOptions;
  readonly #index = new SubscriptionIndex();
  readonly #records = new Map<string, SubscriptionRecord>();
  // Trigger sink subscriptions: not in the index (nothing is routed to them) nor in the API's records.
  readonly #managed = new Map<string, Subscription>();
  readonly #routing: RoutingLoop;
  readonly #dispatcher: Dispatcher;
  #syncTimer: NodeJS.Timeout | null = null;
  readonly #inline: boolean;
  readonly #metrics: RouterMetrics;
  // Bumped before and after every local change, so a reload that overlapped one is not applied.
  #generation = 0;

  constructor(options: RouterOptions) {
    this.#o = options;
    // Embedded, the queue shares the store's file: each append routes its events in its own transaction.
    this.#inline = options.queue.engine === "sqlite" && options.store.routeInline !== undefined;
    const metrics = new RouterMetrics(options.registry, options.queue);
    this.#metrics = metrics;
    this.#routing = new RoutingLoop({
      store: options.store,
      queue: options.queue,
      index: this.#index,
      log: options.log,
      onRouted: (n) => {
        metrics.routed(n);
        if (n > 0) this.#dispatcher.poke();
      },
      ...(options.queue.engine !== "sqlite" ? { beforePage: () => this.#sync() } : {}),
      inline: this.#inline,
    });
    const replyDeps = { cdevents: options.cdevents, commits: options.commits, maxEventBytes: options.maxEventBytes };
    this.#dispatcher = new Dispatcher({
      queue: options.queue,
      subscription: (id) => this.#index.get(id) ?? this.#managed.get(id),
      metrics,
      log: options.log,
      reply: (original, response) => ingestReply(replyDeps, original.event?.attributes ?? "{}", response),
      maxBodyBytes: Math.max(options.maxEventBytes, 64 * 1024),
      concurrency: options.concurrency ?? 256,
      exclusive: this.#inline,
    });
  }

  /** Loads subscriptions, applies the config file's, recovers deliveries left in flight, starts routing. */
  async start(): Promise<void> {
    const { queue, log } = this.#o;
    await this.#reconcileConfig();
    for (const r of await queue.listSubscriptions()) {
      try {
        const s = compileSubscription(r.subscription).subscription;
        if (isTriggerSinkId(s.id)) this.#managed.set(s.id, s);
        else {
          this.#index.add(s);
          this.#records.set(r.subscription.id, r);
        }
      } catch (err) {
        log.error({ err, subscription: r.subscription.id }, "stored subscription is invalid; ignored");
      }
    }
    const recovered = await queue.recoverInFlight(Date.now());
    if (recovered > 0) log.info({ recovered }, "deliveries left in flight put back to pending");
    await this.#routing.start();
    if (this.#inline) {
      const { store } = this.#o;
      store.routeInline?.({ route: (e) => this.#routeInline(e), settled: (o) => this.#settled(o) });
      // Outcomes, too, are committed by the store's writer thread: no write transaction on the event loop.
      const record = store.recordDeliveryOutcomes?.bind(store);
      if (record) queue.delegateOutcomes?.(record);
    }
    this.#dispatcher.start();
    const syncMs = this.#o.syncMs ?? (queue.engine !== "sqlite" ? 2000 : 0);
    if (syncMs > 0) this.#syncTimer = setInterval(() => void this.#sync(), syncMs).unref();
  }

  // An event's deliveries as its append stores them: an unordered one is stored claimed when the dispatcher has
  // room to send it now, so it goes out as soon as the append commits, with no claim of its own.
  #routeInline(e: NewEvent): InlineDelivery[] {
    const routes = this.#routing.route(e);
    const now = Date.now();
    return routes.map((d) => {
      const s = this.#index.get(d.subscriptionId);
      if (!s || d.lane !== null || !this.#dispatcher.reserve(s, now)) return d;
      return { ...d, claimUntil: now + s.delivery.timeout + CLAIM_LEASE_MARGIN_MS };
    });
  }

  #settled(o: InlineOutcome): void {
    let claimed = 0;
    for (const c of o.claims) {
      if (c.deliveryId === 0) {
        this.#dispatcher.release(c.delivery.subscriptionId);
        continue;
      }
      claimed++;
      this.#dispatcher.startClaimed({
        id: c.deliveryId,
        subscriptionId: c.delivery.subscriptionId,
        sequence: c.sequence,
        lane: null,
        attempt: 1,
        ingestedMs: c.event.receivedAtMs,
        firstFailureMs: null,
        event: { attributes: c.event.attributes, body: c.event.body },
      });
    }
    if (o.routedThrough > 0) this.#routing.advanced(o.routedThrough);
    if (o.created > 0) this.#metrics.routed(o.created);
    if (o.created > claimed) this.#dispatcher.poke();
  }

  // Applies subscription changes made by other replicas to the index.
  async #sync(): Promise<void> {
    const generation = this.#generation;
    let records: SubscriptionRecord[];
    try {
      records = await this.#o.queue.listSubscriptions();
    } catch (err) {
      this.#o.log.warn({ err }, "reloading subscriptions failed");
      return;
    }
    if (generation !== this.#generation) return;
    const seen = new Set<string>();
    for (const r of records) {
      const id = r.subscription.id;
      seen.add(id);
      if (isTriggerSinkId(id)) {
        this.#managed.set(id, r.subscription);
        continue;
      }
      if (this.#records.get(id)?.updatedMs === r.updatedMs) continue;
      try {
        this.#index.replace(r.subscription);
        this.#records.set(id, r);
      } catch (err) {
        this.#o.log.error({ err, subscription: id }, "stored subscription is invalid; ignored");
      }
    }
    for (const id of [...this.#records.keys()])
      if (!seen.has(id)) {
        this.#index.remove(id);
        this.#records.delete(id);
      }
    for (const id of [...this.#managed.keys()]) if (!seen.has(id)) this.#managed.delete(id);
  }

  // Config-declared subscriptions are upserted; config ones no longer declared are deleted.
  async #reconcileConfig(): Promise<void> {
    const { queue, log, configSubscriptions } = this.#o;
    const now = Date.now();
    const declared = new Set(configSubscriptions.map((s) => s.id));
    for (const s of configSubscriptions) {
      const old = await queue.getSubscription(s.id);
      if (old?.origin === "api") log.warn({ subscription: s.id }, "the config file replaces a subscription of the API");
      await queue.putSubscription({
        subscription: s,
        origin: "config",
        createdMs: old?.createdMs ?? now,
        updatedMs: now,
      });
    }
    for (const r of await queue.listSubscriptions())
      if (r.origin === "config" && !declared.has(r.subscription.id)) await queue.deleteSubscription(r.subscription.id);
  }

  /** Every subscription, in creation order. */
  list(): SubscriptionRecord[] {
    return this.#index.ids().flatMap((id) => this.#records.get(id) ?? []);
  }

  get(id: string): SubscriptionRecord | undefined {
    return this.#records.get(id);
  }

  /** Creates a subscription (its id is new). */
  async create(subscription: Subscription): Promise<SubscriptionRecord> {
    const now = Date.now();
    const record: SubscriptionRecord = { subscription, origin: "api", createdMs: now, updatedMs: now };
    this.#generation++;
    await this.#o.queue.putSubscription(record);
    this.#generation++;
    this.#index.replace(subscription);
    this.#records.set(subscription.id, record);
    return record;
  }

  /** Replaces a subscription of the API. */
  async update(subscription: Subscription): Promise<ChangeResult> {
    const old = this.#records.get(subscription.id);
    if (!old) return { ok: false, reason: "not_found" };
    if (old.origin === "config") return { ok: false, reason: "read_only" };
    const record: SubscriptionRecord = { ...old, subscription, updatedMs: Date.now() };
    this.#generation++;
    await this.#o.queue.putSubscription(record);
    this.#generation++;
    this.#index.replace(subscription);
    this.#records.set(subscription.id, record);
    this.#dispatcher.poke();
    return { ok: true, record };
  }

  /** Deletes a subscription of the API and its queued deliveries (its dead letters stay). */
  async remove(id: string): Promise<ChangeResult> {
    const old = this.#records.get(id);
    if (!old) return { ok: false, reason: "not_found" };
    if (old.origin === "config") return { ok: false, reason: "read_only" };
    this.#generation++;
    this.#index.remove(id);
    this.#records.delete(id);
    await this.#o.queue.deleteSubscription(id);
    this.#generation++;
    return { ok: true, record: old };
  }

  /** Creates or replaces a trigger sink subscription (id `~trigger.<id>`; see `triggerSinkSubscription`). */
  async putTriggerSink(subscription: Subscription): Promise<void> {
    if (!isTriggerSinkId(subscription.id)) throw new Error(`${subscription.id} is not a trigger sink id`);
    const compiled = compileSubscription(subscription).subscription;
    const old = await this.#o.queue.getSubscription(subscription.id);
    const now = Date.now();
    this.#generation++;
    await this.#o.queue.putSubscription({
      subscription,
      origin: "api",
      createdMs: old?.createdMs ?? now,
      updatedMs: now,
    });
    this.#generation++;
    this.#managed.set(subscription.id, compiled);
  }

  /** Deletes a trigger sink subscription and its queued deliveries (its dead letters stay). */
  async removeTriggerSink(id: string): Promise<void> {
    if (!isTriggerSinkId(id)) throw new Error(`${id} is not a trigger sink id`);
    this.#generation++;
    this.#managed.delete(id);
    await this.#o.queue.deleteSubscription(id);
    this.#generation++;
  }

  /** The ids of the trigger sink subscriptions. */
  triggerSinkIds(): string[] {
    return [...this.#managed.keys()];
  }

  /** Looks for claimable deliveries now (the correlation engine enqueued a sink delivery). */
  poke(): void {
    this.#dispatcher.poke();
  }

  listDeadLetters(query: DeadLetterQuery): Promise<DeadLetterPage> {
    return this.#o.queue.listDeadLetters(query);
  }

  getDeadLetter(id: number): Promise<DeadLetter | null> {
    return this.#o.queue.getDeadLetter(id);
  }

  /** Sends dead letters back to their original subscription, attempts reset. */
  async replay(selector: DeadLetterSelector): Promise<ReplayResult> {
    const result = await this.#o.queue.replayDeadLetters(selector, Date.now());
    if (result.replayed > 0) this.#dispatcher.poke();
    return result;
  }

  purge(selector: DeadLetterSelector): Promise<number> {
    return this.#o.queue.purgeDeadLetters(selector);
  }

  /** Queue depth, the routing cursor and attempts in flight here. */
  async status(): Promise<{ cursor: number; inFlightHere: number; depth: QueueDepth; subscriptions: number }> {
    return {
      cursor: this.#routing.cursor,
      inFlightHere: this.#dispatcher.inFlight,
      depth: await this.#o.queue.depth(Date.now()),
      subscriptions: this.#records.size,
    };
  }

  /** Whether the queue's message bus (NATS) is connected, or null when the queue has none. */
  busHealth(): { readonly engine: string; readonly ok: boolean } | null {
    const q = this.#o.queue as DeliveryQueue & { readonly connected?: boolean };
    return q.connected === undefined ? null : { engine: q.engine, ok: q.connected };
  }

  /** Stops routing and claiming, waits for attempts in flight (at most `timeoutMs`), closes the queue. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#syncTimer) clearInterval(this.#syncTimer);
    if (this.#inline) this.#o.store.routeInline?.(null);
    await this.#routing.stop();
    await this.#dispatcher.stop(timeoutMs);
    await this.#o.queue.close();
  }
}
