/**
 * `cairn deadletters`: a hub's dead-letter store — list (paged), get one with its failure, replay to the original
 * subscription, purge. Purging asks for confirmation: `--yes`, or `y` typed at a terminal.
 * @module
 */
import { createInterface } from "node:readline";
import { intFlag, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { CliError, ExitCode, usageError } from "../errors.ts";
import { type HubRequest, hubGetText, parseHubJson } from "../hub-client.ts";
import { DEFAULT_HUB, HUB_OPTIONS, type HubTarget, hubTarget, rejectFlags } from "../hub-flags.ts";
import { type Io, Output } from "../io.ts";
import { arrayItems, oneLine } from "../json-text.ts";
import { type Column, cellText, Table } from "../table.ts";

const OPTIONS = {
  ...HUB_OPTIONS,
  subscription: { type: "string" },
  state: { type: "string" },
  limit: { type: "string" },
  cursor: { type: "string" },
  all: { type: "boolean" },
  yes: { type: "boolean", short: "y" },
  json: { type: "boolean" },
  jsonl: { type: "boolean" },
  timeout: { type: "string", default: "30000" },
} as const;

const COMMAND = "deadletters";
const API = "api/v1/deadletters";
const SUB_COMMANDS = ["list", "get", "replay", "purge"];

const HELP = `Usage: cairn deadletters [list] [--subscription ID] [--state dead|replayed] [--limit N] [--all] [options]
       cairn deadletters get ID [options]
       cairn deadletters replay ID... | --subscription ID | --all [options]
       cairn deadletters purge ID... | --subscription ID | --all [--yes] [options]

Works with the dead letters of a Cairn hub (cairn serve): the events it could not deliver to a subscription —
refused by the sink with a status that is not retried (400, 401, 403, …), or still failing after the last retry.
Each keeps a copy of the event and why its delivery failed.

  list            dead letters, oldest first, one page at a time (--all for every page): id, subscription, the
                  event's source, id and type, the last status (or network, timeout), attempts, the time of the
                  last failure, state (dead, or replayed) and reason
  get ID          one dead letter as indented JSON: its failure (sink, last status and response snippet,
                  attempts, first and last failure, the knativeerror* extensions), replays, and the event
  replay          sends the selected dead letters back to their subscription, attempts reset; prints how many
                  were re-enqueued. One that fails again is a dead letter again
  purge           deletes the selected dead letters for good. Needs --yes, unless stdin is a terminal, where
                  it asks first

Selecting (replay, purge): dead-letter IDs, and/or --subscription ID (both given: those IDs of that
subscription), or --all for every dead letter.

Options:
  --hub URL              the hub (default $CAIRN_HUB, else ${DEFAULT_HUB})
  --token TOKEN          an API token (default $CAIRN_TOKEN): the read scope to list and get, admin to replay
                         and purge
  --subscription ID      only this subscription's dead letters
  --state STATE          list: only dead (not replayed) or replayed ones
  --limit N              list: dead letters per page (default 100, with --all 1000; at most 1000)
  --cursor C             list: start at a cursor, the next value of an earlier page
  --all                  list: every page; replay, purge: every dead letter
  -y, --yes              purge without asking
  --json                 print the hub's JSON as received: list { "deadLetters": [...], "next" } (with --all,
                         one document holding every page); get the dead letter; replay { replayed, skipped, at };
                         purge { purged }
  --jsonl                list: one dead letter per line
  --timeout MS           give up on a request after MS milliseconds (default 30000)
  --verbose              show stack traces of unexpected errors
  -h, --help             show this help

Examples:
  cairn deadletters
  cairn deadletters list --subscription deploys --all --jsonl
  cairn deadletters get 42
  cairn deadletters replay 42 43
  cairn deadletters replay --subscription deploys
  cairn deadletters purge --all --yes

Exit status: 0 ok, also when nothing is selected; 1 when the hub answers an error (its code and message are
shown) or cannot be reached, or a purge is not confirmed; 2 on usage errors, including purge without --yes
when stdin is not a terminal.`;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>["values"];
type Format = "table" | "json" | "jsonl";

interface Context {
  readonly target: HubTarget;
  readonly values: Values;
  readonly format: Format;
  readonly timeoutMs: number;
  readonly out: Output;
  readonly io: Io;
}

/** The `deadletters` command. */
export const deadletters: Command = {
  help: HELP,
  async run(argv: readonly string[], io: Io) {
    const { values, positionals } = parseCommandArgs(COMMAND, argv, OPTIONS);
    const [sub = "list", ...rest] = positionals;
    if (!SUB_COMMANDS.includes(sub))
      throw usageError(`unknown sub-command ${sub}: use list, get, replay or purge`, COMMAND);
    if (values.json && values.jsonl) throw usageError("give --json or --jsonl, not both", COMMAND);
    const what = `deadletters ${sub}`;
    if (sub !== "list") rejectFlags(COMMAND, values, ["state", "limit", "cursor", "jsonl"], `${what} (list only)`);
    if (sub !== "purge") rejectFlags(COMMAND, values, ["yes"], `${what} (it is for purge)`);
    if (sub === "get") rejectFlags(COMMAND, values, ["subscription", "all"], what);
    const ctx: Context = {
      target: hubTarget(COMMAND, values, io.env),
      values,
      format: values.json ? "json" : values.jsonl ? "jsonl" : "table",
      timeoutMs: intFlag(COMMAND, "--timeout", values.timeout, 2 ** 31 - 1),
      out: new Output(io),
      io,
    };
    if (sub === "list") {
      if (rest[0] !== undefined) throw usageError(`unexpected argument ${rest[0]}`, COMMAND);
      return list(ctx);
    }
    if (sub === "get") return get(ctx, rest);
    const selector = readSelector(values, rest);
    return sub === "replay" ? replay(ctx, selector) : purge(ctx, selector);
  },
};

/** A dead letter as the hub's API shows it (the members the table uses). */
interface DeadLetterJson {
  readonly id: number;
  readonly subscription: string;
  readonly attempts: number;
  readonly reason: string;
  readonly state: string;
  readonly lastOutcome: string;
  readonly lastStatus: number | null;
  readonly lastFailureAt: string;
  readonly cloudEvent: Readonly<Record<string, unknown>>;
}

interface Page {
  readonly deadLetters: readonly DeadLetterJson[];
  readonly next: string | null;
}

const COLUMNS: readonly Column[] = [
  { header: "ID", right: true },
  { header: "SUBSCRIPTION" },
  { header: "SOURCE" },
  { header: "EVENT ID" },
  { header: "TYPE" },
  { header: "STATUS" },
  { header: "ATTEMPTS", right: true },
  { header: "LAST FAILURE" },
  { header: "STATE" },
  { header: "REASON" },
];

function cells(d: DeadLetterJson): string[] {
  const ce = d.cloudEvent ?? {};
  return [
    String(d.id),
    cellText(d.subscription),
    cellText(ce.source),
    cellText(ce.id),
    cellText(ce.type),
    d.lastStatus === null ? cellText(d.lastOutcome) : String(d.lastStatus),
    String(d.attempts),
    cellText(d.lastFailureAt),
    cellText(d.state),
    cellText(d.reason),
  ];
}

async function list(ctx: Context): Promise<number> {
  const { values, out } = ctx;
  const params = new URLSearchParams();
  if (values.subscription !== undefined) params.set("subscription", values.subscription);
  if (values.state !== undefined) {
    if (values.state !== "dead" && values.state !== "replayed")
      throw usageError(`--state must be dead or replayed, got ${JSON.stringify(values.state)}`, COMMAND);
    params.set("state", values.state);
  }
  const limit = values.limit ?? (values.all ? "1000" : undefined);
  if (limit !== undefined) params.set("limit", String(intFlag(COMMAND, "--limit", limit)));
  const table = new Table(out, COLUMNS);
  let opened = false;
  let count = 0;
  let cursor = values.cursor ?? null;
  do {
    if (cursor !== null) params.set("cursor", cursor);
    const body = await call(ctx, API, { params });
    const page = parseHubJson(body, "a page of dead letters") as Page;
    if (!Array.isArray(page?.deadLetters))
      throw new CliError("the hub answered something that is not a page of dead letters");
    if (ctx.format === "jsonl") for (const d of arrayItems(body, "deadLetters")) out.line(oneLine(d));
    else if (ctx.format === "json" && !values.all) out.line(body);
    else if (ctx.format === "json") {
      // Every page as one document of a page's shape, written as the pages arrive (nothing before the first).
      if (!opened) out.write('{"deadLetters":[');
      opened = true;
      for (const d of arrayItems(body, "deadLetters")) out.write(count++ === 0 ? d : `,${d}`);
    } else table.print(page.deadLetters.map(cells));
    cursor = page.next;
  } while (values.all && cursor !== null);
  if (ctx.format === "json" && values.all) out.line('],"next":null}');
  if (ctx.format === "table") {
    if (table.rows === 0) out.line("no dead letters");
    if (cursor !== null) out.err(`more dead letters: add --cursor ${cursor} for the next page, or --all`);
  }
  return ExitCode.Ok;
}

async function get(ctx: Context, args: readonly string[]): Promise<number> {
  const [id, extra] = args;
  if (id === undefined) throw usageError("deadletters get needs a dead-letter ID", COMMAND);
  if (extra !== undefined) throw usageError(`unexpected argument ${extra}`, COMMAND);
  const body = await call(ctx, `${API}/${deadLetterId(id)}`);
  if (ctx.format === "json") ctx.out.line(body);
  else ctx.out.json(parseHubJson(body, "a dead letter"));
  return ExitCode.Ok;
}

/** Which dead letters replay and purge act on: the hub's `{ids?, subscription?, all?}`. */
interface Selector {
  readonly ids?: number[];
  readonly subscription?: string;
  readonly all?: true;
}

function readSelector(values: Values, args: readonly string[]): Selector {
  if (values.subscription === "") throw usageError("--subscription needs a subscription ID", COMMAND);
  const ids = args.length > 0 ? { ids: args.map(deadLetterId) } : {};
  const subscription = values.subscription !== undefined ? { subscription: values.subscription } : {};
  if (values.all) {
    if (args.length > 0 || values.subscription !== undefined)
      throw usageError("--all selects every dead letter: give it without IDs or --subscription", COMMAND);
    return { all: true };
  }
  if (args.length === 0 && values.subscription === undefined)
    throw usageError("select dead letters: give their IDs, --subscription ID or --all", COMMAND);
  return { ...ids, ...subscription };
}

function deadLetterId(text: string): number {
  const n = /^\d{1,15}$/.test(text) ? Number(text) : 0;
  if (n <= 0) throw usageError(`a dead-letter ID is a positive integer, got ${JSON.stringify(text)}`, COMMAND);
  return n;
}

async function replay(ctx: Context, selector: Selector): Promise<number> {
  const body = await call(ctx, `${API}/replay`, { method: "POST", json: JSON.stringify(selector) });
  if (ctx.format === "json") ctx.out.line(body);
  else {
    const r = parseHubJson(body, "a replay result") as { replayed?: unknown; skipped?: unknown };
    const skipped = typeof r.skipped === "number" && r.skipped > 0 ? r.skipped : 0;
    const note = skipped > 0 ? `; ${skipped} skipped (the subscription is gone, or the event is still queued)` : "";
    ctx.out.line(`re-enqueued ${count(r.replayed)}${note}`);
  }
  return ExitCode.Ok;
}

async function purge(ctx: Context, selector: Selector): Promise<number> {
  if (!ctx.values.yes) {
    const stdin = ctx.io.stdin as { isTTY?: boolean };
    if (stdin.isTTY !== true)
      throw usageError("purge deletes dead letters for good: add --yes to confirm (stdin is not a terminal)", COMMAND);
    const question = `Delete ${describe(selector)} on ${ctx.target.base.href} for good? [y/N] `;
    if (!(await confirm(ctx.io, question))) throw new CliError("not confirmed: nothing was purged");
  }
  const body = await call(ctx, API, { method: "DELETE", json: JSON.stringify(selector) });
  if (ctx.format === "json") ctx.out.line(body);
  else ctx.out.line(`purged ${count((parseHubJson(body, "a purge result") as { purged?: unknown }).purged)}`);
  return ExitCode.Ok;
}

const count = (n: unknown) => `${cellText(n)} dead letter${n === 1 ? "" : "s"}`;

/** The selection in words, for the confirmation question. */
function describe(s: Selector): string {
  if (s.all) return "every dead letter";
  const ids = s.ids ? `dead letter${s.ids.length === 1 ? "" : "s"} ${s.ids.join(", ")}` : "the dead letters";
  return s.subscription === undefined ? ids : `${ids} of subscription ${s.subscription}`;
}

/** Asks on stderr and reads one line of stdin: true for y or yes. Ctrl-D (end of input) is a no. */
function confirm(io: Io, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  return new Promise((resolve) => {
    let answered = false;
    rl.once("close", () => {
      if (!answered) io.stderr.write("\n");
      resolve(false);
    });
    rl.question(question, (answer) => {
      answered = true;
      resolve(/^y(es)?$/i.test(answer.trim())); // before close(), whose listener resolves false
      rl.close();
    });
  });
}

function call(ctx: Context, apiPath: string, request: HubRequest = {}): Promise<string> {
  return hubGetText(ctx.target, apiPath, {
    ...request,
    signal: AbortSignal.timeout(ctx.timeoutMs),
    timeoutMs: ctx.timeoutMs,
  });
}
