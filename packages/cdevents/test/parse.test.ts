import assert from "node:assert/strict";
import { test } from "node:test";
import { createCDEvents, isCDEventsError, parse, toCloudEvent, validate } from "../src/index.ts";

const event = (content: Record<string, unknown>, id = "e-1") => ({
  context: {
    specversion: "0.5.1",
    id,
    source: "/cairn/test",
    type: "dev.cdevents.build.finished.0.3.0",
    timestamp: "2026-03-01T10:00:00.123456789+01:00",
  },
  subject: { id: "b-1", content },
});

test("parsing an event with a field and then one without it never carries the field over", () => {
  const withField = parse(JSON.stringify(event({ artifactId: "pkg:npm/a@1" })));
  const without = parse(JSON.stringify(event({})));
  assert.ok(withField.ok && without.ok);
  assert.deepEqual(without.event.subject, { id: "b-1", content: {} });
  assert.equal((withField.event.subject.content as { artifactId?: string }).artifactId, "pkg:npm/a@1");
});

test("concurrent parses do not interfere", async () => {
  const inputs = Array.from({ length: 200 }, (_, i) =>
    JSON.stringify(event(i % 2 ? { artifactId: `pkg:npm/a@${i}` } : {}, `id-${i}`)),
  );
  const results = await Promise.all(inputs.map(async (t) => parse(t)));
  results.forEach((r, i) => {
    assert.ok(r.ok);
    assert.equal(r.event.context.id, `id-${i}`);
    assert.equal((r.event.subject.content as { artifactId?: string }).artifactId, i % 2 ? `pkg:npm/a@${i}` : undefined);
  });
});

test("timestamps keep their original string, nanoseconds and offset included", () => {
  const r = parse(JSON.stringify(event({})));
  assert.ok(r.ok);
  assert.equal(r.event.context.timestamp, "2026-03-01T10:00:00.123456789+01:00");
});

test("text, bytes, ArrayBuffer, BOM and objects are all accepted", () => {
  const text = JSON.stringify(event({}));
  const bytes = new TextEncoder().encode(text);
  for (const input of [
    text,
    bytes,
    bytes.buffer,
    `\uFEFF${text}`,
    new TextEncoder().encode(`\uFEFF${text}`),
    event({}),
  ]) {
    const r = parse(input as string);
    assert.ok(r.ok, JSON.stringify(r));
  }
});

