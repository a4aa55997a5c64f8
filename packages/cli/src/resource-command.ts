/**
 * The shape shared by the commands that manage a collection of JSON resources of a hub (`subscriptions`,
 * `triggers`): list (a table, `--json` or `--jsonl`), get, create from a file, replace from a file, delete.
 * Validation errors of the hub are shown one issue per line, each with its JSON Pointer path.
 * @module
 */
import { intFlag, parseCommandArgs } from "./args.ts";
import type { Command } from "./command.ts";
import { CliError, ExitCode, usageError } from "./errors.ts";
import { type HubRequest, hubGetText, parseHubJson } from "./hub-client.ts";
import { HUB_OPTIONS, type HubTarget, hubTarget, rejectFlags } from "./hub-flags.ts";
import { inputLabel, readInput } from "./input.ts";
import { type Io, Output } from "./io.ts";
import { type Column, Table } from "./table.ts";

const OPTIONS = {
  ...HUB_OPTIONS,
  file: { type: "string", short: "f" },
  json: { type: "boolean" },
  jsonl: { type: "boolean" },
  timeout: { type: "string", default: "30000" },
} as const;

const SUB_COMMANDS = ["list", "get", "create", "update", "delete"];

/** What differs between the resource commands. */
export interface ResourceSpec {
  /** The command's name, e.g. `subscriptions`. */
  readonly command: string;
  /** The resource in messages, e.g. `subscription`. */
  readonly noun: string;
  /** The collection's API path, without a leading slash, e.g. `api/v1/subscriptions`. */
  readonly api: string;
  readonly help: string;
  /** The table's columns and the cells of one resource, in the same order. */
  readonly columns: readonly Column[];
  readonly cells: (resource: Readonly<Record<string, unknown>>) => string[];
  /**
   * True when the hub always chooses the id of a created resource (the Subscriptions API): an id in the file is
   * then reported as not used.
   */
  readonly hubAssignsIds: boolean;
}

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>["values"];

interface Context {
  readonly spec: ResourceSpec;
  readonly target: HubTarget;
  readonly values: Values;
  readonly timeoutMs: number;
  readonly out: Output;
  readonly io: Io;
}

/** A command managing the resources described by `spec`. */
export function resourceCommand(spec: ResourceSpec): Command {
  return {
    help: spec.help,
    async run(argv: readonly string[], io: Io) {
      const { command } = spec;
      const { values, positionals } = parseCommandArgs(command, argv, OPTIONS);
      const [sub = "list", ...rest] = positionals;
      if (values.json && values.jsonl) throw usageError("give --json or --jsonl, not both", command);
      const ctx: Context = {
        spec,
        target: hubTarget(command, values, io.env),
        values,
        timeoutMs: intFlag(command, "--timeout", values.timeout, 2 ** 31 - 1),
        out: new Output(io),
        io,
      };
      if (!SUB_COMMANDS.includes(sub))
        throw usageError(`unknown sub-command ${sub}: use list, get, create, update or delete`, command);
      if (sub !== "list") rejectFlags(command, values, ["jsonl"], `${command} ${sub} (it is for list)`);
      if (sub !== "create" && sub !== "update")
        rejectFlags(command, values, ["file"], `${command} ${sub} (it is for create and update)`);
      switch (sub) {
        case "list":
          noArguments(ctx, rest);
          return list(ctx);
        case "get":
          return get(ctx, oneId(ctx, rest, "get"));
        case "create":
          noArguments(ctx, rest);
          return create(ctx);
        case "update":
          return update(ctx, oneId(ctx, rest, "update"));
        default:
          return remove(ctx, oneId(ctx, rest, "delete"));
      }
    },
  };
}

async function list(ctx: Context): Promise<number> {
  const { spec, out } = ctx;
  const body = await call(ctx, spec.api);
  const all = parseHubJson(body, `a list of ${spec.command}`);
  if (!Array.isArray(all)) throw new CliError(`the hub answered something that is not a list of ${spec.command}`);
  if (ctx.values.json) out.line(body);
  else if (ctx.values.jsonl) for (const r of all) out.jsonLine(r);
  else if (all.length === 0) out.line(`no ${spec.command}`);
  else new Table(out, spec.columns).print(all.map((r) => spec.cells(asRecord(r))));
  return ExitCode.Ok;
}

async function get(ctx: Context, id: string): Promise<number> {
  show(ctx, await call(ctx, path(ctx, id)));
  return ExitCode.Ok;
}

async function create(ctx: Context): Promise<number> {
  const { spec } = ctx;
  const { text, value } = await resourceFile(ctx);
  const body = await call(ctx, spec.api, { method: "POST", json: text, everyIssue: true });
  show(ctx, body);
  if (!spec.hubAssignsIds) return ExitCode.Ok;
  const given = asRecord(value).id;
  const created = asRecord(parseHubJson(body, `a ${spec.noun}`)).id;
  if (typeof given === "string" && given !== created)
    ctx.out.warn(`the hub assigns ${spec.noun} ids: the file's id ${given} was not used (this one is ${created})`);
  return ExitCode.Ok;
}

async function update(ctx: Context, id: string): Promise<number> {
  const { text } = await resourceFile(ctx);
  show(ctx, await call(ctx, path(ctx, id), { method: "PUT", json: text, everyIssue: true }));
  return ExitCode.Ok;
}

async function remove(ctx: Context, id: string): Promise<number> {
  const body = await call(ctx, path(ctx, id), { method: "DELETE" });
  if (ctx.values.json) ctx.out.line(body);
  else ctx.out.line(`deleted ${ctx.spec.noun} ${id}`);
  return ExitCode.Ok;
}

/** A resource as the hub answered it: as received with --json, else indented. */
function show(ctx: Context, body: string): void {
  if (ctx.values.json) ctx.out.line(body);
  else ctx.out.json(parseHubJson(body, `a ${ctx.spec.noun}`));
}

function call(ctx: Context, apiPath: string, request: HubRequest = {}): Promise<string> {
  return hubGetText(ctx.target, apiPath, {
    ...request,
    signal: AbortSignal.timeout(ctx.timeoutMs),
    timeoutMs: ctx.timeoutMs,
  });
}

const path = (ctx: Context, id: string) => `${ctx.spec.api}/${encodeURIComponent(id)}`;

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function oneId(ctx: Context, args: readonly string[], verb: string): string {
  const [id, extra] = args;
  const { command, noun } = ctx.spec;
  if (id === undefined || id === "") throw usageError(`${command} ${verb} needs a ${noun} ID`, command);
  noArguments(ctx, extra === undefined ? [] : [extra]);
  return id;
}

function noArguments(ctx: Context, args: readonly string[]): void {
  if (args[0] !== undefined) throw usageError(`unexpected argument ${args[0]}`, ctx.spec.command);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The --file: its text, sent as it is, and its value, checked here so a typo is named with the file. */
async function resourceFile(ctx: Context): Promise<{ text: string; value: unknown }> {
  const name = ctx.values.file;
  if (name === undefined)
    throw usageError(`give the ${ctx.spec.noun} with --file FILE (or --file - for stdin)`, ctx.spec.command);
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
