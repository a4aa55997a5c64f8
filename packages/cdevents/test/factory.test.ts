import assert from "node:assert/strict";
import { test } from "node:test";
import { CDEventsError, createEvent, isType, linkFromParent, parse, pinDefaults, relation } from "../src/index.ts";

test("factories fill id (UUID v4), timestamp and the spec-version member", () => {
  const e = createEvent("dev.cdevents.build.queued.0.3.0", { source: "/ci", subject: { id: "b1" } });
  assert.match(e.context.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.ok(!Number.isNaN(Date.parse(e.context.timestamp)));
  assert.equal(e.context.specversion, "0.5.1");
  assert.deepEqual(e.subject, { id: "b1", content: {} });
  assert.ok(parse(e).ok);
});

test("0.4.1 and 0.3.0 factories write version and subject.type", () => {
  const e = createEvent("dev.cdevents.taskrun.started.0.2.0", {
    source: "/ci",
    subject: { id: "t", content: { taskName: "x" } },
  });
  assert.equal(e.context.version, "0.4.1");
  assert.equal(e.subject.type, "taskRun");
  const old = createEvent("dev.cdevents.taskrun.started.0.1.1", { source: "/ci", subject: { id: "t" } });
  assert.equal(old.context.version, "0.3.0");
  assert.throws(
    () => createEvent("dev.cdevents.taskrun.started.0.1.1", { source: "/ci", chainId: "c", subject: { id: "t" } }),
    /no schemaUri, chainId or links/,
  );
});

test("defaults can be pinned for reproducible events; explicit values win", () => {
  const previous = pinDefaults({ id: () => "fixed-id", now: () => "2026-01-01T00:00:00Z" });
  try {
    const a = createEvent("dev.cdevents.build.queued.0.3.0", { source: "/ci", subject: { id: "b" } });
    assert.equal(a.context.id, "fixed-id");
    assert.equal(a.context.timestamp, "2026-01-01T00:00:00Z");
    const b = createEvent("dev.cdevents.build.queued.0.3.0", {
      source: "/ci",
      id: "mine",
      timestamp: "2026-02-02T02:02:02.000001Z",
      subject: { id: "b" },
    });
    assert.equal(b.context.id, "mine");
    assert.equal(b.context.timestamp, "2026-02-02T02:02:02.000001Z");
  } finally {
    pinDefaults(previous);
  }
});

test("required content is a compile-time error, and invalid values throw with issues", () => {
  const missing = () =>
    createEvent("dev.cdevents.service.deployed.0.3.0", {
      source: "/cd",
      // @ts-expect-error service.deployed requires environment and artifactId
      subject: { id: "svc", content: {} },
    });
  assert.throws(missing, /environment/);
  try {
    createEvent("dev.cdevents.pipelinerun.started.0.3.0", {
      source: "/ci",
      subject: { id: "p", content: { pipelineName: "main", uri: "not a uri" } },
    });
    assert.fail("should throw");
  } catch (e) {
    assert.ok(e instanceof CDEventsError);
    assert.equal(e.code, "CAIRN_ERR_INVALID_EVENT");
    assert.equal(e.issues[0]?.path, "/subject/content/uri");
  }
  // @ts-expect-error source is required: an event without a source cannot be built
  assert.throws(() => createEvent("dev.cdevents.build.queued.0.3.0", { subject: { id: "b" } }));
});

test("isType narrows a whole event", () => {
  const e: { context: { type: string } } = createEvent("dev.cdevents.build.finished.0.3.0", {
    source: "/ci",
    subject: { id: "b", content: { artifactId: "pkg:npm/x@1" } },
  });
  if (isType(e, "dev.cdevents.build.finished.0.3.0")) assert.equal(e.subject.content.artifactId, "pkg:npm/x@1");
  else assert.fail("not narrowed");
});

test("links: a child carries its parent's chain and a PATH link; a new chain starts when the parent has none", () => {
  const parent = createEvent("dev.cdevents.change.merged.0.3.0", {
    source: "/scm",
    chainId: "chain-1",
    subject: { id: "pr-1" },
  });
  const child = createEvent("dev.cdevents.build.queued.0.3.0", {
    source: "/ci",
    subject: { id: "b" },
    ...linkFromParent(parent),
  });
  assert.equal(child.context.chainId, "chain-1");
  assert.deepEqual(child.context.links, [{ linkType: "PATH", from: { contextId: parent.context.id } }]);
  const orphan = createEvent("dev.cdevents.build.queued.0.3.0", { source: "/ci", subject: { id: "b" } });
  const next = linkFromParent(orphan, { newChainId: () => "new-chain", end: true, tags: { why: "done" } });
  assert.equal(next.chainId, "new-chain");
  assert.deepEqual(next.links[0], { linkType: "END", from: { contextId: orphan.context.id }, tags: { why: "done" } });
  const rel = relation("ARTIFACT", parent);
  const withRel = createEvent("dev.cdevents.build.queued.0.3.0", { source: "/ci", subject: { id: "b" }, links: [rel] });
  assert.ok(parse(withRel).ok);
});
