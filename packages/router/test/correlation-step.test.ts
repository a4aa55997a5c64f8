/**
 * The correlation state machine: windows, select rules, firing once, expiry, and its properties (fast-check)
 * against a naive model of the semantics, for random triggers and event sequences.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type CompiledTrigger,
  type CorrelationEvent,
  type CorrelationState,
  compileTrigger,
  correlate,
  evaluateCondition,
  type Fire,
  idempotencyKey,
  MAX_SELECTED,
  type Select,
  step,
  validateTrigger,
} from "../src/index.ts";

const NAMES = ["a", "b", "c"] as const;

function compiled(conditions: string | undefined, selects: Select[], within: number): CompiledTrigger {
  const r = validateTrigger({
    id: "t",
    correlateBy: "subject",
    within,
    ...(conditions === undefined ? {} : { conditions }),
    dependencies: NAMES.map((name, i) => ({ name, filters: [{ exact: { type: name } }], select: selects[i] })),
    emit: { type: "dev.cdeventsx.cairn-test.fired.0.1.0", source: "/t" },
  });
  assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.issues));
  return compileTrigger(r.trigger);
}

interface Ev {
  readonly key: string;
  readonly dep: (typeof NAMES)[number];
  readonly time: number;
  readonly sequence: number;
}

function event(e: Ev): CorrelationEvent {
  return {
    sequence: e.sequence,
    attributes: { specversion: "1.0", id: `e${e.sequence}`, source: "/src", type: e.dep, subject: e.key },
    cdevent: () => ({}),
    time: e.time,
  };
}

/** Runs events through `step`, keeping one state per key; `restartAt` round-trips every state through JSON. */
function run(trigger: CompiledTrigger, events: readonly Ev[], restartAt = -1): Fire[] {
  let states = new Map<string, CorrelationState | null>();
  const fires: Fire[] = [];
  events.forEach((e, i) => {
    if (i === restartAt) states = new Map(JSON.parse(JSON.stringify([...states])) as [string, CorrelationState][]);
    for (const arrival of correlate(trigger, event(e))) {
      const r = step(trigger, states.get(arrival.key) ?? null, arrival, e.time);
      states.set(arrival.key, r.state);
      if (r.fire) fires.push(r.fire);
    }
  });
  return fires;
}

/** The semantics written the plain way: per key, a list of the window's events; select applied at the end. */
function model(trigger: CompiledTrigger, events: readonly Ev[]): Fire[] {
  const windows = new Map<string, { start: number; events: Ev[] }>();
  const fires: Fire[] = [];
  for (const e of events) {
    let w = windows.get(e.key);
    if (w && e.time >= w.start + trigger.within) w = undefined;
    w ??= { start: e.time, events: [] };
    w.events.push(e);
    windows.set(e.key, w);
    const present = new Set(w.events.map((x) => x.dep));
    if (!evaluateCondition(trigger.condition, (n) => present.has(n as Ev["dep"]))) continue;
    const contributions = trigger.dependencies.flatMap((d) => {
      const mine = w.events.filter((x) => x.dep === d.name);
      const picked =
        d.select === "first" ? mine.slice(0, 1) : d.select === "latest" ? mine.slice(-1) : mine.slice(0, MAX_SELECTED);
      return picked.map((x) => ({
        dependency: d.name,
        sequence: x.sequence,
        source: "/src",
        id: `e${x.sequence}`,
        time: x.time,
      }));
    });
    fires.push({ key: e.key, windowStart: w.start, firedAt: e.time, contributions });
    windows.delete(e.key);
  }
  return fires;
}

const CONDITIONS = [undefined, "a && b", "a || b", "(a || b) && c", "a && !c", "!a && b", "a && b && !c"];
const arbTrigger = fc
  .tuple(
    fc.constantFrom(...CONDITIONS),
    fc.array(fc.constantFrom<Select>("first", "latest", "all"), { minLength: 3, maxLength: 3 }),
    fc.integer({ min: 1, max: 50 }),
  )
  .map(([c, s, w]) => compiled(c, s, w));
