/**
 * Building an event from command-line flags with the SDK's `createEvent`.
 * @module
 */
import { type CDEventType, createDynamicEvent, eventDefs, isCDEventsError, STABLE_RELEASES } from "@cairn/cdevents";
import { CliError, ExitCode, messageOf, usageError } from "./errors.ts";
import { formatIssue } from "./verdict.ts";

/** The flags an event is built from. */
export interface EventFlags {
  readonly type?: string | undefined;
  readonly source?: string | undefined;
  readonly "subject-id"?: string | undefined;
  readonly "subject-source"?: string | undefined;
  readonly content?: string | undefined;
  readonly id?: string | undefined;
  readonly "chain-id"?: string | undefined;
}

/** Option declarations of {@link EventFlags}. */
export const EVENT_OPTIONS = {
  type: { type: "string" },
  source: { type: "string" },
  "subject-id": { type: "string" },
  "subject-source": { type: "string" },
  content: { type: "string" },
  id: { type: "string" },
  "chain-id": { type: "string" },
} as const;

/** True when any event-building flag was given. */
export function hasEventFlags(flags: EventFlags): boolean {
  return Object.keys(EVENT_OPTIONS).some((k) => flags[k as keyof EventFlags] !== undefined);
}

/**
 * Builds and validates an event. `--type` is a full type string or a short `subject.predicate`
 * (e.g. `build.finished`), which means that event in the newest stable release.
 */
export function eventFromFlags(command: string, flags: EventFlags): Record<string, unknown> {
  const missing = (["type", "source", "subject-id"] as const).filter((k) => flags[k] === undefined);
  if (missing.length > 0) throw usageError(`missing ${missing.map((k) => `--${k}`).join(", ")}`, command);
  const type = resolveType(command, flags.type as string);
  const init = {
    source: flags.source as string,
    subject: {
      id: flags["subject-id"] as string,
      ...(flags["subject-source"] === undefined ? {} : { source: flags["subject-source"] }),
      content: parseContent(command, flags.content),
    },
    ...(flags.id === undefined ? {} : { id: flags.id }),
    ...(flags["chain-id"] === undefined ? {} : { chainId: flags["chain-id"] }),
  };
  try {
    return createDynamicEvent(type, init) as unknown as Record<string, unknown>;
  } catch (e) {
    if (!isCDEventsError(e)) throw e;
    if (e.issues.length === 0) throw usageError(messageOf(e), command);
    const details = e.issues.map(formatIssue);
    throw new CliError(`the event built from the flags is not valid (${type})`, ExitCode.Failure, { details });
  }
}

function resolveType(command: string, type: string): CDEventType {
  if (type.startsWith("dev.")) return type as CDEventType;
  const newest = eventDefs()
    .filter((d) => d.name === type)
    .sort((a, b) => STABLE_RELEASES.indexOf(b.release as never) - STABLE_RELEASES.indexOf(a.release as never))[0];
  if (!newest) throw usageError(`unknown event type ${type}; see cairn types`, command);
  return newest.type as CDEventType;
}

function parseContent(command: string, content: string | undefined): Record<string, unknown> {
  if (content === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (e) {
    throw usageError(`--content is not valid JSON: ${messageOf(e)}`, command);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw usageError("--content must be a JSON object", command);
  return value as Record<string, unknown>;
}
