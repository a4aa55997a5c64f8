/**
 * The flags of `cairn serve` and the hub configuration keys they set. The CLI does not interpret values: it hands
 * them to the hub's `loadConfig` by key, so flags, `CAIRN_*` variables and the config file are validated alike.
 * @module
 */
import type { ParseArgsOptionsConfig } from "node:util";

/**
 * Config key → flag (without `--`): the kebab-case of the key's last segment, except `tokens` (given one token per
 * `--token`) and `log.level` (`--level` alone says too little). Keys not listed are set by environment or file only.
 */
export const SERVE_FLAGS: Readonly<Record<string, string>> = {
  host: "host",
  port: "port",
  data: "data",
  store: "store",
  "nats.url": "nats",
  insecure: "insecure",
  tokens: "token",
  "limits.maxRequestBytes": "max-request-bytes",
  "limits.maxEventBytes": "max-event-bytes",
  "limits.maxBatchEvents": "max-batch-events",
  "limits.maxQueueEvents": "max-queue-events",
  "limits.maxQueueBytes": "max-queue-bytes",
  "limits.maxReadingBytes": "max-reading-bytes",
  "limits.maxDecodingBytes": "max-decoding-bytes",
  "limits.maxStreamClients": "max-stream-clients",
  "retention.maxAge": "max-age",
  "retention.maxBytes": "max-bytes",
  "log.level": "log-level",
  shutdownTimeout: "shutdown-timeout",
};

/** The `parseArgs` options of every config flag. */
export const CONFIG_OPTIONS: ParseArgsOptionsConfig = Object.fromEntries(
  Object.values(SERVE_FLAGS).map((flag) => [
    flag,
    flag === "insecure"
      ? { type: "boolean" }
      : flag === "token"
        ? { type: "string", multiple: true }
        : { type: "string" },
  ]),
);

/** How a config key is spelled on the command line, for the hub's messages (`--max-age`), or the key itself. */
export function flagName(key: string): string {
  const flag = SERVE_FLAGS[key];
  return flag === undefined ? key : `--${flag}`;
}

/**
 * The config values given as flags, by key. Absent flags are left out so that `CAIRN_*` variables and the config
 * file still apply; repeated `--token`s are joined the way `CAIRN_TOKENS` lists them.
 */
export function configFlags(values: Readonly<Record<string, unknown>>): Map<string, unknown> {
  const flags = new Map<string, unknown>();
  for (const [key, flag] of Object.entries(SERVE_FLAGS)) {
    const value = values[flag];
    if (value === undefined) continue;
    flags.set(key, Array.isArray(value) ? value.join(",") : value);
  }
  return flags;
}
