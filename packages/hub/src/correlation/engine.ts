/**
 * The embedded correlation engine: triggers (stored in the correlation store, compiled in memory), the
 * correlation loop over the event log and the emitter, over one {@link CorrelationStore}. `startTriggers`
 * reconciles the config file's triggers (upserted, marked `config`; config ones no longer declared are deleted),
 * the trigger sink subscriptions of the delivery engine, and starts both loops. Emitted events go through the
 * hub's commit queue; sink deliveries through the delivery engine's queue.
 * @module
 */
import { compileTrigger, isTriggerSinkId, type Trigger, triggerSinkId, triggerSinkSubscription } from "@cairn/router";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { CommitQueue } from "../ingest/commit-queue.ts";
import type { RouterEngine } from "../router/engine.ts";
import type { EventStore } from "../store/types.ts";
import { Emitter } from "./emitter.ts";
import { type ActiveTrigger, CorrelationLoop } from "./loop.ts";
import { CorrelationMetrics } from "./metrics.ts";
import type { CorrelationStats, CorrelationStore, TriggerRecord } from "./store.ts";

/** What the engine needs from the hub. */
export interface TriggerEngineOptions {
  readonly store: EventStore;
  readonly correlations: CorrelationStore;
  /** The hub's group-commit queue: emitted events are ingested through it. */
  readonly commits: CommitQueue;
  /** The delivery engine: trigger sinks are its subscriptions. */
  readonly router: RouterEngine;
  readonly registry: Registry;
  readonly log: Logger;
  /** Triggers declared in the config file. */
  readonly configTriggers: readonly Trigger[];
  /** Largest event (a bigger emitted event is refused). */
  readonly maxEventBytes: number;
  /** How often to reload triggers changed by other replicas, in ms (default: 2000 with PostgreSQL, else never). */
  readonly syncMs?: number;
}

/** Why a trigger change was refused. */
export type TriggerRefusal = "not_found" | "read_only" | "exists";

/** A trigger change: the stored record, or why not. */
export type TriggerChange =
  | { readonly ok: true; readonly record: TriggerRecord }
  | { readonly ok: false; readonly reason: TriggerRefusal };

/** Starts the engine. */
export async function startTriggers(options: TriggerEngineOptions): Promise<TriggerEngine> {
  const engine = new TriggerEngine(options);
  try {
    await engine.start();
  } catch (e) {
    await engine.stop().catch(() => {});
    throw e;
  }
  return engine;
}

/** The running correlation engine; the API routes call it. */
export class TriggerEngine {
  readonly #o: TriggerEngineOptions;
  readonly #records = new Map<string, TriggerRecord>();
  readonly #active = new Map<string, ActiveTrigger>();
  readonly #loop: CorrelationLoop;
  readonly #emitter: Emitter;
  #syncTimer: NodeJS.Timeout | null = null;
  // Bumped around every local change, so a reload that overlapped one is not applied.
  #generation = 0;

  constructor(options: TriggerEngineOptions) {
    this.#o = options;
    const metrics = new CorrelationMetrics(options.registry, options.correlations);
    this.#emitter = new Emitter({
      correlations: options.correlations,
      commits: options.commits,
      log: options.log,
      sinkOf: (id) => (this.#records.get(id)?.trigger.sink ? triggerSinkId(id) : null),
      onEmitted: (_f, _sequence, duplicate, sink) => {
        metrics.fired(duplicate ? "duplicate" : "emitted");
        if (sink) {
          metrics.sinkDelivery();
          options.router.poke();
        }
      },
    });
    this.#loop = new CorrelationLoop({
      store: options.store,
      correlations: options.correlations,
      log: options.log,
      triggers: () => [...this.#active.values()],
      maxEventBytes: options.maxEventBytes,
      onCommitted: (fired, cursor) => {
        metrics.cursor(cursor);
        metrics.fired("refused", fired.filter((f) => f.event === null).length);
        for (const f of fired)
          if (f.event === null)
            options.log.warn({ trigger: f.triggerId, key: f.key, reason: f.refusal }, "trigger firing refused");
        if (fired.some((f) => f.event !== null)) this.#emitter.wake();
      },
      ...(options.correlations.engine === "postgres" ? { beforePage: () => this.#sync() } : {}),
    });
  }

  /** Applies the config file's triggers, loads every trigger, reconciles the sinks, starts both loops. */
  async start(): Promise<void> {
    const { correlations, log } = this.#o;
    await this.#reconcileConfig();
    for (const r of await correlations.listTriggers()) {
      try {
        this.#activate(r);
      } catch (err) {
        log.error({ err, trigger: r.trigger.id }, "stored trigger is invalid; ignored");
      }
    }
    await this.#reconcileSinks();
    await this.#loop.start();
    this.#emitter.start();
    const syncMs = this.#o.syncMs ?? (correlations.engine === "postgres" ? 2000 : 0);
    if (syncMs > 0) this.#syncTimer = setInterval(() => void this.#sync(), syncMs).unref();
  }

