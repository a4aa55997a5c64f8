/**
 * The correlation loop: correlation triggers over the event log, with the routing loop's outbox design. It reads
 * events after its durable cursor (oldest first, a page at a time), runs each through every trigger (`correlate`,
 * then `step` on the key's state, loaded once per page), builds the event of every firing, and commits the page —
 * cursor move (compare-and-set), changed states, firings — in one transaction of the correlation store. A crash
 * before that commit replays the page from the cursor with the same decisions (times are the events' receive
 * times); after it, the page is never correlated again. Woken by the store's `watch`, polling as a fallback.
 * @module
 */
import { toCloudEvent } from "@cairn/cdevents";
import {
  buildCorrelationEvent,
  type CompiledTrigger,
  type CorrelationEvent,
  type CorrelationState,
  correlate,
  type Fire,
  idempotencyKey,
  step,
} from "@cairn/router";
import type { Logger } from "pino";
import { attributesText, nulCharacterIssue, toNewEvent } from "../ingest/record.ts";
import type { EventStore, StoredEvent } from "../store/types.ts";
import { type CorrelationStore, type FiredInput, type StateChange, stateKey } from "./store.ts";

const PAGE = 500;
const RETRY_MS = 1000;
const POLL_MS = 5000;
// Closed windows are deleted this long after they closed (receive times of concurrent commits may interleave).
const EXPIRY_GRACE_MS = 60_000;
const SWEEP_EVERY_MS = 60_000;
// Settled firings are kept this long (for inspection), then deleted.
const FIRED_KEPT_MS = 7 * 24 * 3600_000;

/** A trigger the loop correlates: compiled, with its version (state written under another one is ignored). */
export interface ActiveTrigger {
  readonly compiled: CompiledTrigger;
  readonly version: number;
}

/** What the loop needs. */
export interface CorrelationLoopDeps {
  readonly store: EventStore;
  readonly correlations: CorrelationStore;
  readonly log: Logger;
  /** The triggers now. */
  readonly triggers: () => readonly ActiveTrigger[];
  /** Largest event: a bigger emitted event is refused. */
  readonly maxEventBytes: number;
  /** Called after each committed page with the firings it recorded (new pending or refused ones). */
  readonly onCommitted: (fired: readonly FiredInput[], cursor: number) => void;
  /** Called before each page (replicas reload the triggers another replica changed). */
  readonly beforePage?: () => Promise<void>;
}

interface Work {
  readonly trigger: ActiveTrigger;
  readonly arrival: ReturnType<typeof correlate>[number];
  readonly time: number;
}

/** The correlation loop of one hub. */
export class CorrelationLoop {
  readonly #deps: CorrelationLoopDeps;
  #cursor = 0;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #unwatch: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #lastSweep = 0;

  constructor(deps: CorrelationLoopDeps) {
    this.#deps = deps;
  }

  /** The cursor: the highest sequence correlated. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Starts correlating. The first start of a database begins at the store's current end. */
  async start(): Promise<void> {
    const { correlations, store } = this.#deps;
    this.#cursor = (await correlations.cursor()) ?? (await correlations.initCursor((await store.stats()).lastSequence));
    this.#unwatch = store.watch(() => this.wake());
    this.wake();
  }

