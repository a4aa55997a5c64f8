/**
 * `cairn triggers`: manages a hub's correlation triggers through its Triggers API — list, get one, create,
 * replace and delete (see `resource-command.ts`), with a table row summarising each trigger's join.
 * @module
 */
import type { Command } from "../command.ts";
import { DEFAULT_HUB } from "../hub-flags.ts";
import { resourceCommand } from "../resource-command.ts";
import { cellText, shorten } from "../table.ts";
import { filterSummary } from "./subscriptions.ts";

const HELP = `Usage: cairn triggers [list] [options]
       cairn triggers get ID [options]
       cairn triggers create --file FILE|- [options]
       cairn triggers update ID --file FILE|- [options]
       cairn triggers delete ID [options]

Manages the correlation triggers of a Cairn hub (cairn serve). A trigger joins events of named dependencies that
share a correlation key within a window, and fires once per key and window: it stores an event (emit) and/or
delivers it to a sink (docs/router.md, "Correlation triggers"). Written as JSON:

  {
    "id": "shipped",
    "correlateBy": "/subject/id",
    "within": "PT30M",
    "dependencies": [
      { "name": "built", "filters": [{ "cdevents": { "subject": "build", "predicate": "finished" } }] },
      { "name": "deployed", "filters": [{ "cdevents": { "subject": "service", "predicate": "deployed" } }] }
    ],
    "conditions": "built && deployed",
    "emit": { "type": "dev.cdeventsx.acme-release.shipped.0.1.0", "source": "/cairn/triggers/shipped" },
    "sink": { "url": "https://hooks.example/shipped" }
  }

  list            every trigger (the default): id, key, window, dependencies, condition, output, and where it was
                  declared (api, or config: the hub's config file, read-only here)
  get ID          one trigger, as indented JSON
  create          creates the trigger in --file (with the file's id, or one the hub assigns) and prints it as
                  the hub stored it: defaults applied, durations in milliseconds, credential secrets removed
  update ID       replaces trigger ID with the one in --file (its open windows are discarded); the output of get
                  can be edited and sent back as it is
  delete ID       deletes a trigger, its open windows and its sink's queued deliveries (emitted events stay)

Options:
  --hub URL              the hub (default $CAIRN_HUB, else ${DEFAULT_HUB})
  --token TOKEN          an API token (default $CAIRN_TOKEN): the read scope to list and get, admin to change
  -f, --file FILE        the trigger (create, update); - reads it from stdin
  --json                 print the hub's JSON as received
  --jsonl                list: one trigger per line
  --timeout MS           give up on a request after MS milliseconds (default 30000)
  --verbose              show stack traces of unexpected errors
  -h, --help             show this help

Examples:
  cairn triggers
  cairn triggers create --file shipped.json --token "$ADMIN_TOKEN"
  cairn triggers get shipped > t.json && $EDITOR t.json && cairn triggers update shipped -f t.json
  cairn triggers delete shipped

Exit status: 0 ok; 1 when the hub refuses the request — an invalid trigger lists every problem on its own line as
"path: message" (a condition's or CESQL filter's with its line and column) — or cannot be reached, or the file
cannot be read; 2 on usage errors.`;

/** The `triggers` command. */
export const triggers: Command = resourceCommand({
  command: "triggers",
  noun: "trigger",
  api: "api/v1/triggers",
  help: HELP,
  columns: [
    { header: "ID" },
    { header: "KEY" },
    { header: "WITHIN" },
    { header: "DEPENDENCIES" },
    { header: "CONDITIONS" },
    { header: "OUTPUT" },
    { header: "ORIGIN" },
  ],
  cells: triggerCells,
  hubAssignsIds: false,
});

const CELL_CHARS = 48;

/** The table cells of a trigger. */
function triggerCells(t: Readonly<Record<string, unknown>>): string[] {
  const deps = Array.isArray(t.dependencies) ? t.dependencies.map(dependencyText) : [];
  const conditions = typeof t.conditions === "string" ? t.conditions : "(all)";
  return [
    cellText(t.id),
    keyText(t),
    typeof t.within === "number" ? durationText(t.within) : cellText(t.within),
    shorten(deps.join(", "), CELL_CHARS),
    shorten(conditions, CELL_CHARS),
    outputText(t),
    cellText(t.origin),
  ];
}

// The trigger's key, and those of dependencies that key differently.
function keyText(t: Readonly<Record<string, unknown>>): string {
  const own = typeof t.correlateBy === "string" ? [t.correlateBy] : [];
  const deps = Array.isArray(t.dependencies) ? t.dependencies : [];
  const others = deps.flatMap((d: unknown) => {
    const key = (d as { correlateBy?: unknown } | null)?.correlateBy;
    return typeof key === "string" && !own.includes(key) ? [key] : [];
  });
  return shorten([...own, ...new Set(others)].join(" | "), CELL_CHARS);
}

// `name[select]: filters`.
function dependencyText(d: unknown): string {
  const dep = (typeof d === "object" && d !== null ? d : {}) as Record<string, unknown>;
  const select = typeof dep.select === "string" && dep.select !== "latest" ? `[${dep.select}]` : "";
  return `${cellText(dep.name)}${select}: ${filterSummary({ filters: dep.filters })}`;
}

function outputText(t: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  const emit = t.emit as { type?: unknown } | undefined;
  if (emit && typeof emit.type === "string") parts.push(`emit ${emit.type}`);
  const sink = t.sink as { url?: unknown } | undefined;
  if (sink && typeof sink.url === "string") parts.push(`→ ${sink.url}`);
  return shorten(parts.join(" "), CELL_CHARS);
}

/** Milliseconds as the largest whole unit: `30m`, `1500ms`, `2h`. */
export function durationText(ms: number): string {
  const units: readonly [string, number][] = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ];
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
