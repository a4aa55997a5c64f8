/**
 * `cairn send`: builds an event from flags or reads one from a file, validates it, and POSTs it as a CloudEvent.
 * @module
 */
import { type CDEvents, toHttp } from "@cairn/cdevents";
import { intFlag, parseCommandArgs } from "../args.ts";
import { EVENT_OPTIONS, eventFromFlags, hasEventFlags } from "../build-event.ts";
import type { Command } from "../command.ts";
import { CliError, ExitCode, usageError } from "../errors.ts";
import { post, truncated } from "../http-client.ts";
import { inputLabel, readInput } from "../input.ts";
import { type Io, Output } from "../io.ts";
import { PARSER_OPTIONS, parserFromFlags } from "../sdk.ts";
import { formatIssue } from "../verdict.ts";

const OPTIONS = {
  ...PARSER_OPTIONS,
  ...EVENT_OPTIONS,
  to: { type: "string" },
  mode: { type: "string", short: "m", default: "binary" },
  header: { type: "string", short: "H", multiple: true },
  timeout: { type: "string", default: "10000" },
} as const;

const HELP = `Usage: cairn send --to URL [options] FILE | -
       cairn send --to URL [options] --type TYPE --source URI --subject-id ID [--content JSON]

Sends one CDEvent as a CloudEvent over HTTP (POST). The event is read from FILE (or stdin, for -) and
validated first, or built from flags.

Options:
  --to URL               where to POST (http or https; required)
  -m, --mode MODE        CloudEvents content mode: binary (default) or structured
  -H, --header 'K: V'    an extra request header, e.g. 'authorization: Bearer …'; repeatable
  --timeout MS           give up after MS milliseconds (default 10000)
  --verbose              show stack traces of unexpected errors
  -h, --help             show this help

Building the event from flags:
  --type TYPE            full type (dev.cdevents.build.finished.0.3.0) or subject.predicate
                         (build.finished: the newest stable release)
  --source URI           context.source
  --subject-id ID        subject.id
  --subject-source URI   subject.source
  --content JSON         subject.content, a JSON object (default {})
  --id ID                context.id (default: a random UUID)
  --chain-id ID          context.chainId (0.4.1 and later)

Validating an event read from a file:
  --schema [KEY=]FILE    register a JSON Schema, as for cairn validate; repeatable
  --drafts               also know the 0.6 draft event types
  --no-purl              do not check that artifact ids are Package URLs

Exit status: 0 when the server answers 2xx; 1 for an invalid event, a non-2xx answer (its body is shown)
or a network error; 2 on usage errors.`;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>["values"];

/** The `send` command. */
export const send: Command = {
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("send", argv, OPTIONS);
    const url = targetUrl(values.to);
    const mode = values.mode === "binary" || values.mode === "structured" ? values.mode : badMode(values.mode);
    const headers = extraHeaders(values.header ?? []);
    const timeout = intFlag("send", "--timeout", values.timeout, 2 ** 31 - 1);
    const event = await eventToSend(values, positionals, io);
    const message = toHttp(event as Parameters<typeof toHttp>[0], { mode });
    const answer = await post(url, { headers: { ...message.headers, ...headers }, body: message.body }, timeout);
    const context = event.context as { id: string; type: string };
    const status = `${answer.status} ${answer.statusText}`.trim();
    if (answer.status < 200 || answer.status > 299) {
      const details = answer.body === "" ? ["(empty body)"] : truncated(answer.body).split("\n");
      throw new CliError(`${url} answered ${status}`, ExitCode.Failure, { details });
    }
    new Output(io).line(`✓ ${status}  ${context.type}  id=${context.id}  (${mode})`);
    return ExitCode.Ok;
  },
};

async function eventToSend(values: Values, positionals: string[], io: Io): Promise<Record<string, unknown>> {
  if (positionals.length > 1) throw usageError("give one FILE (or -), not several", "send");
  const name = positionals[0];
  if (name !== undefined && hasEventFlags(values))
    throw usageError("give either a FILE or the --type/--source/--subject-id flags, not both", "send");
  if (name === undefined) {
    if (!hasEventFlags(values)) throw usageError("no event: give a FILE, - for stdin, or --type …", "send");
    return eventFromFlags("send", values);
  }
  return eventFromFile(await parserFromFlags("send", values), name, io);
}

async function eventFromFile(cdevents: CDEvents, name: string, io: Io): Promise<Record<string, unknown>> {
  const result = cdevents.parse(await readInput(name, io.stdin));
  if (result.ok) return result.event as unknown as Record<string, unknown>;
  throw new CliError(`${inputLabel(name)} is not a valid CDEvent; not sent`, ExitCode.Failure, {
    details: result.issues.map(formatIssue),
  });
}

function targetUrl(to: string | undefined): string {
  if (to === undefined) throw usageError("--to URL is required", "send");
  const url = URL.parse(to);
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:"))
    throw usageError(`--to must be an http or https URL, got ${JSON.stringify(to)}`, "send");
  return url.href;
}

function badMode(mode: string): never {
  throw usageError(`--mode must be binary or structured, got ${JSON.stringify(mode)}`, "send");
}

function extraHeaders(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const colon = value.indexOf(":");
    const name = value.slice(0, colon).trim().toLowerCase();
    if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name))
      throw usageError(`--header must look like 'Name: value', got ${JSON.stringify(value)}`, "send");
    headers[name] = value.slice(colon + 1).trim();
  }
  return headers;
}
