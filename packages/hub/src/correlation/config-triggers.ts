/**
 * Correlation triggers declared in the config file: validated at start, each problem naming `triggers[i]` and the
 * JSON Pointer inside it.
 * @module
 */
import { type Trigger, validateTrigger } from "@cairn/router";

/** A problem of the config file's triggers: where (`[1]/within`, after `triggers`) and what. */
export interface ConfigTriggerProblem {
  readonly at: string;
  readonly message: string;
}

/** The triggers of the config file (each needs its `id`), and every problem, located. */
export function configTriggers(raw: unknown): { triggers: Trigger[]; problems: ConfigTriggerProblem[] } {
  const problems: ConfigTriggerProblem[] = [];
  const triggers: Trigger[] = [];
  if (!Array.isArray(raw))
    return { triggers, problems: [{ at: "", message: "must be a list of triggers (each with an id)" }] };
  const ids = new Set<string>();
  raw.forEach((entry: unknown, i) => {
    const r = validateTrigger(entry);
    if (!r.ok) {
      for (const issue of r.issues)
        problems.push({ at: `[${i}]${issue.path}`, message: `${issue.message} (${issue.code})` });
      return;
    }
    if (ids.has(r.trigger.id)) problems.push({ at: `[${i}]/id`, message: `${r.trigger.id} is declared twice` });
    ids.add(r.trigger.id);
    triggers.push(r.trigger);
  });
  return { triggers, problems };
}
