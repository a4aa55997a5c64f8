/**
 * Replies: only a 200 carrying one CloudEvent with a valid CDEvent is a reply; loop protection by hop count (and
 * Knative's TTL).
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createEvent, toHttp } from "@cairn/cdevents";
import {
  DEFAULT_MAX_HOPS,
  decodeReply,
  HOPS_EXTENSION,
  isReplyCloudEvent,
  KNATIVE_TTL_EXTENSION,
  replyExtensions,
} from "../src/index.ts";

const reply = createEvent("dev.cdevents.build.started.0.3.0", { source: "/builder", subject: { id: "b7" } });

describe("decodeReply", () => {
  test("200 with a binary or structured CloudEvent carrying a CDEvent is a reply", () => {
    for (const mode of ["binary", "structured"] as const) {
      const m = toHttp(reply, { mode });
      const d = decodeReply(200, m.headers, m.body);
      assert.ok(d.reply, mode);
      assert.equal(d.cloudEvent.id, reply.context.id);
      assert.deepEqual(d.cdevent, reply);
      assert.equal(isReplyCloudEvent(200, m.headers, new TextEncoder().encode(m.body)), true);
    }
  });

  test("202 and every other status are never replies", () => {
    const m = toHttp(reply);
    for (const status of [201, 202, 204, 400, 500]) {
      const d = decodeReply(status, m.headers, m.body);
      assert.deepEqual(d, { reply: false, reason: "status", issues: [] }, String(status));
    }
  });

  test("bodies that are not a CloudEvent carrying a CDEvent", () => {
    const reason = (headers: Record<string, string>, body: string) => {
      const d = decodeReply(200, headers, body);
      return d.reply ? "reply" : d.reason;
    };
    assert.equal(reason({}, ""), "empty");
    assert.equal(reason({ "content-type": "application/json" }, "  \n"), "empty");
    assert.equal(reason({ "content-type": "text/plain" }, "ok"), "not_cloudevent");
    assert.equal(
      reason({ "content-type": "application/json" }, JSON.stringify(reply)),
      "not_cloudevent",
      "a bare CDEvent",
    );
    assert.equal(reason({ "content-type": "application/json" }, '{"status":"ok"}'), "not_cloudevent");
    const binary = toHttp(reply).headers;
    assert.equal(reason({ ...binary, "content-type": "text/plain" }, "hello"), "not_cloudevent");
    assert.equal(reason(binary, "{not json"), "not_cloudevent");
    const batch = { "content-type": "application/cloudevents-batch+json" };
    assert.equal(reason(batch, JSON.stringify([JSON.parse(toHttp(reply, { mode: "structured" }).body)])), "batch");
    assert.equal(reason(batch, "[]"), "batch");
  });

  test("a CloudEvent whose CDEvent does not validate is refused with the SDK's issues", () => {
    const broken = structuredClone(reply) as unknown as { subject: { content: Record<string, unknown> } };
    broken.subject.content = { unexpected: true };
    const m = toHttp(broken as unknown as typeof reply);
    const d = decodeReply(200, m.headers, m.body);
    assert.ok(!d.reply);
    assert.equal(d.reason, "invalid_cdevent");
    assert.ok(d.issues.length > 0);
  });
});

describe("replyExtensions", () => {
  test("hops: absent counts as 0; each reply adds one; up to the maximum", () => {
    assert.deepEqual(replyExtensions({}), { ok: true, extensions: { [HOPS_EXTENSION]: 1 } });
    assert.deepEqual(replyExtensions({ cairnhops: 4 }), { ok: true, extensions: { cairnhops: 5 } });
    assert.deepEqual(
      replyExtensions({ cairnhops: "4" }),
      { ok: true, extensions: { cairnhops: 5 } },
      "binary mode stores text",
    );
    assert.equal(replyExtensions({ cairnhops: DEFAULT_MAX_HOPS - 1 }).ok, true);
    const stopped = replyExtensions({ cairnhops: DEFAULT_MAX_HOPS });
    assert.equal(!stopped.ok && stopped.reason, "hops_exceeded");
    assert.equal(replyExtensions({ cairnhops: 2 }, {}, 2).ok, false);
  });

  test("a reply cannot reset the count by copying the original's attributes; it can raise it", () => {
    assert.deepEqual(replyExtensions({ cairnhops: 3 }, { cairnhops: 0 }), { ok: true, extensions: { cairnhops: 4 } });
    assert.deepEqual(replyExtensions({ cairnhops: 3 }, { cairnhops: 3 }), { ok: true, extensions: { cairnhops: 4 } });
    assert.deepEqual(replyExtensions({ cairnhops: 3 }, { cairnhops: 10 }), { ok: true, extensions: { cairnhops: 10 } });
  });

  test("unreadable counters count as absent", () => {
    for (const v of ["x", -1, 1.5, "1e3", true])
      assert.deepEqual(replyExtensions({ cairnhops: v }), { ok: true, extensions: { cairnhops: 1 } }, String(v));
  });

  test("Knative's TTL is decremented and stops the loop at 0", () => {
    assert.deepEqual(replyExtensions({ [KNATIVE_TTL_EXTENSION]: 255 }), {
      ok: true,
      extensions: { cairnhops: 1, knativebrokerttl: 254 },
    });
    const exhausted = replyExtensions({ knativebrokerttl: "1" });
    assert.equal(!exhausted.ok && exhausted.reason, "ttl_exhausted");
    assert.deepEqual(replyExtensions({ knativebrokerttl: 10 }, { knativebrokerttl: 3 }), {
      ok: true,
      extensions: { cairnhops: 1, knativebrokerttl: 3 },
    });
  });
});
