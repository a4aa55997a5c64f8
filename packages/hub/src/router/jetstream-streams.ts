/**
 * The JetStream side of the delivery engine: creating the two streams and the durable pull consumers of a
 * subscription (one, or one per lane partition for an ordered subscription), listing the consumers that exist
 * (another replica may have created them), and deleting a subscription's consumers and messages.
 * @module
 */
import type { Subscription } from "@cairn/router";
import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  type JetStreamManager,
  nanos,
  RetentionPolicy,
  StorageType,
} from "nats";
import { consumerName, deliverySubject, type JetStreamNames, LANE_PARTITIONS } from "./jetstream-names.ts";

/**
 * How long JetStream remembers a message id: a delivery (or event) published again within it is dropped. Ten
 * minutes covers a routing page re-published after a crash or a lost compare-and-set, with room for a slow restart.
 */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;

/**
 * `ack_wait` = the subscription's attempt timeout + this margin (recording the outcome, ingesting a reply). A
 * replica that dies mid-attempt has its delivery redelivered this long after it was claimed; a claim held longer
 * (a slow reply) is kept alive with `working()`.
 */
export const ACK_MARGIN_MS = 5000;

/** A pull consumer of a subscription, as listed. */
export interface DeliveryConsumer {
  readonly name: string;
  readonly subscriptionId: string;
  /** The lane partition, or null for the one consumer of an unordered subscription. */
  readonly part: number | null;
  readonly ackWaitMs: number;
  /** Messages not yet delivered (JetStream's `num_pending`). */
  readonly pending: number;
  /** Delivered and not acknowledged: in flight or waiting for a redelivery (`num_ack_pending`). */
  readonly ackPending: number;
}

/** Creates both streams when they do not exist (replicas may race: creating an identical stream is a no-op). */
export async function ensureStreams(jsm: JetStreamManager, names: JetStreamNames): Promise<void> {
  const common = { storage: StorageType.File, duplicate_window: nanos(DUPLICATE_WINDOW_MS), num_replicas: 1 };
  await ensureStream(jsm, {
    ...common,
    name: names.deliveries,
    subjects: [names.deliverySubjects],
    // A delivery is removed once acknowledged (or terminated): the stream holds exactly the queued deliveries.
    retention: RetentionPolicy.Workqueue,
  });
  await ensureStream(jsm, {
    ...common,
    name: names.events,
    subjects: [names.eventSubjects],
    retention: RetentionPolicy.Limits,
  });
}

async function ensureStream(
  jsm: JetStreamManager,
  config: Parameters<JetStreamManager["streams"]["add"]>[0] & { name: string },
): Promise<void> {
  try {
    await jsm.streams.info(config.name);
  } catch {
    try {
      await jsm.streams.add(config);
    } catch (e) {
      // Created by another replica meanwhile.
      await jsm.streams.info(config.name).catch(() => {
        throw e;
      });
    }
  }
}

/** The consumer partitions of a subscription: one unordered, or {@link LANE_PARTITIONS} for an ordered one. */
export function partsOf(s: Subscription): (number | null)[] {
  return s.delivery.ordering === "none" ? [null] : Array.from({ length: LANE_PARTITIONS }, (_v, i) => i);
}

/** Creates or updates the consumers of a subscription. */
export async function ensureConsumers(jsm: JetStreamManager, names: JetStreamNames, s: Subscription): Promise<void> {
  await Promise.all(
    partsOf(s).map(async (part) => {
      const config: Partial<ConsumerConfig> = {
        durable_name: consumerName(s.id, part),
        description: JSON.stringify({ subscription: s.id, part }),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: deliverySubject(names, s.id, part),
        // A lane partition has one delivery in flight, so its lanes are delivered in order.
        max_ack_pending: part === null ? s.delivery.maxInFlight : 1,
        ack_wait: nanos(s.delivery.timeout + ACK_MARGIN_MS),
        // The policy's attempts, plus one: a delivery whose last attempt died with its replica is claimed once
        // more, and dead-lettered instead of sent (see `JetStreamQueue.claim`).
        max_deliver: s.delivery.retry + 2,
      };
      try {
        await jsm.consumers.add(names.deliveries, config);
      } catch {
        // It exists with another configuration: change what may change.
        const { durable_name: _n, deliver_policy: _d, filter_subject: _f, ack_policy: _a, ...mutable } = config;
        await jsm.consumers.update(names.deliveries, config.durable_name as string, mutable);
      }
    }),
  );
}

/** Every delivery consumer of the stream (ours carry their subscription in `description`). */
export async function listConsumers(jsm: JetStreamManager, names: JetStreamNames): Promise<DeliveryConsumer[]> {
  const out: DeliveryConsumer[] = [];
  for await (const c of jsm.consumers.list(names.deliveries)) {
    let meta: { subscription?: unknown; part?: unknown };
    try {
      meta = JSON.parse(c.config.description ?? "") as typeof meta;
    } catch {
      continue;
    }
    if (typeof meta.subscription !== "string") continue;
    out.push({
      name: c.name,
      subscriptionId: meta.subscription,
      part: typeof meta.part === "number" ? meta.part : null,
      ackWaitMs: Math.round((c.config.ack_wait ?? nanos(30_000)) / 1e6),
      pending: c.num_pending,
      ackPending: c.num_ack_pending,
    });
  }
  return out;
}

/** Deletes a subscription's consumers (every layout) and purges its queued deliveries. */
export async function dropSubscription(jsm: JetStreamManager, names: JetStreamNames, id: string): Promise<void> {
  const parts: (number | null)[] = [null, ...Array.from({ length: LANE_PARTITIONS }, (_v, i) => i)];
  await Promise.all(parts.map((p) => jsm.consumers.delete(names.deliveries, consumerName(id, p)).catch(() => false)));
  const base = deliverySubject(names, id, null);
  await jsm.streams.purge(names.deliveries, { filter: base });
  await jsm.streams.purge(names.deliveries, { filter: `${base}.*` });
}