  #activate(r: TriggerRecord): void {
    const compiled = compileTrigger(r.trigger);
    this.#active.set(r.trigger.id, { compiled, version: r.updatedMs });
    this.#records.set(r.trigger.id, r);
  }

  #deactivate(id: string): void {
    this.#active.delete(id);
    this.#records.delete(id);
  }

  // Config-declared triggers are upserted (their state reset only when they changed); the others of the config
  // file that are no longer declared are deleted.
  async #reconcileConfig(): Promise<void> {
    const { correlations, log, configTriggers } = this.#o;
    const now = Date.now();
    const declared = new Set(configTriggers.map((t) => t.id));
    for (const t of configTriggers) {
      const old = await correlations.getTrigger(t.id);
      if (old?.origin === "config" && JSON.stringify(old.trigger) === JSON.stringify(t)) continue;
      if (old?.origin === "api") log.warn({ trigger: t.id }, "the config file replaces a trigger of the API");
      await correlations.putTrigger({ trigger: t, origin: "config", createdMs: old?.createdMs ?? now, updatedMs: now });
    }
    for (const r of await correlations.listTriggers())
      if (r.origin === "config" && !declared.has(r.trigger.id)) await correlations.deleteTrigger(r.trigger.id);
  }

  // Every trigger with a sink has its sink subscription, and no other trigger sink subscription is left.
  async #reconcileSinks(): Promise<void> {
    const { router } = this.#o;
    const wanted = new Set<string>();
    for (const r of this.#records.values()) {
      const s = triggerSinkSubscription(r.trigger);
      if (!s) continue;
      wanted.add(s.id);
      await router.putTriggerSink(s);
    }
    for (const id of router.triggerSinkIds())
      if (isTriggerSinkId(id) && !wanted.has(id)) await router.removeTriggerSink(id);
  }

  // Applies trigger changes made by other replicas.
  async #sync(): Promise<void> {
    const generation = this.#generation;
    let records: TriggerRecord[];
    try {
      records = await this.#o.correlations.listTriggers();
    } catch (err) {
      this.#o.log.warn({ err }, "reloading triggers failed");
      return;
    }
    if (generation !== this.#generation) return;
    const seen = new Set(records.map((r) => r.trigger.id));
    for (const r of records) {
      if (this.#records.get(r.trigger.id)?.updatedMs === r.updatedMs) continue;
      try {
        this.#activate(r);
      } catch (err) {
        this.#o.log.error({ err, trigger: r.trigger.id }, "stored trigger is invalid; ignored");
      }
    }
    for (const id of [...this.#records.keys()]) if (!seen.has(id)) this.#deactivate(id);
  }

  /** Every trigger, in creation order. */
  list(): TriggerRecord[] {
    return [...this.#records.values()].sort((a, b) => a.createdMs - b.createdMs);
  }

  get(id: string): TriggerRecord | undefined {
    return this.#records.get(id);
  }

  /** Creates a trigger; refused when its id exists. */
  async create(trigger: Trigger): Promise<TriggerChange> {
    if (this.#records.has(trigger.id) || (await this.#o.correlations.getTrigger(trigger.id)))
      return { ok: false, reason: "exists" };
    const now = Date.now();
    return { ok: true, record: await this.#put({ trigger, origin: "api", createdMs: now, updatedMs: now }) };
  }

  /** Replaces a trigger of the API (its open windows are discarded). */
  async update(trigger: Trigger): Promise<TriggerChange> {
    const old = this.#records.get(trigger.id);
    if (!old) return { ok: false, reason: "not_found" };
    if (old.origin === "config") return { ok: false, reason: "read_only" };
    // The version must change even within one millisecond: state of the old version is ignored by it.
    const updatedMs = Math.max(Date.now(), old.updatedMs + 1);
    return { ok: true, record: await this.#put({ ...old, trigger, updatedMs }) };
  }

  async #put(record: TriggerRecord): Promise<TriggerRecord> {
    compileTrigger(record.trigger);
    this.#generation++;
    try {
      await this.#o.correlations.putTrigger(record);
      const sink = triggerSinkSubscription(record.trigger);
      if (sink) await this.#o.router.putTriggerSink(sink);
      else if (this.#o.router.triggerSinkIds().includes(triggerSinkId(record.trigger.id)))
        await this.#o.router.removeTriggerSink(triggerSinkId(record.trigger.id));
      this.#activate(record);
    } finally {
      this.#generation++;
    }
    return record;
  }

  /** Deletes a trigger of the API, its open windows, and its sink subscription with its queued deliveries. */
  async remove(id: string): Promise<TriggerChange> {
    const old = this.#records.get(id);
    if (!old) return { ok: false, reason: "not_found" };
    if (old.origin === "config") return { ok: false, reason: "read_only" };
    this.#generation++;
    try {
      this.#deactivate(id);
      await this.#o.correlations.deleteTrigger(id);
      if (old.trigger.sink) await this.#o.router.removeTriggerSink(triggerSinkId(id));
    } finally {
      this.#generation++;
    }
    return { ok: true, record: old };
  }

  /** The correlation cursor, open windows and firings waiting to be emitted. */
  async status(): Promise<{ cursor: number; triggers: number } & CorrelationStats> {
    return { cursor: this.#loop.cursor, triggers: this.#records.size, ...(await this.#o.correlations.stats()) };
  }

  /** Stops correlating and emitting (waiting for the work in progress), closes the correlation store. */
  async stop(): Promise<void> {
    if (this.#syncTimer) clearInterval(this.#syncTimer);
    await this.#loop.stop();
    await this.#emitter.stop();
    await this.#o.correlations.close();
  }
}
