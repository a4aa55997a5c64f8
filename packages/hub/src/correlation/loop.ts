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
import { LogFollower, parseStoredEvent } from "../log-follower.ts";
import type { EventStore, StoredEvent } from "../store/types.ts";
import { type CorrelationStore, type FiredInput, type StateChange, stateKey } from "./store.ts";

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

/** The correlation loop of one hub: a {@link LogFollower} whose pages step the triggers' states. */
export class CorrelationLoop {
  readonly #deps: CorrelationLoopDeps;
  readonly #follower: LogFollower;
  #lastSweep = 0;

  constructor(deps: CorrelationLoopDeps) {
    this.#deps = deps;
    const { correlations } = deps;
    this.#follower = new LogFollower(deps.store, deps.log, {
      name: "correlation",
      storedCursor: () => correlations.cursor(),
      initCursor: (end) => correlations.initCursor(end),
      active: () => deps.triggers().length > 0,
      ...(deps.beforePage ? { beforePage: deps.beforePage } : {}),
      commit: async (events, from, to) => {
        const work = this.#arrivals(events);
        const { states, fired } = work.length === 0 ? { states: [], fired: [] } : await this.#run(work);
        if ((await correlations.commit({ from, to, states, fired })) === null) return false;
        deps.onCommitted(fired, to);
        return true;
      },
      afterPass: () => this.#sweep(),
    });
  }

  /** The cursor: the highest sequence correlated. */
  get cursor(): number {
    return this.#follower.cursor;
  }

  /** Starts correlating. The first start of a database begins at the store's current end. */
  start(): Promise<void> {
    return this.#follower.start();
  }

  /** Correlates what is new. */
  wake(): void {
    this.#follower.wake();
  }

  /** Stops correlating and waits for the pass in progress. */
  stop(): Promise<void> {
    return this.#follower.stop();
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
    const parsed = parseStoredEvent(e, this.#deps.log, "correlation");
    if (!parsed) return null;
    return { sequence: e.sequence, ...parsed, time: e.receivedAtMs, chainId: e.chainId };
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
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    await this.#deps.correlations.expireStates(now - EXPIRY_GRACE_MS);
    await this.#deps.correlations.pruneFired(now - FIRED_KEPT_MS);
  }
}
