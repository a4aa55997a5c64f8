/**
 * `cairn types`: lists the event types the SDK knows, optionally of one release.
 * @module
 */
import { ALL_RELEASES, DRAFT_RELEASE, eventDefs } from "@cairn/cdevents";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { ExitCode, usageError } from "../errors.ts";
import { Output } from "../io.ts";

const OPTIONS = {
  release: { type: "string", short: "r" },
  drafts: { type: "boolean" },
  json: { type: "boolean" },
} as const;

const HELP = `Usage: cairn types [options]

Lists the CDEvents types Cairn knows, one per line with its spec release.

Options:
  -r, --release R  only types of release R (${ALL_RELEASES.join(", ")})
  --drafts         include the 0.6 draft types
  --json           print a JSON array of { type, name, version, release, draft }
  --verbose        show stack traces of unexpected errors
  -h, --help       show this help`;

/** The `types` command. */
export const types: Command = {
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("types", argv, OPTIONS);
    if (positionals.length > 0) throw usageError(`unexpected argument ${positionals[0]}`, "types");
    const release = values.release;
    if (release !== undefined && !(ALL_RELEASES as readonly string[]).includes(release))
      throw usageError(`unknown release ${release}; known: ${ALL_RELEASES.join(", ")}`, "types");
    // Asking for the draft release is asking for drafts.
    const drafts = values.drafts === true || release === DRAFT_RELEASE;
    const rows = eventDefs({ drafts })
      .filter((d) => release === undefined || d.release === release)
      .map((d) => ({ type: d.type, name: d.name, version: d.version, release: d.release, draft: d.draft }));
    const out = new Output(io);
    if (values.json) out.json(rows);
    else {
      const width = Math.max(0, ...rows.map((r) => r.type.length));
      for (const r of rows) out.line(`${r.type.padEnd(width)}  ${out.style("dim", r.release)}`);
    }
    return ExitCode.Ok;
  },
};
