/**
 * Subscriptions declared in the config file: validated at start, each problem naming `subscriptions[i]…`.
 * @module
 */
import { type Subscription, validateSubscription } from "@cairn/router";

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
    if (!r.ok) {
      for (const issue of r.issues)
        problems.push({ at: `[${i}]${issue.path}`, message: `${issue.message} (${issue.code})` });
      return;
    }
    if (ids.has(r.subscription.id))
      problems.push({ at: `[${i}]/id`, message: `${r.subscription.id} is declared twice` });
    ids.add(r.subscription.id);
    subscriptions.push(r.subscription);
  });
  return { subscriptions, problems };
}
