/**
 * Shared helpers of the router tests: events, subscriptions that must validate, compiled filters.
 * @module
 */
import assert from "node:assert/strict";
import {
  type CompiledFilters,
  compileFilters,
  type EventAttributes,
  type Issue,
  type Subscription,
  validateSubscription,
} from "../src/index.ts";

/** A CloudEvent's attributes for a CDEvent of `type`, with `extra` attributes. */
export function ce(type: string, extra: Record<string, unknown> = {}): EventAttributes {
  return { specversion: "1.0", id: "e1", source: "https://ci.example/jobs", type, subject: "s1", ...extra };
}

/** Validates a subscription, failing the test on issues. */
export function valid(input: Record<string, unknown>): Subscription {
  const r = validateSubscription({ id: "s1", sink: "https://hooks.example/x", protocol: "HTTP", ...input });
  assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.issues, null, 2));
  return r.subscription;
}

/** The issues of an input that must be refused. */
export function refused(input: unknown): readonly Issue[] {
  const r = validateSubscription(input);
  assert.ok(!r.ok, "expected the subscription to be refused");
  return r.issues;
}

/** `path code` of each issue, for compact assertions. */
export function where(issues: readonly Issue[]): string[] {
  return issues.map((i) => `${i.path} ${i.code}`);
}

/** Compiles filters, failing the test on issues. */
export function filters(list: unknown[]): CompiledFilters {
  const r = compileFilters(list);
  assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.issues, null, 2));
  return r.compiled;
}

/** The verdict of `list` (ANDed) for an event. */
export function passes(list: unknown[], event: EventAttributes): boolean {
  return filters(list).matches(event);
}
