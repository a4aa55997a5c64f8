/**
 * One delivery attempt over the subscription's protocol — an HTTP request (`attempt.ts`) or a NATS publish
 * (`nats-sink.ts`) — and the delivery's expiry (`expirytime`, `maxAge`), for the dispatcher.
 * @module
 */
import {
  buildDeliveryRequest,
  buildNatsMessage,
  deliveryId,
  expiresAt,
  type StoredEvent,
  type Subscription,
} from "@cairn/router";
import { type AttemptResult, sendAttempt } from "./attempt.ts";
import { NatsSinkPool } from "./nats-sink.ts";
import type { ClaimedDelivery } from "./queue.ts";

/** Sends attempts; holds the NATS connections of NATS sinks. */
export class DeliverySender {
  readonly #nats = new NatsSinkPool();
  readonly #maxBodyBytes: number;

  /** `maxBodyBytes`: the longest HTTP response body read (for replies and dead-letter snippets). */
  constructor(maxBodyBytes: number) {
    this.#maxBodyBytes = maxBodyBytes;
  }

  /** Sends one attempt of a claimed delivery whose event is known. Never throws for a failed attempt. */
  send(s: Subscription, c: ClaimedDelivery, event: StoredEvent, stop: AbortSignal): Promise<AttemptResult> {
    const options = { attempt: c.attempt };
    if (s.protocol === "NATS") {
      const target = {
        sink: s.sink,
        message: buildNatsMessage(s, event, options),
        deliveryId: deliveryId(s.id, c.sequence),
        ...(s.sinkcredential ? { credential: s.sinkcredential } : {}),
      };
      return this.#nats.publish(target, s.delivery.timeout, stop);
    }
    return sendAttempt(buildDeliveryRequest(s, event, options), s.delivery.timeout, stop, this.#maxBodyBytes);
  }

  /** Closes the NATS connections. */
  close(): Promise<void> {
    return this.#nats.close();
  }
}

/**
 * When a claimed delivery expires (epoch ms), or null. The attributes are parsed only when they may hold an
 * `expirytime` or the subscription has a `maxAge`.
 */
export function deliveryExpiry(s: Subscription, c: ClaimedDelivery): number | null {
  const text = c.event?.attributes;
  const attributes = text?.includes('"expirytime"') ? attributesOf(text) : {};
  if (s.delivery.maxAge === undefined && !("expirytime" in attributes)) return null;
  return expiresAt(s.delivery, attributes, c.ingestedMs);
}

function attributesOf(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
