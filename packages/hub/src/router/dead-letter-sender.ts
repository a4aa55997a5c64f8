/**
 * Sending dead letters to a subscription's `deadLetterSink`: the original event with the dead-letter extensions
 * (`deadLetterAttributes`), one attempt with the subscription's timeout. The dead letter is kept in Cairn's
 * dead-letter store either way; what the sink answered is recorded with it (`sinkResult`).
 * @module
 */
import { buildDeadLetterRequest, type Subscription } from "@cairn/router";
import type { Logger } from "pino";
import { sendAttempt } from "./attempt.ts";
import { deliveryFailure } from "./dead-letter-json.ts";
import type { DeadLetter, DeliveryQueue } from "./queue.ts";

/** Posts dead letters in the background. */
export class DeadLetterSender {
  readonly #queue: DeliveryQueue;
  readonly #log: Logger;
  readonly #stop: AbortSignal;
  readonly #pending = new Set<Promise<void>>();

  constructor(queue: DeliveryQueue, log: Logger, stop: AbortSignal) {
    this.#queue = queue;
    this.#log = log;
    this.#stop = stop;
  }

  /** Sends `dead` to the subscription's dead-letter sink (in the background). */
  send(s: Subscription, dead: DeadLetter): void {
    const p = this.#send(s, dead)
      .catch((err: unknown) => this.#log.error({ err, deadLetter: dead.id }, "dead-letter sink failed"))
      .finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  async #send(s: Subscription, dead: DeadLetter): Promise<void> {
    const request = buildDeadLetterRequest(
      s,
      { attributes: dead.attributes, body: dead.body, sequence: dead.sequence },
      deliveryFailure(dead),
      { attempt: 1 },
    );
    const r = await sendAttempt(request, s.delivery.timeout, this.#stop, 4096);
    if (r.aborted) return;
    const ok = typeof r.outcome === "number" && r.outcome >= 200 && r.outcome < 300;
    const result = ok ? "delivered" : `failed: ${typeof r.outcome === "number" ? `HTTP ${r.outcome}` : r.outcome}`;
    if (!ok) this.#log.warn({ subscription: s.id, deadLetter: dead.id, result }, "dead-letter sink refused");
    await this.#queue.setDeadLetterSinkResult(dead.id, result);
  }

  /** Resolves when nothing is being sent. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}
