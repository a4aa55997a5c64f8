/**
 * `cairn events`: queries the events a hub stores — a filtered list (one page or every page), one event by sequence
 * or by `(source, id)`, or one subject's timeline.
 * @module
 */
import { intFlag, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { ExitCode, usageError } from "../errors.ts";
import { EventTable, type StoredEventJson } from "../event-table.ts";
import { hubGetText, parseHubJson } from "../hub-client.ts";
import {
  FILTER_HELP,
  FILTER_OPTIONS,
  filterParams,
  HUB_HELP,
  HUB_OPTIONS,
  type HubTarget,
  hubTarget,
  rejectFlags,
} from "../hub-flags.ts";
import { type Io, Output } from "../io.ts";
import { arrayItems, oneLine } from "../json-text.ts";

const OPTIONS = {
  ...HUB_OPTIONS,
  ...FILTER_OPTIONS,
  id: { type: "string" },
  limit: { type: "string" },
  order: { type: "string" },
  cursor: { type: "string" },
  all: { type: "boolean" },
  json: { type: "boolean" },
  jsonl: { type: "boolean" },
  timeout: { type: "string", default: "30000" },
} as const;

const HELP = `Usage: cairn events [options]
       cairn events get SEQUENCE [options]
       cairn events get --source URI --id ID [options]
       cairn events timeline SUBJECT_ID [options]

Queries the events stored by a Cairn hub (cairn serve). Without a sub-command, lists the events that match the
filters, newest first, one page at a time (--all for every page). get prints one event, by its sequence or by
its source and id. timeline lists every event about one subject, oldest first.

Hub:
${HUB_HELP}
  --timeout MS           give up on a request after MS milliseconds (default 30000)

Filters (list and timeline; all that are given must match):
${FILTER_HELP}

Paging and output:
  --limit N              events per page (default 100, timeline 500, with --all 1000; at most 1000)
  --order asc|desc       oldest or newest first (default desc, timeline asc)
  --cursor C             start at a cursor: the next value of an earlier page
  --all                  follow the next cursors through every page
  --json                 print the hub's JSON as received: { "events": [...], "next" } (with --all, one document
                         holding every page), or the stored event for get
  --jsonl                print one stored event { sequence, receivedAt, cloudEvent, event } per line
  --verbose              show stack traces of unexpected errors
  -h, --help             show this help

The default output is a table — sequence, event time, type, source, subject id — or, for get, the stored event as
indented JSON. Events are passed on exactly as the hub stored them by --json and --jsonl.

Exit status: 0 ok, also when nothing matches; 1 when the hub answers an error (its code and message are shown) or
cannot be reached; 2 on usage errors.`;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>["values"];
type Format = "table" | "json" | "jsonl";

/** What every sub-command needs. */
interface Context {
  readonly target: HubTarget;
  readonly values: Values;
  readonly format: Format;
  readonly timeoutMs: number;
  readonly out: Output;
}

/** The `events` command. */
export const events: Command = {
  help: HELP,
  async run(argv: readonly string[], io: Io) {
    const { values, positionals } = parseCommandArgs("events", argv, OPTIONS);
    const [sub, ...rest] = positionals;
    if (values.json && values.jsonl) throw usageError("give --json or --jsonl, not both", "events");
    const ctx: Context = {
      target: hubTarget("events", values, io.env),
      values,
      format: values.json ? "json" : values.jsonl ? "jsonl" : "table",
      timeoutMs: intFlag("events", "--timeout", values.timeout, 2 ** 31 - 1),
      out: new Output(io),
    };
    if (sub === "get") return get(ctx, rest);
    if (sub === "timeline") return timeline(ctx, rest);
    if (sub !== undefined)
      throw usageError(`unknown sub-command ${sub}: use get or timeline, or none to list`, "events");
    rejectFlags("events", values, ["id"], "a list (it is for events get --source URI --id ID)");
    return pages(ctx, "api/v1/events");
  },
};

async function timeline(ctx: Context, args: readonly string[]): Promise<number> {
  const [subjectId, extra] = args;
  if (subjectId === undefined || subjectId === "") throw usageError("events timeline needs a SUBJECT_ID", "events");
  if (extra !== undefined) throw usageError(`unexpected argument ${extra}`, "events");
  rejectFlags("events", ctx.values, ["id", "subject-id"], "events timeline");
  return pages(ctx, `api/v1/subjects/${encodeURIComponent(subjectId)}/timeline`);
}

async function get(ctx: Context, args: readonly string[]): Promise<number> {
  const { values } = ctx;
  const listFlags = ["limit", "order", "cursor", "all", ...Object.keys(FILTER_OPTIONS).filter((f) => f !== "source")];
  rejectFlags("events", values, listFlags, "events get");
  const body = await hubGetText(ctx.target, getPath(args, values), request(ctx, lookupParams(args, values)));
  const out = ctx.out;
  if (ctx.format === "json") out.line(body);
  else if (ctx.format === "jsonl") out.line(oneLine(body));
  else out.json(parseHubJson(body, "an event"));
  return ExitCode.Ok;
}

function getPath(args: readonly string[], values: Values): string {
  const [sequence, extra] = args;
  if (extra !== undefined) throw usageError(`unexpected argument ${extra}`, "events");
  if (sequence === undefined) {
    if (values.source === undefined || values.id === undefined)
      throw usageError("events get needs a SEQUENCE, or --source URI and --id ID", "events");
    return "api/v1/events/lookup";
  }
  if (values.source !== undefined || values.id !== undefined)
    throw usageError("give a SEQUENCE or --source and --id, not both", "events");
  if (!/^\d+$/.test(sequence))
    throw usageError(`the sequence must be a number, got ${JSON.stringify(sequence)}`, "events");
  return `api/v1/events/${sequence}`;
}

function lookupParams(args: readonly string[], values: Values): URLSearchParams {
  if (args.length > 0) return new URLSearchParams();
  return new URLSearchParams({ source: values.source ?? "", id: values.id ?? "" });
}

/** A page of the list and timeline routes. */
interface Page {
  readonly events: StoredEventJson[];
  readonly next: string | null;
}

// Fetches one page, or every page with --all, printing each as it arrives.
async function pages(ctx: Context, path: string): Promise<number> {
  const { values } = ctx;
  const params = filterParams(values);
  const limit = values.limit ?? (values.all ? "1000" : undefined);
  if (limit !== undefined) params.set("limit", String(intFlag("events", "--limit", limit)));
  if (values.order !== undefined) {
    if (values.order !== "asc" && values.order !== "desc")
      throw usageError(`--order must be asc or desc, got ${JSON.stringify(values.order)}`, "events");
    params.set("order", values.order);
  }
  const printer = pagePrinter(ctx);
  let cursor = values.cursor ?? null;
  do {
    if (cursor !== null) params.set("cursor", cursor);
    const body = await hubGetText(ctx.target, path, request(ctx, params));
    const page = parseHubJson(body, "a page of events") as Page;
    printer.page(body, page);
    cursor = page.next;
  } while (values.all && cursor !== null);
  printer.end(cursor);
  return ExitCode.Ok;
}

interface PagePrinter {
  page(body: string, page: Page): void;
  /** After the last page fetched; `next` is its cursor (null when there are no more events). */
  end(next: string | null): void;
}

function pagePrinter(ctx: Context): PagePrinter {
  const out = ctx.out;
  if (ctx.format === "jsonl")
    return {
      page: (body) => {
        for (const e of arrayItems(body, "events")) out.line(oneLine(e));
      },
      end: () => {},
    };
  if (ctx.format === "json" && !ctx.values.all) return { page: (body) => out.line(body), end: () => {} };
  if (ctx.format === "json") return allPagesJson(out);
  const table = new EventTable(out);
  let printed = 0;
  return {
    page: (_body, page) => {
      table.print(page.events);
      printed += page.events.length;
    },
    end: (next) => {
      if (printed === 0) out.line("no events");
      if (next !== null) out.err(`more events: add --cursor ${next} for the next page, or --all`);
    },
  };
}

// With --all, one JSON document of the same shape as a page, written as the pages arrive.
// Nothing is written before the first page arrives, so a failed request leaves no half document.
function allPagesJson(out: Output): PagePrinter {
  let opened = false;
  let count = 0;
  return {
    page: (body) => {
      if (!opened) out.write('{"events":[');
      opened = true;
      for (const e of arrayItems(body, "events")) out.write(count++ === 0 ? e : `,${e}`);
    },
    end: () => out.line('],"next":null}'),
  };
}

function request(ctx: Context, params: URLSearchParams) {
  return { params, signal: AbortSignal.timeout(ctx.timeoutMs), timeoutMs: ctx.timeoutMs };
}
