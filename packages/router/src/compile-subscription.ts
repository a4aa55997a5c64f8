/**
 * A subscription compiled for matching: its implicit `source` and `types` constraints and its `filters`, as one
 * predicate and one filter tree (which the index reads).
 * @module
 */
import type { FunctionRegistry } from "@cairn/cesql";
import { RouterError, RouterErrorCode } from "./errors.ts";
import type { FilterNode } from "./filter-parse.ts";
import { compileFilters, compileNode, type EventPredicate } from "./filters.ts";
import type { Subscription } from "./subscription.ts";

/** A subscription ready for matching. */
export interface CompiledSubscription {
  readonly id: string;
  readonly subscription: Subscription;
  /**
   * Everything an event must pass, as one `all`: `source` as an `exact` filter, `types` as an `any` of `exact`
   * filters (when non-empty), then the `filters`.
   */
  readonly node: FilterNode;
  /** The predicate of {@link node}. Never throws. */
  readonly matches: EventPredicate;
}

/** Options of {@link compileSubscription}. */
export interface CompileSubscriptionOptions {
  /** CESQL functions available to `sql` filters (default: the built-ins). */
  readonly functions?: FunctionRegistry;
}

/**
 * Compiles a validated subscription.
 * @throws RouterError (`CAIRN_ERR_ROUTER_INVALID_SUBSCRIPTION`) when its filters do not validate (a subscription
 * stored by an older version, or built by hand rather than by `validateSubscription`).
 */
export function compileSubscription(
  subscription: Subscription,
  options: CompileSubscriptionOptions = {},
): CompiledSubscription {
  const r = compileFilters(
    subscription.filters,
    options.functions === undefined ? {} : { functions: options.functions },
  );
  if (!r.ok) {
    const message = `subscription ${subscription.id} has invalid filters: ${r.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
    throw new RouterError(RouterErrorCode.InvalidSubscription, message, { issues: r.issues });
  }
  const implicit: FilterNode[] = [];
  if (subscription.source !== undefined) implicit.push({ kind: "exact", entries: [["source", subscription.source]] });
  const types = subscription.types ?? [];
  if (types.length > 0)
    implicit.push({ kind: "any", children: types.map((t) => ({ kind: "exact", entries: [["type", t]] }) as const) });
  const node: FilterNode =
    implicit.length === 0 ? r.compiled.node : { kind: "all", children: [...implicit, r.compiled.node] };
  return { id: subscription.id, subscription, node, matches: compileNode(node) };
}
