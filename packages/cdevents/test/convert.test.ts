import assert from "node:assert/strict";
import { test } from "node:test";
import { convert, createEvent, parse } from "../src/index.ts";
import { allExamples, needSpec } from "./spec-files.ts";

const sorted = (x: unknown): unknown =>
  Array.isArray(x)
    ? x.map(sorted)
    : x && typeof x === "object"
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, sorted((x as Record<string, unknown>)[k])]),
        )
      : x;

test("0.4.1 → 0.5.1 renames version, drops subject.type, url → uri, pass → success", () => {
  const e = {
    context: {
      version: "0.4.1",
      id: "1",
      source: "/s",
      type: "dev.cdevents.testsuiterun.finished.0.2.0",
      timestamp: "2026-01-01T00:00:00Z",
    },
    subject: { id: "ts", type: "testSuiteRun", content: { outcome: "pass", environment: { id: "prod" } } },
  };
  const r = convert(e, { to: "0.5.1" });
  assert.ok(r.ok);
  assert.deepEqual(r.event, {
    context: {
      specversion: "0.5.1",
      id: "1",
      source: "/s",
      type: "dev.cdevents.testsuiterun.finished.0.3.0",
      timestamp: "2026-01-01T00:00:00Z",
    },
    subject: { id: "ts", content: { outcome: "success", environment: { id: "prod" } } },
  });
  const back = convert(r.event, { to: "0.4.1" });
  assert.ok(back.ok);
  assert.deepEqual(sorted(back.event), sorted(e));
  assert.equal(e.subject.content.outcome, "pass", "input untouched");
});

test("nested renames: testsuiterun.queued testSuite.url ↔ testSuite.uri", () => {
  const e = createEvent("dev.cdevents.testsuiterun.queued.0.3.0", {
    source: "/t",
    subject: { id: "q", content: { environment: { id: "dev" }, testSuite: { id: "s", uri: "https://t/s" } } },
  });
  const down = convert(e, { to: "0.4.1" });
  assert.ok(down.ok);
  assert.deepEqual((down.event.subject as { content: unknown }).content, {
    environment: { id: "dev" },
    testSuite: { id: "s", url: "https://t/s" },
  });
});

test("a free-text outcome that 0.5.1's enum cannot hold is a loss, refused unless allowed", () => {
  const e = createEvent("dev.cdevents.pipelinerun.finished.0.2.0", {
    source: "/ci",
    subject: { id: "p", content: { outcome: "ok-ish", url: "https://ci/p" } },
  });
  const refused = convert(e, { to: "0.5.1" });
  assert.ok(!refused.ok);
  assert.equal(refused.issues[0]?.code, "lossy");
  assert.equal(refused.issues[0]?.path, "/subject/content/outcome");
  const allowed = convert(e, { to: "0.5.1", allowLoss: true });
  assert.ok(allowed.ok);
  assert.deepEqual(
    allowed.lost.map((l) => l.path),
    ["/subject/content/outcome"],
  );
  assert.deepEqual((allowed.event.subject as { content: unknown }).content, { uri: "https://ci/p" });
});

test("down to 0.3.0 loses links, chainId, schemaUri and newer content; types missing there cannot convert", () => {
  const e = createEvent("dev.cdevents.change.created.0.4.0", {
    source: "/scm",
    chainId: "c",
    subject: { id: "pr", content: { description: "d", repository: { id: "r" } } },
  });
  const refused = convert(e, { to: "0.3.0" });
  assert.ok(!refused.ok);
  assert.deepEqual(refused.issues.map((i) => i.path).sort(), ["/context/chainId", "/subject/content/description"]);
  const r = convert(e, { to: "0.3.0", allowLoss: true });
  assert.ok(r.ok && parse(r.event).ok);
  const ticket = createEvent("dev.cdevents.ticket.created.0.2.0", {
    source: "/j",
    subject: { id: "t", content: { summary: "s", creator: "me", uri: "https://j/t" } },
  });
  const none = convert(ticket, { to: "0.3.0", allowLoss: true });
  assert.ok(!none.ok);
  assert.match(none.issues[0]?.message ?? "", /does not exist in spec 0.3.0/);
});

test("every official example converts to every release and back without loss where the target can hold it", (t) => {
  if (!needSpec(t)) return;
  let conversions = 0;
  for (const ex of allExamples()) {
    if (ex.file.includes("/custom/")) continue;
    for (const to of ["0.3.0", "0.4.1", "0.5.1"] as const) {
      const r = convert(ex.json, { to, allowLoss: true });
      if (!r.ok) {
        assert.match(r.issues[0]?.message ?? "", /does not exist in spec 0.3.0/, ex.file);
        continue;
      }
      conversions++;
      assert.ok(parse(r.event).ok, `${ex.file} → ${to} is valid`);
      if (r.lost.length > 0) continue;
      const back = convert(r.event, { to: ex.release as "0.3.0" | "0.4.1" | "0.5.1" });
      assert.ok(back.ok, `${ex.file} → ${to} → back`);
      assert.deepEqual(sorted(back.event), sorted(ex.json), `${ex.file} → ${to} → back is lossless`);
    }
  }
  assert.ok(conversions > 300);
});
