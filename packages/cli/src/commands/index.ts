/**
 * Every sub-command, in the order `cairn --help` lists them.
 * @module
 */
import type { CommandEntry } from "../command.ts";

/** The sub-commands of `cairn`. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "validate",
    summary: "check CDEvent files (or stdin) against the spec",
    load: async () => (await import("./validate.ts")).validate,
  },
  {
    name: "send",
    summary: "send a CDEvent (from a file or flags) over HTTP as a CloudEvent",
    load: async () => (await import("./send.ts")).send,
  },
  {
    name: "listen",
    summary: "receive CDEvents over HTTP and print a verdict for each",
    load: async () => (await import("./listen.ts")).listen,
  },
  {
    name: "serve",
    summary: "run the Cairn hub: store CDEvents and serve the query API and live stream",
    load: async () => (await import("./serve.ts")).serve,
  },
  {
    name: "events",
    summary: "query the events a hub stores: list, get one, a subject's timeline",
    load: async () => (await import("./events.ts")).events,
  },
  {
    name: "tail",
    summary: "follow the live stream of a hub's events",
    load: async () => (await import("./tail.ts")).tail,
  },
  {
    name: "subscriptions",
    summary: "manage a hub's subscriptions: list, get, create, update, delete",
    load: async () => (await import("./subscriptions.ts")).subscriptions,
  },
  {
    name: "deadletters",
    summary: "a hub's dead letters: list, get one, replay to the subscription, purge",
    load: async () => (await import("./deadletters.ts")).deadletters,
  },
  {
    name: "triggers",
    summary: "manage a hub's correlation triggers: list, get, create, update, delete",
    load: async () => (await import("./triggers.ts")).triggers,
  },
  {
    name: "convert",
    summary: "convert a CDEvent to another spec release",
    load: async () => (await import("./convert.ts")).convert,
  },
  {
    name: "types",
    summary: "list the known event types",
    load: async () => (await import("./types.ts")).types,
  },
];

/** The command called `name`, if any. */
export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name);
}
