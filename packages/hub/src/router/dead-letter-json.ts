/**
 * Dead letters as the API shows them, and as `DeliveryFailure`s for `deadLetterAttributes` (so the API, the
 * dead-letter sink and Knative tooling see the same `knativeerror*` and `cairn*` extensions).
 * @module
 */
import { type DeliveryFailure, deadLetterAttributes } from "@cairn/router";
import type { DeadLetter } from "./queue.ts";

/** The failure a dead letter records, for `deadLetterAttributes`/`buildDeadLetterRequest`. */
export function deliveryFailure(d: DeadLetter): DeliveryFailure {
  return {
    destination: d.sink,
    outcome: d.lastOutcome === "status" ? (d.lastStatus ?? 500) : d.lastOutcome,
    // A network error's message is kept as the snippet, but it is not a response body.
    ...(d.lastOutcome === "status" && d.responseSnippet !== null ? { responseBody: d.responseSnippet } : {}),
    attempts: d.attempts,
    reason: d.reason,
    firstFailureAt: d.firstFailureMs,
    lastFailureAt: d.lastFailureMs,
    subscriptionId: d.subscriptionId,
  };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A dead letter as JSON text; the CDEvent and its attributes are spliced in verbatim. */
export function deadLetterJson(d: DeadLetter): string {
  const meta = {
    id: d.id,
    subscription: d.subscriptionId,
    sequence: d.sequence,
    sink: d.sink,
    reason: d.reason,
    attempts: d.attempts,
    lastOutcome: d.lastOutcome,
    lastStatus: d.lastStatus,
    responseSnippet: d.responseSnippet,
    firstFailureAt: iso(d.firstFailureMs),
    lastFailureAt: iso(d.lastFailureMs),
    deadLetteredAt: iso(d.deadLetteredMs),
    receivedAt: iso(d.ingestedMs),
    state: d.state,
    replays: d.replays,
    replayedAt: iso(d.replayedMs),
    deadLetterSink: d.sinkResult,
    extensions: deadLetterAttributes(deliveryFailure(d)),
  };
  const head = JSON.stringify(meta);
  return `${head.slice(0, -1)},"cloudEvent":${d.attributes},"event":${d.body}}`;
}