const arbEvents = (maxGap: number) =>
  fc
    .array(
      fc.tuple(fc.constantFrom("k1", "k2", "k3"), fc.constantFrom(...NAMES), fc.integer({ min: 0, max: maxGap })),
      {
        maxLength: 60,
      },
    )
    .map((list) => {
      let time = 1000;
      return list.map(([key, dep, gap], i) => {
        time += gap;
        return { key, dep, time, sequence: i + 1 } satisfies Ev;
      });
    });

describe("step", () => {
  it("opens a window at the first event, fires once when the condition holds, then starts over", () => {
    const t = compiled("a && b", ["latest", "latest", "latest"], 100);
    const fires = run(t, [
      { key: "k", dep: "a", time: 0, sequence: 1 },
      { key: "k", dep: "a", time: 10, sequence: 2 },
      { key: "k", dep: "b", time: 20, sequence: 3 },
      { key: "k", dep: "b", time: 30, sequence: 4 },
    ]);
    assert.equal(fires.length, 1);
    assert.deepEqual(
      fires[0]?.contributions.map((c) => [c.dependency, c.sequence]),
      [
        ["a", 2],
        ["b", 3],
      ],
    );
    assert.equal(fires[0]?.windowStart, 0);
    assert.equal(fires[0]?.firedAt, 20);
  });

  it("discards an expired window: the late event opens a new one", () => {
    const t = compiled("a && b", ["first", "first", "first"], 100);
    const first = correlate(t, event({ key: "k", dep: "a", time: 0, sequence: 1 }))[0];
    const late = correlate(t, event({ key: "k", dep: "b", time: 100, sequence: 2 }))[0];
    assert.ok(first && late);
    const opened = step(t, null, first, 0);
    const r = step(t, opened.state, late, 100);
    assert.equal(r.fire, undefined);
    assert.deepEqual(r.state, {
      key: "k",
      windowStart: 100,
      arrived: [{ dependency: "b", events: [late.contribution] }],
    });
    assert.equal(step(t, opened.state, late, 99).fire?.windowStart, 0, "inside until within has passed");
  });

  it("an event matching several dependencies counts for each; keys are per dependency", () => {
    const r = validateTrigger({
      id: "multi",
      within: 1000,
      dependencies: [
        { name: "x", filters: [{ prefix: { type: "dev." } }], correlateBy: "subject" },
        { name: "y", filters: [{ exact: { type: "dev.y" } }], correlateBy: "/context/chainId" },
      ],
      emit: { type: "dev.cdeventsx.cairn-test.fired.0.1.0", source: "/t" },
    });
    assert.ok(r.ok);
    const t = compileTrigger(r.trigger);
    const e: CorrelationEvent = {
      sequence: 1,
      attributes: { specversion: "1.0", id: "1", source: "/s", type: "dev.y", subject: "s1", cairnhops: 2 },
      cdevent: () => ({ context: { chainId: "c1" } }),
      time: 5,
      chainId: "c1",
    };
    const arrivals = correlate(t, e);
    assert.deepEqual(
      arrivals.map((a) => [a.key, a.dependencies]),
      [
        ["s1", ["x"]],
        ["c1", ["y"]],
      ],
    );
    assert.deepEqual(arrivals[0]?.contribution, {
      sequence: 1,
      source: "/s",
      id: "1",
      time: 5,
      hops: 2,
      chainId: "c1",
    });
    const same = validateTrigger({
      ...r.trigger,
      dependencies: r.trigger.dependencies.map((d) => ({ ...d, correlateBy: "subject" })),
    });
    assert.ok(same.ok);
    const both = correlate(compileTrigger(same.trigger), e);
    assert.deepEqual(
      both.map((a) => a.dependencies),
      [["x", "y"]],
    );
    assert.ok(
      step(compileTrigger(same.trigger), null, both[0] as (typeof both)[0], 5).fire,
      "one event can complete a join",
    );
  });

  it("select all keeps at most MAX_SELECTED events per dependency", () => {
    const t = compiled("a && b", ["all", "all", "all"], 10_000);
    const events: Ev[] = Array.from({ length: MAX_SELECTED + 5 }, (_, i) => ({
      key: "k",
      dep: "a",
      time: i,
      sequence: i + 1,
    }));
    events.push({ key: "k", dep: "b", time: 500, sequence: 999 });
    const [fire] = run(t, events);
    assert.equal(fire?.contributions.filter((c) => c.dependency === "a").length, MAX_SELECTED);
    assert.equal(fire?.contributions[0]?.sequence, 1, "the first ones are kept");
  });

  it("the idempotency key depends on trigger, key, window and contributors", () => {
    const fire: Fire = {
      key: "k",
      windowStart: 1,
      firedAt: 2,
      contributions: [{ dependency: "a", sequence: 1, source: "/s", id: "1", time: 1 }],
    };
    const k = idempotencyKey("t", fire);
    assert.equal(idempotencyKey("t", { ...fire, firedAt: 3 }), k, "not the firing time");
    assert.notEqual(idempotencyKey("u", fire), k);
    assert.notEqual(idempotencyKey("t", { ...fire, key: "k2" }), k);
    assert.notEqual(idempotencyKey("t", { ...fire, windowStart: 0 }), k);
    assert.notEqual(
      idempotencyKey("t", { ...fire, contributions: [{ ...fire.contributions[0], id: "2" } as never] }),
      k,
    );
  });
});