test("invalid UTF-8 is a clear error", () => {
  const r = parse(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
  assert.ok(!r.ok);
  assert.equal(r.issues[0]?.code, "json_syntax");
  assert.match(r.issues[0]?.message ?? "", /UTF-8/);
});

test("validate() is parse() on an object, and failures carry the type", () => {
  const bad = event({ artifactId: 1 });
  const r = validate(bad);
  assert.ok(!r.ok);
  assert.equal(r.type, "dev.cdevents.build.finished.0.3.0");
});

test("the result's type narrows the event at compile time", () => {
  const r = parse(JSON.stringify(event({ artifactId: "pkg:npm/a@1" })));
  if (r.ok && r.type === "dev.cdevents.build.finished.0.3.0") {
    const artifact: string | undefined = r.event.subject.content.artifactId;
    assert.equal(artifact, "pkg:npm/a@1");
    // @ts-expect-error a build.finished content has no taskName
    assert.equal(r.event.subject.content.taskName, undefined);
  } else assert.fail("expected build.finished");
});

test("0.4.1 results narrow to the 0.4.1 envelope (version, subject.type)", () => {
  const r = parse({
    context: {
      version: "0.4.1",
      id: "1",
      source: "/s",
      type: "dev.cdevents.taskrun.started.0.2.0",
      timestamp: "2026-01-01T00:00:00Z",
    },
    subject: { id: "t", type: "taskRun", content: { url: "https://ci/x" } },
  });
  assert.ok(r.ok && r.type === "dev.cdevents.taskrun.started.0.2.0");
  const t: "taskRun" = r.event.subject.type;
  const url: string | undefined = r.event.subject.content.url;
  const version: string = r.event.context.version;
  assert.deepEqual([t, url, version], ["taskRun", "https://ci/x", "0.4.1"]);
});

const strict = { type: "object", required: ["customData"] };
const withUri = (uri: string) => ({ ...event({}), context: { ...event({}).context, schemaUri: uri } });

test("schemaUri: a configured fetcher fetches once, caches, and validates", async () => {
  let calls = 0;
  const kit = createCDEvents({
    fetchSchemas: {
      allow: ["https://schemas.example.com/"],
      fetch: async () => {
        calls++;
        return strict;
      },
    },
  });
  const uri = "https://schemas.example.com/strict";
  const sync = kit.parse(withUri(uri));
  assert.ok(!sync.ok && sync.issues[0]?.code === "schema_unresolved", "sync parse does not fetch");
  const [a, b] = await Promise.all([kit.parseAsync(withUri(uri)), kit.parseAsync(withUri(uri))]);
  assert.ok(!a.ok && a.issues.some((i) => i.path === "/customData"));
  assert.ok(!b.ok);
  const good = await kit.parseAsync({ ...withUri(uri), customData: { x: 1 } });
  assert.ok(good.ok && good.schemaUri === "checked");
  assert.ok(kit.parse({ ...withUri(uri), customData: { x: 1 } }).ok, "cached: sync parse now checks it");
  assert.equal(calls, 1);
});

test("schemaUri: outside the allow-list, or failing to fetch, is an error when a fetcher is configured", async () => {
  const kit = createCDEvents({
    fetchSchemas: {
      allow: [/^https:\/\/ok\.example\.com\//],
      fetch: async (uri) => {
        throw new Error(`503 for ${uri}`);
      },
    },
  });
  const denied = await kit.parseAsync(withUri("https://evil.example.com/s"));
  assert.ok(!denied.ok);
  assert.match(denied.issues[0]?.message ?? "", /allow-list/);
  const broken = await kit.parseAsync(withUri("https://ok.example.com/s"));
  assert.ok(!broken.ok);
  assert.equal(broken.issues[0]?.code, "schema_unresolved");
  assert.match(broken.issues[0]?.message ?? "", /503/);
});

test("schemaUri: offline default says the schema was not checked", () => {
  const r = parse(withUri("https://schemas.example.com/strict"));
  assert.ok(r.ok);
  assert.equal(r.schemaUri, "unchecked");
  assert.match(r.notes[0] ?? "", /not checked/);
});

test("parseHttp: one entry per event, whole-message failures keep their issues, 415 is flagged", () => {
  const kit = createCDEvents();
  const single = kit.parseHttp({ headers: { "content-type": "application/json" }, body: "{bad" });
  assert.equal(single.ok, false);
  assert.equal(single.entries.length, 1);
  const [entry] = single.entries;
  assert.ok(entry && !entry.result.ok && entry.result.issues[0]?.code === "json_syntax");
  assert.equal(entry.mode, null);
  const good = event({ artifactId: "pkg:npm/a@1" });
  const bad = event({ artifactId: 3 }, "e-2");
  const envelope = (e: ReturnType<typeof event>) => ({
    specversion: "1.0",
    id: e.context.id,
    source: e.context.source,
    type: e.context.type,
    subject: e.subject.id,
    time: e.context.timestamp,
    datacontenttype: "application/json",
    data: e,
  });
  const batch = kit.parseHttp({
    headers: { "content-type": "application/cloudevents-batch+json" },
    body: JSON.stringify([envelope(good), envelope(bad), { specversion: "1.0" }]),
  });
  assert.deepEqual(
    batch.entries.map((e) => [e.index, e.mode, e.result.ok]),
    [
      [0, "batch", true],
      [1, "batch", false],
      [2, null, false],
    ],
  );
  const empty = kit.parseHttp({ headers: { "content-type": "application/cloudevents-batch+json" }, body: "[]" });
  assert.deepEqual([empty.ok, empty.entries.length, empty.issues.length], [true, 0, 0], "an empty batch is valid");
  const unsupported = kit.parseHttp({ headers: { "content-type": "text/plain" }, body: "x" });
  assert.ok(unsupported.unsupportedMediaType && unsupported.issues[0]?.path === "header:content-type");
});

test("CloudEvent objects are accepted in Cairn's typed form and in the JSON format (inline extensions, data_base64)", () => {
  const e = event({ artifactId: "pkg:npm/a@1" });
  const typed = toCloudEvent(e, { extensions: { partitionkey: "k" } });
  assert.ok(parse(typed).ok);
  const { extensions: _, ...attributes } = typed;
  assert.ok(parse({ ...attributes, partitionkey: "k" }).ok);
  const b64 = btoa(JSON.stringify(e));
  const r = parse({
    specversion: "1.0",
    id: e.context.id,
    source: e.context.source,
    type: e.context.type,
    data_base64: b64,
  });
  assert.ok(r.ok && r.event.context.id === "e-1");
  const mismatch = parse({ ...typed, id: "other" });
  assert.ok(!mismatch.ok && mismatch.issues[0]?.code === "binding" && mismatch.issues[0].path === "/id");
});

test("registering content for a string that is not a custom type is a CDEventsError naming the grammar", () => {
  const kit = createCDEvents();
  assert.throws(
    () => kit.registerCustomContent("dev.cdeventsx.my_tool-widget.created.0.1.0", { type: "object" }),
    (e: unknown) => isCDEventsError(e) && e.code === "CAIRN_ERR_INVALID_ARGUMENT" && /<tool>-<subject>/.test(e.message),
  );
  assert.throws(
    () =>
      kit.registerCustomContent("dev.cdeventsx.mytool-widget.created.0.1.0", { type: "object", dependentSchemas: {} }),
    /unsupported JSON Schema keyword "dependentSchemas"/,
  );
});
