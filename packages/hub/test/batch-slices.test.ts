import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CDEvent, createCDEvents, type HttpEntry, IssueCode, toHttpBatch } from "@cairn/cdevents";
import fc from "fast-check";
import { decodeInSlices, MIN_SLICED_ENTRIES, SLICE_ENTRIES } from "../src/ingest/batch-slices.ts";
import { MessageText } from "../src/ingest/record.ts";
import { buildFinished, post, rawEvent, startTestHub, type TestHub } from "./hub-helpers.ts";

const cdevents = createCDEvents();
const BATCH = { "content-type": "application/cloudevents-batch+json" };

async function sliced(body: string, headers: Record<string, string> = BATCH): Promise<HttpEntry[] | null> {
  const got: HttpEntry[] = [];
  const n = await decodeInSlices(cdevents, headers, new MessageText(body), (e) => got.push(e));
  if (n === null) return null;
  assert.equal(n, got.length);
  return got;
}

const whole = (body: string, headers: Record<string, string> = BATCH) => cdevents.parseHttp({ headers, body }).entries;

// Envelopes of valid events, as a batch sends them.
function envelopes(n: number): Record<string, unknown>[] {
  const events = Array.from({ length: n }, () => buildFinished());
  return JSON.parse(toHttpBatch(events).body) as Record<string, unknown>[];
}

// The ways an entry can be wrong: its envelope (binding issues, paths from the batch) or its CDEvent (paths from
// the CDEvent), plus entries the hub stores in other shapes (data as base64, data as a JSON string).
const breakers: Record<string, (e: Record<string, unknown>) => unknown> = {
  "no id": ({ id: _, ...rest }) => rest,
  "not an object": () => 42,
  "bad artifact": (e) => {
    const data = structuredClone(e.data) as CDEvent;
    (data.subject.content as Record<string, unknown>).artifactId = "not a purl";
    return { ...e, data };
  },
  "base64 data": ({ data, ...rest }) => ({
    ...rest,
    data_base64: Buffer.from(JSON.stringify(data)).toString("base64"),
  }),
  "data as a string": (e) => ({ ...e, data: JSON.stringify(e.data) }),
};

describe("batch slices", () => {
  it("decodes a large batch into the same entries as decoding it whole, wherever entries fail", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: MIN_SLICED_ENTRIES, max: 3 * SLICE_ENTRIES + 7 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...Object.keys(breakers))), { maxLength: 6 }),
        fc.constantFrom("", " ", "\n  "),
        async (n, changes, ws) => {
          const items: unknown[] = envelopes(n);
          // One change per entry, made to the valid envelope (a second one could meet a non-object).
          const changed = new Map(changes.map(([at, how]) => [at % n, how]));
          for (const [at, how] of changed) items[at] = breakers[how]?.(items[at] as Record<string, unknown>);
          const body = `${ws}[${ws}${items.map((x) => JSON.stringify(x)).join(`${ws},${ws}`)}${ws}]${ws}`;
          assert.deepEqual(await sliced(body), whole(body));
        },
      ),
      { numRuns: 25 },
    );
  });

  it("leaves to the whole-body decoder what it would answer differently", async () => {
    const items = envelopes(2 * SLICE_ENTRIES + 10).map((x) => JSON.stringify(x));
    const valid = `[${items.join(",")}]`;
    // The last entry's `specversion` value made a bad literal: the scan locates values, JSON.parse rejects it.
    const badLast = (list: string[]) =>
      `[${[...list.slice(0, -1), (list.at(-1) ?? "").replace('"specversion":"1.0"', '"specversion":tru')].join(",")}]`;
    const cases: Record<string, [string, Record<string, string>]> = {
      "a syntax error inside a later slice": [badLast(items), BATCH],
      "a syntax error in an entry alone in its slice": [badLast(items.slice(0, 2 * SLICE_ENTRIES + 1)), BATCH],
      "text after the array": [`${valid} x`, BATCH],
      "a batch too small to slice": [`[${items.slice(0, MIN_SLICED_ENTRIES - 1).join(",")}]`, BATCH],
      "an array sent as one CloudEvent": [valid, { "content-type": "application/cloudevents+json" }],
      "an array sent as a bare CDEvent": [valid, { "content-type": "application/json" }],
      "not an array": [items[0] ?? "", BATCH],
    };
    for (const [name, [body, headers]] of Object.entries(cases)) assert.equal(await sliced(body, headers), null, name);
    // The syntax cases are what they claim: decoded whole, the body fails on JSON syntax.
    for (const name of ["a syntax error inside a later slice", "a syntax error in an entry alone in its slice"]) {
      const [entry] = whole(...(cases[name] as [string, Record<string, string>]));
      assert.ok(entry && !entry.result.ok && entry.result.issues.some((i) => i.code === IssueCode.JsonSyntax), name);
    }
    assert.deepEqual(await sliced(valid), whole(valid));
  });

  describe("through the hub", () => {
    let t: TestHub;
    before(async () => {
      t = await startTestHub();
    });
    after(() => t.stop());

    it("stores every entry of a sliced batch verbatim and names a failing entry by its place in the batch", async () => {
      const items = envelopes(3 * SLICE_ENTRIES);
      const last = items.at(-1);
      const body = `[${items.map((x) => JSON.stringify(x)).join(",\n")}]`;
      const ok = await post(t.url, body, BATCH);
      assert.equal(ok.status, 202);
      assert.equal(ok.json.stored, items.length);
      for (const e of [items[0], items[SLICE_ENTRIES + 1], last] as Record<string, unknown>[])
        assert.equal(await rawEvent(t, String(e.source), String(e.id)), JSON.stringify(e.data));

      const broken = envelopes(3 * SLICE_ENTRIES);
      const at = 2 * SLICE_ENTRIES + 5;
      const { id: _, ...noId } = broken[at] as Record<string, unknown>;
      broken[at] = noId;
      const bad = await post(t.url, JSON.stringify(broken), BATCH);
      assert.equal(bad.status, 400);
      const entries = (bad.json.error as { entries: { index: number; issues: { path: string }[] }[] }).entries;
      assert.deepEqual(
        entries.map((e) => e.index),
        [at],
      );
      assert.ok(entries[0]?.issues.length);
      assert.ok(entries[0].issues.every((i) => i.path.startsWith(`/${at}`)));
    });
  });
});
