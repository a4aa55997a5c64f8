/**
 * Helpers of the correlation tests: a trigger joining a build and a deployment of the same `subject.id`, events
 * to send, and reading what the hub emitted.
 * @module
 */
import assert from "node:assert/strict";
import { type CDEvent, createEvent } from "@cairn/cdevents";
import { buildFinished } from "./hub-helpers.ts";
import { call, eventually } from "./router-helpers.ts";

/** The emitted event type of {@link shipTrigger}. */
export const SHIPPED = "dev.cdeventsx.cairn-release.shipped.0.1.0";

/** A trigger: a build and a deployment of the same `subject.id` within `within` → SHIPPED, and a sink. */
export function shipTrigger(id: string, within: number | string, sink?: string): Record<string, unknown> {
  return {
    id,
    correlateBy: "/subject/id",
    within,
    dependencies: [
      { name: "built", filters: [{ cdevents: { subject: "build", predicate: "finished" } }] },
      { name: "deployed", filters: [{ cdevents: { subject: "service", predicate: "deployed" } }], select: "first" },
    ],
    emit: { type: SHIPPED, source: `/cairn/triggers/${id}` },
    ...(sink ? { sink: { url: sink, delivery: { backoffDelay: 20, backoffMax: 200, jitter: 0 } } } : {}),
  };
}

/** A service.deployed event of `subjectId`. */
export function deployed(subjectId: string, source = "/cd"): CDEvent {
  return createEvent("dev.cdevents.service.deployed.0.2.0", {
    source,
    subject: { id: subjectId, content: { environment: { id: "prod" }, artifactId: "pkg:npm/cairn@1.0.0" } },
  }) as CDEvent;
}

/** A build.finished event of `subjectId`. */
export function built(subjectId: string, source = "/ci"): CDEvent {
  return buildFinished({ subjectId, source });
}

/** The emitted events of a trigger, oldest first (at most 1000). */
export async function emitted(base: string, triggerId: string): Promise<Record<string, unknown>[]> {
  const q = new URLSearchParams({ source: `/cairn/triggers/${triggerId}`, order: "asc", limit: "1000" });
  const r = await call(base, "GET", `/api/v1/events?${q}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.events as Record<string, unknown>[];
}

/** Waits until the hub has correlated every event up to `sequence` and emitted every firing. */
export async function settled(base: string, sequence: number): Promise<void> {
  await eventually(
    async () => {
      const { correlation } = (await call(base, "GET", "/api/v1/admin/status")).json;
      return correlation.cursor >= sequence && correlation.pending === 0;
    },
    10_000,
    `correlation past ${sequence}`,
  );
}
