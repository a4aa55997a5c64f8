/**
 * Builds the SDK parser a command needs from its flags: `--drafts`, `--no-purl` and `--schema` registrations.
 * @module
 */
import { existsSync } from "node:fs";
import { type CDEvents, createCDEvents, ErrorCode, isCDEventsError, type JsonSchema } from "@cairn/cdevents";
import { CliError, ExitCode, messageOf, usageError } from "./errors.ts";
import { parseJsonFile, readTextFile } from "./input.ts";

/** Parser options as given on the command line. */
export interface ParserFlags {
  readonly drafts?: boolean | undefined;
  readonly "no-purl"?: boolean | undefined;
  readonly schema?: readonly string[] | undefined;
}

/** Option declarations shared by commands that parse events. */
export const PARSER_OPTIONS = {
  drafts: { type: "boolean" },
  "no-purl": { type: "boolean" },
  schema: { type: "string", multiple: true },
} as const;

/** A configured parser with every `--schema` registered. */
export async function parserFromFlags(command: string, flags: ParserFlags): Promise<CDEvents> {
  const cdevents = createCDEvents({ drafts: flags.drafts === true, purl: flags["no-purl"] !== true });
  for (const spec of flags.schema ?? []) await registerSchemaFlag(cdevents, command, spec);
  return cdevents;
}

const CUSTOM_PREFIX = "dev.cdeventsx.";

/**
 * Registers one `--schema` value: `FILE` (keyed by the schema's `$id`), `TYPE=FILE` (content schema of a custom
 * type) or `URI=FILE` (schema of a `context.schemaUri`).
 */
export async function registerSchemaFlag(cdevents: CDEvents, command: string, spec: string): Promise<void> {
  const { key, file } = splitSpec(spec);
  const schema = parseJsonFile(await readTextFile(file, "schema"), file, "schema");
  if (typeof schema !== "object" || schema === null || Array.isArray(schema))
    throw new CliError(`schema ${file} is not a JSON object`, ExitCode.Failure);
  const target = key ?? (schema as { $id?: unknown }).$id;
  if (typeof target !== "string")
    throw usageError(`schema ${file} has no $id; use --schema TYPE=${file} or --schema URI=${file}`, command);
  try {
    if (target.startsWith(CUSTOM_PREFIX)) cdevents.registerCustomContent(target, schema as JsonSchema);
    else if (URL.canParse(target)) cdevents.registerSchema(target, schema as JsonSchema);
    else throw usageError(`${target} is neither a dev.cdeventsx type nor an absolute URI`, command);
  } catch (e) {
    if (e instanceof CliError) throw e;
    if (isCDEventsError(e) && e.code === ErrorCode.InvalidArgument) throw usageError(messageOf(e), command);
    throw new CliError(`cannot use schema ${file}: ${messageOf(e)}`, ExitCode.Failure, { cause: e });
  }
}

// A value that names an existing file is a bare FILE even if it contains "="; otherwise the last "=" splits
// KEY from FILE, because URIs may contain "=" in their query while file names rarely do.
function splitSpec(spec: string): { key?: string; file: string } {
  const eq = spec.lastIndexOf("=");
  if (eq <= 0 || existsSync(spec)) return { file: spec };
  return { key: spec.slice(0, eq), file: spec.slice(eq + 1) };
}
