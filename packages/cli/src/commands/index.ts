/**
 * Every sub-command, in the order `cairn --help` lists them.
 * @module
 */
import type { Command } from "../command.ts";
import { types } from "./types.ts";
import { validate } from "./validate.ts";

/** The sub-commands of `cairn`. */
export const COMMANDS: readonly Command[] = [validate, types];

/** The command called `name`, if any. */
export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
