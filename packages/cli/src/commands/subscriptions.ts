/**
 * `cairn subscriptions`: manages a hub's subscriptions through its Subscriptions API — list, get one, create,
 * replace and delete. Validation errors of the hub are shown one issue per line, each with its JSON Pointer path.
 * @module
 */
import { intFlag, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { CliError, ExitCode, usageError } from "../errors.ts";
import { type HubRequest, hubGetText, parseHubJson } from "../hub-client.ts";
import { DEFAULT_HUB, HUB_OPTIONS, type HubTarget, hubTarget, rejectFlags } from "../hub-flags.ts";
import { inputLabel, readInput } from "../input.ts";
import { type Io, Output } from "../io.ts";
import { cellText, shorten, Table } from "../table.ts";

const OPTIONS = {
  ...HUB_OPTIONS,
  file: { type: "string", short: "f" },
  json: { type: "boolean" },
  jsonl: { type: "boolean" },
  timeout: { type: "string", default: "30000" },
} as const;

const COMMAND = "subscriptions";
const SUB_COMMANDS = ["list", "get", "create", "update", "delete"];
const API = "api/v1/subscriptions";

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
  update ID       replaces subscription ID with the one in --file (members left out take their defaults); the
                  output of get can be edited and sent back as it is
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

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>["values"];

interface Context {
  readonly target: HubTarget;
  readonly values: Values;
  readonly timeoutMs: number;
  readonly out: Output;
  readonly io: Io;
}

/** The `subscriptions` command. */
export const subscriptions: Command = {
  help: HELP,
  async run(argv: readonly string[], io: Io) {
    const { values, positionals } = parseCommandArgs(COMMAND, argv, OPTIONS);
    const [sub = "list", ...rest] = positionals;
    if (values.json && values.jsonl) throw usageError("give --json or --jsonl, not both", COMMAND);
    const ctx: Context = {
      target: hubTarget(COMMAND, values, io.env),
      values,
      timeoutMs: intFlag(COMMAND, "--timeout", values.timeout, 2 ** 31 - 1),
      out: new Output(io),
      io,
    };
    if (!SUB_COMMANDS.includes(sub))
      throw usageError(`unknown sub-command ${sub}: use list, get, create, update or delete`, COMMAND);
    if (sub !== "list") rejectFlags(COMMAND, values, ["jsonl"], `subscriptions ${sub} (it is for list)`);
    if (sub !== "create" && sub !== "update")
      rejectFlags(COMMAND, values, ["file"], `subscriptions ${sub} (it is for create and update)`);
    switch (sub) {
      case "list":
        noArguments(rest);
        return list(ctx);
      case "get":
        return get(ctx, oneId(rest, "get"));
      case "create":
        noArguments(rest);
        return create(ctx);
      case "update":
        return update(ctx, oneId(rest, "update"));
      default:
        return remove(ctx, oneId(rest, "delete"));
    }
  },
};

async function list(ctx: Context): Promise<number> {
  const body = await call(ctx, API);
  const all = parseHubJson(body, "a list of subscriptions");
  if (!Array.isArray(all)) throw new CliError("the hub answered something that is not a list of subscriptions");
  const out = ctx.out;
  if (ctx.values.json) out.line(body);
  else if (ctx.values.jsonl) for (const s of all) out.jsonLine(s);
  else if (all.length === 0) out.line("no subscriptions");
  else {
    const table = new Table(out, [
      { header: "ID" },
      { header: "SINK" },
      { header: "PROTOCOL" },
      { header: "FILTERS" },
      { header: "ORIGIN" },
    ]);
    table.print(all.map(subscriptionCells));
  }
  return ExitCode.Ok;
}

async function get(ctx: Context, id: string): Promise<number> {
  show(ctx, await call(ctx, path(id)));
  return ExitCode.Ok;
}

async function create(ctx: Context): Promise<number> {
  const { text, value } = await subscriptionFile(ctx);
  const body = await call(ctx, API, { method: "POST", json: text, everyIssue: true });
  show(ctx, body);
  // The Subscriptions API has the hub choose the id; one written in the file is not used.
  const given = (value as { id?: unknown }).id;
  const created = (parseHubJson(body, "a subscription") as { id?: unknown }).id;
  if (typeof given === "string" && given !== created)
    ctx.out.warn(`the hub assigns subscription ids: the file's id ${given} was not used (this one is ${created})`);
  return ExitCode.Ok;
}

async function update(ctx: Context, id: string): Promise<number> {
  const { text } = await subscriptionFile(ctx);
  show(ctx, await call(ctx, path(id), { method: "PUT", json: text, everyIssue: true }));
  return ExitCode.Ok;
}

async function remove(ctx: Context, id: string): Promise<number> {
  const body = await call(ctx, path(id), { method: "DELETE" });
  if (ctx.values.json) ctx.out.line(body);
  else ctx.out.line(`deleted subscription ${id}`);
  return ExitCode.Ok;
}

/** A subscription as the hub answered it: as received with --json, else indented. */
function show(ctx: Context, body: string): void {
  if (ctx.values.json) ctx.out.line(body);
  else ctx.out.json(parseHubJson(body, "a subscription"));
}

function call(ctx: Context, apiPath: string, request: HubRequest = {}): Promise<string> {
  return hubGetText(ctx.target, apiPath, {
    ...request,
    signal: AbortSignal.timeout(ctx.timeoutMs),
    timeoutMs: ctx.timeoutMs,
  });
}

const path = (id: string) => `${API}/${encodeURIComponent(id)}`;

function oneId(args: readonly string[], verb: string): string {
  const [id, extra] = args;
  if (id === undefined || id === "") throw usageError(`subscriptions ${verb} needs a subscription ID`, COMMAND);
  noArguments(extra === undefined ? [] : [extra]);
  return id;
}

function noArguments(args: readonly string[]): void {
  if (args[0] !== undefined) throw usageError(`unexpected argument ${args[0]}`, COMMAND);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The --file: its text, sent as it is, and its value, checked here so a typo is named with the file. */
async function subscriptionFile(ctx: Context): Promise<{ text: string; value: unknown }> {
  const name = ctx.values.file;
  if (name === undefined) throw usageError("give the subscription with --file FILE (or --file - for stdin)", COMMAND);
  const label = inputLabel(name);
  const bytes = await readInput(name, ctx.io.stdin);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new CliError(`${label} is not UTF-8 text`);
  }
  try {
    return { text, value: JSON.parse(text) as unknown };
  } catch (e) {
    throw new CliError(`${label} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The table cells of a subscription. */
function subscriptionCells(value: unknown): string[] {
  const s = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
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
