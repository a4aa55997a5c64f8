/**
 * What the embedded engine adds to subscription validation: the protocols it cannot deliver yet, and subscriptions
 * declared in the config file (validated at start, each problem naming `subscriptions[i]…`).
 * @module
 */
import { type Issue, IssueCode, type Subscription, validateSubscription } from "@cairn/router";

/** Issues for what the embedded engine cannot deliver yet (NATS). */
export function engineIssues(subscription: Subscription): Issue[] {
  if (subscription.protocol !== "NATS") return [];
  return [
    {
      path: "/protocol",
      code: IssueCode.UnsupportedProtocol,
      message: "NATS is not supported yet by the embedded engine; use HTTP",
    },
  ];
}

/** A problem of the config file's subscriptions: where (`[1]/sink`, after `subscriptions`) and what. */
export interface ConfigSubscriptionProblem {
  readonly at: string;
  readonly message: string;
}

/** The subscriptions of the config file (each needs its `id`), and every problem, located. */
export function configSubscriptions(raw: unknown): {
  subscriptions: Subscription[];
  problems: ConfigSubscriptionProblem[];
} {
  const problems: ConfigSubscriptionProblem[] = [];
  const subscriptions: Subscription[] = [];
  if (!Array.isArray(raw))
    return { subscriptions, problems: [{ at: "", message: "must be a list of subscriptions (each with an id)" }] };
  const ids = new Set<string>();
  raw.forEach((entry: unknown, i) => {
    const r = validateSubscription(entry);
    const issues = r.ok ? engineIssues(r.subscription) : r.issues;
    for (const issue of issues)
      problems.push({ at: `[${i}]${issue.path}`, message: `${issue.message} (${issue.code})` });
    if (!r.ok || issues.length > 0) return;
    if (ids.has(r.subscription.id))
      problems.push({ at: `[${i}]/id`, message: `${r.subscription.id} is declared twice` });
    ids.add(r.subscription.id);
    subscriptions.push(r.subscription);
  });
  return { subscriptions, problems };
}
