/**
 * Configuration sources: the JSON config file, `CAIRN_*` environment variables and flags, each turned into values
 * by dotted key with a label of their origin; then {@link loadConfig} resolves them together.
 * @module
 */
import { readFileSync } from "node:fs";
import { CONFIG_KEYS, type ConfigIssue, type ConfigSource, type HubConfig, resolveConfig } from "./config.ts";

/** Reads a JSON config file; unknown keys are issues (a typo must not be silently ignored). */
export function fileSource(path: string): { source: ConfigSource; issues: ConfigIssue[] } {
  const values = new Map<string, unknown>();
  const issues: ConfigIssue[] = [];
  const origin = (key: string) => `config file ${path}: ${key}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    issues.push({ key: "", origin: `config file ${path}`, message: `cannot be read as JSON: ${reason}` });
    return { source: { values, origin }, issues };
  }
  const walk = (value: unknown, prefix: string): void => {
    if (prefix in CONFIG_KEYS) {
      values.set(prefix, value);
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      issues.push({ key: prefix, origin: origin(prefix), message: "is not a known setting (see docs/hub.md)" });
      return;
    }
    for (const [k, v] of Object.entries(value)) walk(v, prefix === "" ? k : `${prefix}.${k}`);
  };
  walk(parsed, "");
  return { source: { values, origin }, issues };
}

/** The `CAIRN_*` variables of the table in {@link CONFIG_KEYS}; other variables are ignored. */
export function envSource(env: Readonly<Record<string, string | undefined>>): ConfigSource {
  const values = new Map<string, unknown>();
  const names = new Map<string, string>();
  for (const [key, name] of Object.entries(CONFIG_KEYS)) {
    if (name === "") continue; // a file-only key
    const v = env[name];
    if (v !== undefined) {
      values.set(key, v);
      names.set(key, name);
    }
  }
  return { values, origin: (key) => `env ${names.get(key) ?? key}` };
}

/** Flags already parsed by the CLI, by config key (`port`, `data`, `store`, …) → value. */
export function flagSource(flags: ReadonlyMap<string, unknown>, flagName: (key: string) => string): ConfigSource {
  return { values: flags, origin: (key) => `flag ${flagName(key)}` };
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Settings from flags, by config key. */
  readonly flags?: ReadonlyMap<string, unknown>;
  /** How a config key is spelled as a flag, for messages. */
  readonly flagName?: (key: string) => string;
  /** A config file (or `CAIRN_CONFIG`). */
  readonly configFile?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

/** Gathers and validates the configuration: defaults < file < env < flags. */
export function loadConfig(
  options: LoadConfigOptions = {},
): { ok: true; config: HubConfig } | { ok: false; issues: ConfigIssue[] } {
  const env = options.env ?? {};
  const sources: ConfigSource[] = [];
  const issues: ConfigIssue[] = [];
  const file = options.configFile ?? env.CAIRN_CONFIG;
  if (file !== undefined) {
    const f = fileSource(file);
    sources.push(f.source);
    issues.push(...f.issues);
  }
  sources.push(envSource(env));
  if (options.flags) sources.push(flagSource(options.flags, options.flagName ?? ((k) => `--${k}`)));
  const resolved = resolveConfig(sources, options.cwd ?? process.cwd());
  if (issues.length > 0) return { ok: false, issues: [...issues, ...(resolved.ok ? [] : resolved.issues)] };
  return resolved;
}

/** One line per issue: `origin: message`. */
export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  return issues
    .map((i) => `${i.origin}${i.origin.endsWith(i.key) || i.key === "" ? "" : ` (${i.key})`}: ${i.message}`)
    .join("\n");
}