describe("step: properties", () => {
  it("agrees with the naive model (select rules pick the right events)", () => {
    fc.assert(
      fc.property(arbTrigger, arbEvents(30), (t, events) => {
        assert.deepEqual(run(t, events), model(t, events));
      }),
      { numRuns: 300 },
    );
  });

  it("fires at most once per key and window, whatever the order: windows never overlap, no event is reused", () => {
    fc.assert(
      fc.property(arbTrigger, arbEvents(30), (t, events) => {
        const fires = run(t, events);
        const used = new Set<string>();
        const lastFire = new Map<string, number>();
        for (const f of fires) {
          const previous = lastFire.get(f.key);
          if (previous !== undefined) assert.ok(f.windowStart >= previous, "a window opens after the previous firing");
          lastFire.set(f.key, f.firedAt);
          for (const c of f.contributions) {
            assert.ok(!used.has(`${c.dependency}/${c.sequence}`), "an event contributes to one firing");
            used.add(`${c.dependency}/${c.sequence}`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("never uses an event outside its window", () => {
    fc.assert(
      fc.property(arbTrigger, arbEvents(40), (t, events) => {
        for (const f of run(t, events)) {
          assert.ok(f.firedAt >= f.windowStart && f.firedAt < f.windowStart + t.within);
          for (const c of f.contributions) assert.ok(c.time >= f.windowStart && c.time < f.windowStart + t.within);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("never fires a join of two dependencies whose events are a window apart", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.constantFrom("a", "b"), { maxLength: 40 }),
        (within, deps) => {
          const t = compiled("a && b", ["latest", "latest", "latest"], within);
          const events = deps.map((dep, i) => ({ key: "k", dep: dep as Ev["dep"], time: i * within, sequence: i + 1 }));
          assert.deepEqual(run(t, events), []);
        },
      ),
    );
  });

  it("a restart at any point (state through JSON) changes nothing; the same log gives the same keys", () => {
    fc.assert(
      fc.property(arbTrigger, arbEvents(30), fc.nat(60), (t, events, at) => {
        const fires = run(t, events);
        assert.deepEqual(run(t, events, at), fires);
        assert.deepEqual(
          run(t, events).map((f) => idempotencyKey("t", f)),
          fires.map((f) => idempotencyKey("t", f)),
        );
      }),
      { numRuns: 200 },
    );
  });
});
