/**
 * What every route handler gets: the configuration and the hub's parts, built once by `startHub`.
 * @module
 */
import type { CDEvents } from "@cairn/cdevents";
import type { Logger } from "pino";
import type { HubConfig } from "./config/config.ts";
import type { TriggerEngine } from "./correlation/engine.ts";
import type { Authorizer } from "./http/auth.ts";
import type { ByteGate } from "./ingest/byte-gate.ts";
import type { CommitQueue } from "./ingest/commit-queue.ts";
import type { HubMetrics } from "./metrics.ts";
import type { Retention } from "./retention.ts";
import type { RouterEngine } from "./router/engine.ts";
import type { EventStore } from "./store/types.ts";
import type { StreamHub } from "./stream/stream-hub.ts";

/** The hub's parts as routes see them. */
export interface HubContext {
  readonly config: HubConfig;
  readonly store: EventStore;
  readonly queue: CommitQueue;
  /** Bounds the request bodies being read or read and not yet decoding (`limits.maxReadingBytes`). */
  readonly reading: ByteGate;
  /** Bounds the request bytes decoded and not yet committed (`limits.maxDecodingBytes`). */
  readonly decoding: ByteGate;
  readonly cdevents: CDEvents;
  readonly auth: Authorizer;
  readonly metrics: HubMetrics;
  readonly log: Logger;
  readonly streams: StreamHub;
  readonly retention: Retention;
  /** The delivery engine: subscriptions, routing, delivery, dead letters. */
  readonly router: RouterEngine;
  /** The correlation engine: triggers, correlation over the event log, emitted events. */
  readonly triggers: TriggerEngine;
  readonly version: string;
  /** True once shutdown has begun: new work is refused with 503. */
  readonly closing: () => boolean;
}
