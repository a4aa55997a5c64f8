/**
 * `cairn subscriptions`: manages a hub's subscriptions through its Subscriptions API — list, get one, create,
 * replace and delete (see `resource-command.ts`), with a table row summarising each subscription's filters.
 * @module
 */
import type { Command } from "../command.ts";
import { DEFAULT_HUB } from "../hub-flags.ts";
import { resourceCommand } from "../resource-command.ts";
import { cellText, shorten } from "../table.ts";

const HELP = `Usage: cairn subscriptions [list] [options]
       cairn subscriptions get ID [options]
       cairn subscriptions create --file FILE|- [options]
       cairn subscriptions update ID --file FILE|- [options]
       cairn subscriptions delete ID [options]

Manages the subscriptions of a Cairn hub (cairn serve): which events it delivers where, and how. A subscription
is a CloudEvents Subscriptions API resource plus Cairn's delivery policy (docs/router.md), written as JSON:

  {
    "sink": "https://hooks.example/cdevents",
    "protocol": "HTTP",
    "filters": [
      { "cdevents": { "subject": "service", "predicate": "deployed", "versions": "0.x" } },
      { "sql": "subject LIKE 'prod/%'" }
    ],
    "delivery": { "retry": 5, "deadLetterSink": "https://dlq.example/in" }
  }

  list            every subscription (the default): id, sink, protocol, a summary of its filters, and where it
                  was declared (api, or config: the hub's config file, read-only here)
  get ID          one subscription, as indented JSON
  create          creates the subscription in --file (the hub assigns its id) and prints it as the hub stored
                  it: defaults applied, durations in milliseconds, credential secrets removed
  update ID       replaces subscription ID with the one in --file (members left out take their defaults), or
                  creates it with that id; the output of get can be edited and sent back as it is
  delete ID       deletes a subscription and its queued deliveries (its dead letters stay)

Options:
  --hub URL              the hub (default $CAIRN_HUB, else ${DEFAULT_HUB})
  --token TOKEN          an API token (default $CAIRN_TOKEN): the read scope to list and get, admin to change
  -f, --file FILE        the subscription (create, update); - reads it from stdin
  --json                 print the hub's JSON as received
  --jsonl                list: one subscription per line
  --timeout MS           give up on a request after MS milliseconds (default 30000)
  --verbose              show stack traces of unexpected errors
  -h, --help             show this help

Examples:
  cairn subscriptions
  cairn subscriptions create --file deploys.json
  echo '{"sink": "http://127.0.0.1:9000/", "protocol": "HTTP"}' | cairn subscriptions create -f -
  cairn subscriptions get 0b7c… > sub.json && $EDITOR sub.json && cairn subscriptions update 0b7c… -f sub.json
  cairn subscriptions delete 0b7c… --token "$ADMIN_TOKEN"

Exit status: 0 ok; 1 when the hub refuses the request — an invalid subscription lists every problem on its own
line as "path: message" (a CESQL filter's with its line and column) — or cannot be reached, or the file cannot be
read; 2 on usage errors.`;

/** The `subscriptions` command. */
export const subscriptions: Command = resourceCommand({
  command: "subscriptions",
  noun: "subscription",
  api: "api/v1/subscriptions",
  help: HELP,
  columns: [{ header: "ID" }, { header: "SINK" }, { header: "PROTOCOL" }, { header: "FILTERS" }, { header: "ORIGIN" }],
  cells: subscriptionCells,
  hubAssignsIds: true,
});

/** The table cells of a subscription. */
function subscriptionCells(s: Readonly<Record<string, unknown>>): string[] {
  return [cellText(s.id), cellText(s.sink), cellText(s.protocol), filterSummary(s), cellText(s.origin)];
}

const SUMMARY_CHARS = 60;

/** What a subscription selects, on one line: its `source`, `types` and `filters`, ANDed. */
export function filterSummary(s: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  if (typeof s.source === "string") parts.push(`source=${s.source}`);
  if (Array.isArray(s.types) && s.types.length === 1) parts.push(`type=${cellText(s.types[0])}`);
  else if (Array.isArray(s.types) && s.types.length > 1) parts.push(`type in (${s.types.map(cellText).join(", ")})`);
  if (Array.isArray(s.filters)) for (const f of s.filters) parts.push(filterText(f));
  return parts.length === 0 ? "(every event)" : shorten(parts.join(" AND "), SUMMARY_CHARS);
}

const MATCH: Readonly<Record<string, (name: string, value: string) => string>> = {
  exact: (name, value) => `${name}=${value}`,
  prefix: (name, value) => `${name}=${value}*`,
  suffix: (name, value) => `${name}=*${value}`,
};

// One filter of the Subscriptions API's dialects (or Cairn's `cdevents`), compactly.
function filterText(filter: unknown): string {
  const entries = typeof filter === "object" && filter !== null ? Object.entries(filter) : [];
  const [dialect, value] = entries[0] ?? ["", undefined];
  if (entries.length !== 1) return cellText(filter);
  const match = MATCH[dialect];
  if (match && typeof value === "object" && value !== null) {
    const atoms = Object.entries(value).map(([name, v]) => match(name, cellText(v)));
    return atoms.length === 1 ? (atoms[0] ?? "") : `(${atoms.join(" AND ")})`;
  }
  if ((dialect === "sql" || dialect === "cesql") && typeof value === "string") return `sql(${value})`;
  if ((dialect === "all" || dialect === "any") && Array.isArray(value))
    return `${dialect}(${value.map(filterText).join(", ")})`;
  if (dialect === "not") return `not(${filterText(value)})`;
  if (dialect === "cdevents" && typeof value === "object" && value !== null) {
    const c = value as { subject?: unknown; predicate?: unknown; versions?: unknown };
    const versions = typeof c.versions === "string" && c.versions !== "" ? ` ${c.versions}` : "";
    return `cdevents(${cellText(c.subject ?? "*")}.${cellText(c.predicate ?? "*")}${versions})`;
  }
  return cellText(filter);
}
