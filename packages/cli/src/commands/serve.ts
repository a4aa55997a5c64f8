/**
 * `cairn serve`: runs the Cairn hub — durable ingest, the event store, the query API and the live stream — until
 * SIGINT or SIGTERM. Configuration comes from flags, `CAIRN_*` variables and a config file, validated by the hub.
 * @module
 */
import { isAbsolute, relative } from "node:path";
import {
  formatConfigIssues,
  type Hub,
  type HubConfig,
  HubStartError,
  isLoopbackHost,
  loadConfig,
  startHub,
} from "@cairn/hub";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { CliError, ExitCode, messageOf, usageError } from "../errors.ts";
import { Output } from "../io.ts";
import { CONFIG_OPTIONS, configFlags, flagName } from "../serve-flags.ts";

const OPTIONS = {
  ...CONFIG_OPTIONS,
  port: { type: "string", short: "p" },
  config: { type: "string", short: "c" },
} as const;

const HELP = `Usage: cairn serve [options]

Runs the Cairn hub: receives CDEvents (POST /api/v1/events), stores them durably, and serves the query API
(GET /api/v1/events), the live stream (GET /api/v1/stream), /healthz, /readyz, /metrics and /api/openapi.json.
It delivers events to subscriptions (/api/v1/subscriptions) with durable retries and dead letters
(/api/v1/deadletters), and joins them with correlation triggers (/api/v1/triggers). Logs are JSON lines on
stdout; one line on stderr says where it listens.

Options:
  -p, --port PORT            port to listen on; 0 picks a free one (default 8080)
  --host HOST                address to bind (default 127.0.0.1); beyond loopback it needs --token or --insecure
  --data DIR                 directory of the embedded SQLite store (default ./cairn-data)
  --store URL                postgres://… to store events in PostgreSQL instead (default sqlite)
  --nats URL                 nats://… to hold deliveries in NATS JetStream, shared by replicas (needs --store
                             postgres://…; see docs/router.md)
  -c, --config FILE          JSON config file (default $CAIRN_CONFIG); flags override it and the environment
  --token NAME:SCOPES:SECRET an API token, SCOPES being ingest, read and/or admin joined with +, e.g.
                             ci:ingest:s3cret-value; repeatable. With tokens every API request needs one. Prefer
                             CAIRN_TOKENS or the config file: other users can see command lines
  --insecure                 allow a non-loopback --host without tokens
  --log-level LEVEL          trace, debug, info (default), warn, error, fatal or silent
  --verbose                  show stack traces of unexpected errors
  -h, --help                 show this help

Limits:
  --max-request-bytes SIZE   largest request body (default 1MiB; sizes: 65536, 64KiB, 10MB…)
  --max-event-bytes SIZE     largest single event (default 1MiB, at least 64KiB)
  --max-batch-events N       most events in one batch request (default 10000)
  --max-queue-events N       most events waiting to be committed before answering 429 (default 50000)
  --max-queue-bytes SIZE     most bytes of event text waiting to be committed, and of bodies waiting to be
                             read or decoded, before answering 429 (default 64MiB)
  --max-reading-bytes SIZE   most bytes of request bodies being read or waiting to be decoded; later requests
                             wait with their body unread (default 8MiB)
  --max-decoding-bytes SIZE  most request bytes decoded and not yet committed; later requests wait with their
                             raw body (default 4MiB)
  --max-stream-clients N     most concurrent stream clients (default 1000)
  --shutdown-timeout TIME    how long shutdown waits for requests in flight (default 10s)

Retention (default: keep everything):
  --max-age TIME             delete events received longer ago than TIME (500ms, 30s, 5m, 12h, 30d…)
  --max-bytes SIZE           delete the oldest events beyond SIZE of stored events

Every setting is also a config file key, and all but subscriptions and triggers a CAIRN_* variable. These have
no flag:
  postgres.schema      CAIRN_PG_SCHEMA            schema of the PostgreSQL tables (default public)
  postgres.poolSize    CAIRN_PG_POOL_SIZE         PostgreSQL connections (default 10)
  nats.prefix          CAIRN_NATS_PREFIX          namespace of the NATS streams, subjects and consumers (default
                                                  cairn)
  retention.interval   CAIRN_RETENTION_INTERVAL   how often retention runs (default 1m)
  subscriptions        (config file only)         subscriptions to deliver events to, each with its id (see
                                                  docs/router.md); read-only through the API
  triggers             (config file only)         correlation triggers, each with its id (see docs/router.md);
                                                  read-only through the API

On SIGINT or SIGTERM the hub stops accepting, finishes requests in flight and closes the store; a second signal
exits at once. Exit status: 0 after a clean stop; 1 when the hub cannot start; 2 on usage or configuration errors.`;

/** The `serve` command. */
export const serve: Command = {
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("serve", argv, OPTIONS);
    if (positionals.length > 0) throw usageError(`unexpected argument ${positionals[0]}`, "serve");
    const config = configOf(values, io.env);
    const hub = await start(config);
    const out = new Output(io);
    // Handlers first: whoever reacts to the listening line (a supervisor, a test) may signal at once.
    const stopped = stopOnSignal(hub, out);
    out.err(`cairn hub listening on ${hub.url} (${describeStore(config)})`);
    if (config.insecure && config.tokens.length === 0 && !isLoopbackHost(config.host))
      out.warn(`no API tokens and --insecure: anyone who can reach ${config.host} can read and write events`);
    await stopped;
    return ExitCode.Ok;
  },
};

function configOf(values: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>): HubConfig {
  const file = typeof values.config === "string" ? { configFile: values.config } : {};
  const loaded = loadConfig({ flags: configFlags(values), flagName, ...file, env, cwd: process.cwd() });
  if (loaded.ok) return loaded.config;
  throw new CliError("invalid configuration", ExitCode.Usage, {
    details: formatConfigIssues(loaded.issues).split("\n"),
    command: "serve",
  });
}

async function start(config: HubConfig): Promise<Hub> {
  try {
    return await startHub(config);
  } catch (e) {
    // The hub's own refusals carry a complete message; anything else (an unwritable data directory, an unreachable
    // database) is described by its message and its cause.
    const message = e instanceof HubStartError ? e.message : `cannot start the hub: ${messageOf(e)}`;
    const cause = e instanceof Error && e.cause !== undefined ? messageOf(e.cause) : "";
    const full = cause === "" || message.includes(cause) ? message : `${message}: ${cause}`;
    throw new CliError(full, ExitCode.Failure, { cause: e });
  }
}

// Resolves once the hub has closed after the first SIGINT/SIGTERM; a second signal ends the process at once.
function stopOnSignal(hub: Hub, out: Output): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) process.exit(ExitCode.Failure);
      stopping = true;
      out.err("cairn hub stopping (signal again to stop at once)");
      hub.close().then(
        () => {
          process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
          resolve();
        },
        (e: unknown) => reject(new CliError(`the hub did not stop cleanly: ${messageOf(e)}`, ExitCode.Failure)),
      );
    };
    process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  });
}

/** `sqlite ./cairn-data/cairn.db` or `postgres postgres://user:***@host/db`: never the password. */
function describeStore(config: HubConfig): string {
  const store = config.store;
  if (store.kind === "sqlite") {
    const rel = relative(process.cwd(), store.path);
    return `sqlite ${rel.startsWith("..") || isAbsolute(rel) ? store.path : `./${rel}`}`;
  }
  const url = URL.parse(store.url);
  if (url === null) return "postgres";
  if (url.password !== "") url.password = "***";
  return `postgres ${url.href}${store.schema === "public" ? "" : `, schema ${store.schema}`}`;
}