  /** Correlates what is new (coalesced: a wake during a pass makes it go round once more). */
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
    if (this.#timer) clearTimeout(this.#timer);
    let delay = POLL_MS;
    try {
      do {
        this.#again = false;
        while (!this.#stopped && (await this.#page())) {}
      } while (this.#again && !this.#stopped);
      await this.#sweep();
    } catch (err) {
      this.#deps.log.error({ err }, "correlation failed; retrying");
      delay = RETRY_MS;
    }
    if (!this.#stopped) this.#timer = setTimeout(() => this.wake(), delay).unref();
  }

  // Correlates one page; true when there may be more.
  async #page(): Promise<boolean> {
    const { store, correlations } = this.#deps;
    // With no triggers nothing can correlate: move the cursor to the end without reading the events back.
    if (this.#deps.triggers().length === 0) {
      await this.#deps.beforePage?.();
      if (this.#deps.triggers().length === 0) return this.#skipTo((await store.stats()).lastSequence);
    }
    const page = await store.query({ after: this.#cursor, order: "asc", limit: PAGE });
    const last = page.events.at(-1);
    if (!last) return false;
    await this.#deps.beforePage?.();
    const work = this.#arrivals(page.events);
    const { states, fired } = await this.#run(work);
    const committed = await correlations.commit({ from: this.#cursor, to: last.sequence, states, fired });
    if (committed === null) {
      // Another replica correlated this page: continue from where it got.
      this.#cursor = (await correlations.cursor()) ?? this.#cursor;
      return true;
    }
    this.#cursor = last.sequence;
    this.#deps.onCommitted(fired, this.#cursor);
    return true;
  }

  // Moves the cursor to `last` with nothing else (one small transaction); false: nothing more to do now.
  async #skipTo(last: number): Promise<boolean> {
    if (last <= this.#cursor) return false;
    const committed = await this.#deps.correlations.commit({ from: this.#cursor, to: last, states: [], fired: [] });
    this.#cursor = committed === null ? ((await this.#deps.correlations.cursor()) ?? this.#cursor) : last;
    this.#deps.onCommitted([], this.#cursor);
    return false;
  }

  #arrivals(events: readonly StoredEvent[]): Work[] {
    const triggers = this.#deps.triggers();
    if (triggers.length === 0) return [];
    const work: Work[] = [];
    for (const e of events) {
      const event = this.#eventOf(e);
      if (!event) continue;
      for (const trigger of triggers)
        for (const arrival of correlate(trigger.compiled, event)) work.push({ trigger, arrival, time: e.receivedAtMs });
    }
    return work;
  }

  #eventOf(e: StoredEvent): CorrelationEvent | null {
    let attributes: Record<string, unknown>;
    try {
      attributes = JSON.parse(e.attributes) as Record<string, unknown>;
    } catch {
      this.#deps.log.error({ sequence: e.sequence }, "stored attributes are not JSON; event not correlated");
      return null;
    }
    let cdevent: unknown;
    const body = () => {
      cdevent ??= JSON.parse(e.body) as unknown;
      return cdevent;
    };
    return { sequence: e.sequence, attributes, cdevent: body, time: e.receivedAtMs, chainId: e.chainId };
  }

  // Steps every arrival in log order over the states loaded for the page's keys.
  async #run(work: readonly Work[]): Promise<{ states: StateChange[]; fired: FiredInput[] }> {
    const keys = new Map(work.map((w) => [stateKey(w.trigger.compiled.id, w.arrival.key), w] as const));
    const loaded = await this.#deps.correlations.loadStates(
      [...keys.values()].map((w) => ({ triggerId: w.trigger.compiled.id, key: w.arrival.key })),
    );
    const current = new Map<string, CorrelationState | null>();
    for (const [k, w] of keys) {
      const stored = loaded.get(k);
      current.set(k, stored && stored.version === w.trigger.version ? stored.state : null);
    }
    const fired: FiredInput[] = [];
    for (const w of work) {
      const k = stateKey(w.trigger.compiled.id, w.arrival.key);
      const r = step(w.trigger.compiled, current.get(k) ?? null, w.arrival, w.time);
      current.set(k, r.state);
      if (r.fire) fired.push(this.#fired(w.trigger.compiled, r.fire));
    }
    const states = [...keys].map(([k, w]): StateChange => {
      const state = current.get(k) ?? null;
      const { id, within } = w.trigger.compiled;
      const deadline = (state?.windowStart ?? 0) + within;
      return { triggerId: id, key: w.arrival.key, version: w.trigger.version, state, deadline };
    });
    return { states, fired };
  }

  // The firing with its event built now, so the emitter only stores it; or refused, with why.
  #fired(trigger: CompiledTrigger, fire: Fire): FiredInput {
    const base = {
      idempotencyKey: idempotencyKey(trigger.id, fire),
      triggerId: trigger.id,
      key: fire.key,
      windowStart: fire.windowStart,
      firedMs: fire.firedAt,
    };
    const built = buildCorrelationEvent(trigger.trigger, fire);
    if (!built.ok) return { ...base, event: null, refusal: built.message };
    const { cdevent, extensions } = built.event;
    const body = JSON.stringify(cdevent);
    const attributes = attributesText(toCloudEvent(cdevent, { extensions }));
    const nul = nulCharacterIssue(toNewEvent(cdevent, body, attributes, fire.firedAt));
    if (nul) return { ...base, event: null, refusal: `${nul.path} ${nul.message}` };
    if (Buffer.byteLength(body) > this.#deps.maxEventBytes)
      return { ...base, event: null, refusal: `larger than limits.maxEventBytes (${this.#deps.maxEventBytes} bytes)` };
    return { ...base, event: { attributes, body } };
  }

  // Housekeeping once a minute, when caught up: windows closed a while ago, firings settled long ago.
  async #sweep(): Promise<void> {
    const now = Date.now();
    if (this.#stopped || now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    await this.#deps.correlations.expireStates(now - EXPIRY_GRACE_MS);
    await this.#deps.correlations.pruneFired(now - FIRED_KEPT_MS);
  }

  /** Stops correlating and waits for the pass in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unwatch?.();
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}
