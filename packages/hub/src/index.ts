/**
 * `@cairn/hub`: the Cairn hub — durable CDEvents ingest, the event store (SQLite embedded, PostgreSQL at scale), the
 * query API and the live stream.
 * @module
 */
export {
  CONFIG_KEYS,
  type ConfigIssue,
  type HubConfig,
  LOG_LEVELS,
  resolveConfig,
  type Scope,
  type StoreConfig,
  type Token,
} from "./config/config.ts";
export { formatConfigIssues, type LoadConfigOptions, loadConfig } from "./config/sources.ts";
export { parseDuration, parseSize } from "./config/units.ts";
export { HUB_VERSION, type Hub, HubStartError, isLoopbackHost, type StartOptions, startHub } from "./hub.ts";
export { openapiDocument } from "./routes/openapi.ts";
export { isStoreError, StoreError, StoreErrorCode } from "./store/errors.ts";
export { openStore } from "./store/open.ts";
export type {
  AppendOutcome,
  EventLink,
  EventPage,
  EventQuery,
  EventStore,
  NewEvent,
  RetentionLimits,
  StoredEvent,
  StoreHealth,
  StoreStats,
} from "./store/types.ts";
export { sseFrame } from "./stream/stream-hub.ts";
