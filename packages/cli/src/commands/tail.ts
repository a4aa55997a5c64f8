/**
 * `cairn tail`: follows a hub's live stream (Server-Sent Events) and prints each event as it is stored. After a
 * disconnect it reconnects with `Last-Event-ID`, so no event is missed or repeated.
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { intFlag, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { CliError, ExitCode, messageOf, usageError } from "../errors.ts";
import { EventTable, type StoredEventJson } from "../event-table.ts";
import { HubAnswerError, hubFetch, hubGetText, hubUrl, parseHubJson } from "../hub-client.ts";
import {
  FILTER_HELP,
  FILTER_OPTIONS,
  filterParams,
  HUB_HELP,
  HUB_OPTIONS,
  type HubTarget,
  hubTarget,
} from "../hub-flags.ts";
import { Output } from "../io.ts";
import { oneLine } from "../json-text.ts";
import { type SseEvent, SseParser } from "../sse.ts";

const OPTIONS = {
  ...HUB_OPTIONS,
  ...FILTER_OPTIONS,
  after: { type: "string" },
  jsonl: { type: "boolean" },
} as const;

/** Reconnection delays: doubling from the first to the last, back to the first once connected. */
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 5000;
/** The hub sends a comment every 15 s; this long without a byte means the connection is dead. */
const IDLE_MS = 45_000;

const HELP = `Usage: cairn tail [options]

Follows the live stream of a Cairn hub (cairn serve) and prints each event that matches the filters as it is
stored, until interrupted. Starts with the events stored from now on, or after --after. When the connection
drops it reconnects (waiting up to ${MAX_DELAY_MS / 1000} s between attempts) and resumes after the last event printed.

Options:
${HUB_HELP}
  --after SEQUENCE       start with the events after this sequence (0: every stored event, then new ones)
  --jsonl                print one stored event { sequence, receivedAt, cloudEvent, event } per line, exactly as
                         the hub stored it (default: a table line: sequence, event time, type, source, subject id)
  --verbose              show stack traces of unexpected errors
  -h, --help             show this help

Filters (all that are given must match):
${FILTER_HELP}

Exit status: 0 when interrupted (SIGINT, SIGTERM); 1 when the hub cannot be reached at the start or refuses the
stream (its code and message are shown); 2 on usage errors.`;

/** One `tail` run. */
interface Follow {
  readonly target: HubTarget;
  readonly params: URLSearchParams;
  readonly out: Output;
  readonly print: (e: SseEvent) => void;
  /** Aborted by SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}

/** The `tail` command. */
export const tail: Command = {
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("tail", argv, OPTIONS);
    if (positionals.length > 0) throw usageError(`unexpected argument ${positionals[0]}`, "tail");
    const target = hubTarget("tail", values, io.env);
    const after = values.after === undefined ? null : intFlag("tail", "--after", values.after);
    const out = new Output(io);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
    const print = values.jsonl ? (e: SseEvent) => out.line(oneLine(e.data)) : tablePrinter(out);
    try {
      await follow({ target, params: filterParams(values), out, print, signal: stop.signal }, after);
    } catch (e) {
      if (!stop.signal.aborted) throw e;
    } finally {
      process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    }
    return ExitCode.Ok;
  },
};

// Streams until aborted, reconnecting after every disconnect. Only a failure before the first connection (a wrong
// URL, a hub that is down) or a refusal (401, 403, 400) ends it: those would not go away by retrying.
async function follow(f: Follow, after: number | null): Promise<void> {
  // Without --after the stream starts at the current end; knowing that position lets a reconnection resume there.
  let last = after ?? (await lastSequence(f));
  let connected = false;
  let delay = FIRST_DELAY_MS;
  while (!f.signal.aborted) {
    let reason = "the hub closed the stream";
    try {
      await session(f, last, connected, {
        opened: () => {
          if (!connected)
            f.out.err(`cairn: following ${hubUrl(f.target, "api/v1/stream").href} after sequence ${last}`);
          else f.out.err(`cairn: reconnected after sequence ${last}`);
          connected = true;
          delay = FIRST_DELAY_MS;
        },
        event: (sequence) => {
          last = sequence;
        },
      });
    } catch (e) {
      if (f.signal.aborted) return;
      if (!connected || (e instanceof HubAnswerError && e.status < 500 && e.status !== 429)) throw e;
      reason = messageOf(e);
    }
    if (f.signal.aborted) return;
    f.out.warn(`${reason}; reconnecting in ${delay / 1000} s`);
    await sleep(delay, undefined, { signal: f.signal }).catch(() => {});
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}

async function lastSequence(f: Follow): Promise<number> {
  const params = new URLSearchParams({ limit: "1", order: "desc" });
  const body = await hubGetText(f.target, "api/v1/events", { params, signal: f.signal });
  const page = parseHubJson(body, "a page of events") as { events: { sequence: number }[] };
  return page.events[0]?.sequence ?? 0;
}

/** What a session reports back. */
interface SessionEvents {
  /** The hub answered 200 with an event stream. */
  opened(): void;
  /** An event was printed. */
  event(sequence: number): void;
}

// One connection, until the hub ends it (resolves) or it fails (rejects). The first one asks for `?after=`, a
// reconnection sends `Last-Event-ID` as EventSource does.
async function session(f: Follow, last: number, resumed: boolean, on: SessionEvents): Promise<void> {
  const idle = new AbortController();
  const params = new URLSearchParams(f.params);
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (resumed) headers["last-event-id"] = String(last);
  else params.set("after", String(last));
  const signal = AbortSignal.any([f.signal, idle.signal]);
  const res = await hubFetch(f.target, "api/v1/stream", { params, headers, signal });
  if (!res.headers.get("content-type")?.startsWith("text/event-stream") || res.body === null)
    throw new CliError(`${hubUrl(f.target, "api/v1/stream").href} did not answer with an event stream`);
  on.opened();
  const parser = new SseParser();
  const timer = setTimeout(() => idle.abort(new Error(`no data from the hub for ${IDLE_MS / 1000} s`)), IDLE_MS);
  try {
    for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
      timer.refresh();
      for (const e of parser.push(chunk)) {
        if (e.event !== "cdevent") continue;
        f.print(e);
        if (e.id !== undefined && /^\d+$/.test(e.id)) on.event(Number(e.id));
      }
    }
  } catch (e) {
    throw idle.signal.aborted ? idle.signal.reason : e;
  } finally {
    clearTimeout(timer);
  }
}

function tablePrinter(out: Output): (e: SseEvent) => void {
  const table = new EventTable(out);
  return (e) => {
    try {
      table.print([JSON.parse(e.data) as StoredEventJson]);
    } catch {
      out.warn(`event ${e.id ?? "?"} is not JSON; skipped`);
    }
  };
}
