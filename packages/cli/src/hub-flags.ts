/**
 * Flags shared by the commands that talk to a hub (`events`, `tail`): where the hub is, the API token, and the
 * event filters, turned into the query parameters of the hub's API.
 * @module
 */
import { usageError } from "./errors.ts";

/** The hub's address when neither `--hub` nor `CAIRN_HUB` says otherwise (what `cairn serve` binds by default). */
export const DEFAULT_HUB = "http://127.0.0.1:8080";

/** `--hub URL` and `--token T`. */
export const HUB_OPTIONS = {
  hub: { type: "string" },
  token: { type: "string" },
} as const;

/** The event filters of the list, timeline and stream routes. */
export const FILTER_OPTIONS = {
  type: { type: "string", multiple: true },
  "type-prefix": { type: "string", multiple: true },
  subject: { type: "string" },
  predicate: { type: "string" },
  source: { type: "string" },
  "subject-id": { type: "string" },
  "chain-id": { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
} as const;

/** Filter flag → query parameter of the hub's API. */
const FILTER_PARAMS: Readonly<Record<keyof typeof FILTER_OPTIONS, string>> = {
  type: "type",
  "type-prefix": "typePrefix",
  subject: "subject",
  predicate: "predicate",
  source: "source",
  "subject-id": "subjectId",
  "chain-id": "chainId",
  from: "from",
  to: "to",
};

/** The help lines of {@link FILTER_OPTIONS}. */
export const FILTER_HELP = `  --type TYPE            exact type, e.g. dev.cdevents.build.finished.0.3.0; repeatable (any of them)
  --type-prefix PREFIX   type prefix, e.g. dev.cdevents.service.; repeatable
  --subject NAME         a subject in every version, e.g. build
  --predicate NAME       with --subject: one of its predicates, e.g. finished
  --source URI           context.source
  --subject-id ID        subject.id
  --chain-id ID          context.chainId
  --from TIME            event time at or after TIME (RFC 3339, or epoch milliseconds)
  --to TIME              event time before TIME`;

/** The help lines of {@link HUB_OPTIONS}. */
export const HUB_HELP = `  --hub URL              the hub (default $CAIRN_HUB, else ${DEFAULT_HUB})
  --token TOKEN          an API token with the read scope (default $CAIRN_TOKEN)`;

/** Where the hub is and how to authenticate. The token is only ever sent, never printed. */
export interface HubTarget {
  /** Base URL, ending in `/` so API paths resolve below any path prefix (a reverse proxy's). */
  readonly base: URL;
  readonly token: string | undefined;
}

/** The hub from `--hub`/`CAIRN_HUB` and the token from `--token`/`CAIRN_TOKEN`; a bad URL is a usage error. */
export function hubTarget(
  command: string,
  values: { readonly hub?: string | undefined; readonly token?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): HubTarget {
  const raw = values.hub ?? nonEmpty(env.CAIRN_HUB) ?? DEFAULT_HUB;
  const base = URL.parse(raw);
  if (base === null || (base.protocol !== "http:" && base.protocol !== "https:"))
    throw usageError(`the hub must be an http or https URL, got ${JSON.stringify(raw)}`, command);
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  base.search = "";
  base.hash = "";
  return { base, token: nonEmpty(values.token) ?? nonEmpty(env.CAIRN_TOKEN) };
}

/** The query parameters of the filter flags that were given. */
export function filterParams(values: Readonly<Record<string, unknown>>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [flag, param] of Object.entries(FILTER_PARAMS)) {
    const value = values[flag];
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === "string") params.append(param, v);
  }
  return params;
}

/** Throws a usage error when a flag that does not apply to `what` was given. */
export function rejectFlags(
  command: string,
  values: Readonly<Record<string, unknown>>,
  flags: readonly string[],
  what: string,
): void {
  const given = flags.find((f) => values[f] !== undefined);
  if (given !== undefined) throw usageError(`--${given} does not apply to ${what}`, command);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === "" ? undefined : s;
}
