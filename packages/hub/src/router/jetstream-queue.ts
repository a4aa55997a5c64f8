/**
 * The delivery queue for scale-out: the deliveries live in NATS JetStream (a work-queue stream, one durable pull
 * consumer per subscription or per lane partition), everything else in the PostgreSQL store's schema through the
 * PostgreSQL queue (subscriptions, the routing cursor, dead letters) plus one table of failure bookkeeping.
 *
 * - `enqueue` publishes each delivery with `Nats-Msg-Id: <subscription>/<sequence>` (JetStream drops a second
 *   publish within the duplicate window), waits for every ack, publishes the page's events to the log stream, and
 *   only then moves the PostgreSQL cursor by compare-and-set: a crash or a lost race re-publishes harmlessly.
 * - `claim` fetches from the consumers (JetStream holds `maxInFlight` across replicas as `max_ack_pending`); the
 *   delivery's id is its stream sequence, its attempt JetStream's delivery count.
 * - `complete` acks (and waits for the server), `retryAt` records the failure then naks with the delay,
 *   `deadLetter` writes the dead letter then terminates the message.
 * - Deliveries another component enqueues inside a PostgreSQL transaction (the correlation engine's trigger
 *   sinks) stay in the PostgreSQL queue's table and are claimed from there; their ids are negated.
 * @module
 */
import type { Subscription } from "@cairn/router";
import { connect, headers, type JetStreamClient, type JetStreamManager, type JsMsg, type NatsConnection } from "nats";
import type pg from "pg";
import { StoreError, StoreErrorCode } from "../store/errors.ts";
import { toStoreError } from "../store/postgres-errors.ts";
import { openSchemaPool } from "../store/postgres-pool.ts";
import { publishPage } from "./jetstream-events.ts";
import {
  deliveryMsgId,
  deliverySubject,
  type JetStreamNames,
  jetStreamNames,
  lanePartition,
  PREFIX_PATTERN,
} from "./jetstream-names.ts";
import { CLAIM_DETAILS, migrateJetStream, RECORD_FAILURE, WAITING_COUNTS } from "./jetstream-sql.ts";
import {
  type DeliveryConsumer,
  dropSubscription,
  ensureConsumers,
  ensureStreams,
  listConsumers,
} from "./jetstream-streams.ts";
import { DEAD_LETTER_UPSERT, openPostgresQueue } from "./postgres-queue.ts";
import {
  type AttemptFailure,
  type ClaimedDelivery,
  type ClaimOptions,
  type CursorAdvance,
  DEFAULT_LEASE_MS,
  type DeadLetter,
  type DeadLetterInput,
  type DeadLetterPage,
  type DeadLetterQuery,
  type DeadLetterSelector,
  type DeliveryQueue,
  outcomeColumns,
  type QueueDepth,
  type ReplayResult,
  type RoutedDelivery,
  type SubscriptionRecord,
} from "./queue.ts";
import { type Row, rowToDeadLetter, selectorConditions } from "./queue-rows.ts";

/** Options of {@link openJetStreamQueue}. */
export interface JetStreamQueueOptions {
  /** NATS server URL(s), comma-separated. */
  readonly natsUrl: string;
  /** Namespace of streams, subjects and consumers. */
  readonly prefix: string;
  /** The PostgreSQL store: URL and schema (the store is opened first). */
  readonly pgUrl: string;
  readonly schema: string;
  readonly poolSize?: number;
}

// How long a pull waits when a consumer has fewer deliveries than asked for (or is at max_ack_pending).
const FETCH_MS = 50;
// Subscriptions and consumers changed by other replicas are re-read this often.
const REFRESH_MS = 2000;
// Without a hint of waiting deliveries, the dispatcher looks again this soon (retries of other replicas).
const POLL_MS = 500;
const HEARTBEAT_MS = 1000;

/** Opens the JetStream queue: the PostgreSQL queue and table, the NATS connection, the streams. */
export async function openJetStreamQueue(options: JetStreamQueueOptions): Promise<JetStreamQueue> {
  if (!PREFIX_PATTERN.test(options.prefix))
    throw new StoreError(StoreErrorCode.InvalidArgument, `bad NATS prefix ${JSON.stringify(options.prefix)}`);
  const poolSize = options.poolSize ?? 4;
  const inner = await openPostgresQueue({ url: options.pgUrl, schema: options.schema, poolSize });
  let pool: pg.Pool | null = null;
  let nc: NatsConnection | null = null;
  try {
    pool = await openSchemaPool({
      url: options.pgUrl,
      schema: options.schema,
      poolSize,
      applicationName: "cairn-router-jetstream",
      migrate: migrateJetStream,
      what: "JetStream router",
    });
    nc = await connect({
      servers: options.natsUrl.split(",").map((s) => s.trim()),
      name: "cairn-router",
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    }).catch((e: unknown) => {
      throw new StoreError(StoreErrorCode.Unavailable, `NATS at ${options.natsUrl} is unreachable`, { cause: e });
    });
    const names = jetStreamNames(options.prefix);
    const jsm = await nc.jetstreamManager();
    await ensureStreams(jsm, names);
    const q = new JetStreamQueue(inner, pool, nc, jsm, names);
    await q.init();
    return q;
  } catch (e) {
    await nc?.close().catch(() => {});
    await pool?.end().catch(() => {});
    await inner.close();
    throw e;
  }
}

// A subscription as claims need it.
interface SubInfo {
  readonly maxInFlight: number;
  readonly attempts: number;
  readonly sink: string;
  readonly ordered: boolean;
}

// A delivery this process holds: claimed and not yet settled.
interface Held {
  readonly msg: JsMsg;
  readonly subscriptionId: string;
  readonly consumer: string;
  readonly sequence: number;
  readonly lane: string | null;
  readonly ingestedMs: number;
  readonly attempt: number;
  readonly failed: boolean;
  readonly event: { readonly attributes: string; readonly body: string } | null;
  readonly leaseUntil: number;
  readonly ackWaitMs: number;
  touched: number;
}

// The payload of a delivery message.
interface Payload {
  readonly s: string;
  readonly q: number;
  readonly l: string | null;
  readonly i: number;
}

const encoder = new TextEncoder();

/** The JetStream delivery queue (see the module comment). */
export class JetStreamQueue implements DeliveryQueue {
  readonly engine = "jetstream";
  readonly #inner: DeliveryQueue;
  readonly #pool: pg.Pool;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #names: JetStreamNames;
  readonly #held = new Map<number, Held>();
  #consumers: DeliveryConsumer[] = [];
  #subs = new Map<string, SubInfo>();
  // Deliveries believed waiting per consumer (from the last pull or listing): consumers with more go first.
  readonly #hints = new Map<string, number>();
  // When retries this process scheduled fall due (a hint for nextDue).
  #retries: number[] = [];
  #refreshedAt = 0;
  #rotation = 0;
  #claiming: Promise<unknown> = Promise.resolve();
  #heartbeat: NodeJS.Timeout;
  #closing: Promise<void> | null = null;
  #up = true;

  constructor(inner: DeliveryQueue, pool: pg.Pool, nc: NatsConnection, jsm: JetStreamManager, names: JetStreamNames) {
    this.#inner = inner;
    this.#pool = pool;
    this.#nc = nc;
    this.#js = nc.jetstream();
    this.#jsm = jsm;
    this.#names = names;
    this.#heartbeat = setInterval(() => this.#touch(), HEARTBEAT_MS).unref();
    // Readiness follows the connection: down while the client reconnects.
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === "disconnect") this.#up = false;
        else if (s.type === "reconnect") this.#up = true;
      }
    })();
    // One replica of the queue group handles each advisory.
    nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${names.deliveries}.*`, {
      queue: `${names.prefix}-max-deliveries`,
      callback: (err, msg) => {
        if (err) return;
        const seq = (JSON.parse(msg.string()) as { stream_seq?: unknown }).stream_seq;
        if (typeof seq === "number") void this.deadLetterExhausted(seq).catch(() => {});
      },
    });
  }

  /** Creates the consumers of the stored subscriptions (idempotent) and reads what exists. */
  async init(): Promise<void> {
    for (const r of await this.#inner.listSubscriptions())
      await ensureConsumers(this.#jsm, this.#names, r.subscription);
    await this.#refresh();
  }

  /** Whether the NATS connection is up (for readiness). */
  get connected(): boolean {
    return this.#up && !this.#nc.isClosed();
  }

  async #q(what: string, sql: string, params: unknown[] = []): Promise<Row[]> {
    if (this.#closing) throw new StoreError(StoreErrorCode.Closed, "the delivery queue is closed");
    try {
      return (await this.#pool.query(sql, params)).rows as Row[];
    } catch (e) {
      throw toStoreError(e, what);
    }
  }

  // Keeps claims alive that are held longer than half their ack wait (a slow attempt, a reply being stored).
  #touch(): void {
    const now = Date.now();
    for (const h of this.#held.values())
      if (now - h.touched > h.ackWaitMs / 2) {
        h.msg.working();
        h.touched = now;
      }
  }

  async #refresh(): Promise<void> {
    const subs = new Map<string, SubInfo>();
    for (const r of await this.#inner.listSubscriptions()) subs.set(r.subscription.id, subInfo(r.subscription));
    const consumers = await listConsumers(this.#jsm, this.#names);
    this.#subs = subs;
    this.#consumers = consumers;
    // Acknowledgements pending include retries waiting for redelivery (num_pending does not count those).
    for (const c of consumers) this.#hints.set(c.name, c.pending + c.ackPending);
    this.#refreshedAt = Date.now();
  }

  // --- subscriptions and the cursor: PostgreSQL (consumers follow the subscriptions).

  listSubscriptions(): Promise<SubscriptionRecord[]> {
    return this.#inner.listSubscriptions();
  }

  getSubscription(id: string): Promise<SubscriptionRecord | null> {
    return this.#inner.getSubscription(id);
  }

  async putSubscription(record: SubscriptionRecord): Promise<void> {
    await this.#inner.putSubscription(record);
    await ensureConsumers(this.#jsm, this.#names, record.subscription);
    await this.#refresh();
  }

  async deleteSubscription(id: string): Promise<boolean> {
    const existed = await this.#inner.deleteSubscription(id);
    await dropSubscription(this.#jsm, this.#names, id);
    await this.#q("drop failure records", "DELETE FROM jetstream_failures WHERE subscription_id = $1", [id]);
    await this.#refresh();
    return existed;
  }

  cursor(): Promise<number | null> {
    return this.#inner.cursor();
  }

  initCursor(sequence: number): Promise<number> {
    return this.#inner.initCursor(sequence);
  }

  async enqueue(deliveries: readonly RoutedDelivery[], advance?: CursorAdvance): Promise<boolean> {
    // Lost already: another replica routed this page (its publishes made the same deliveries).
    if (advance && (await this.cursor()) !== advance.from) return false;
    const ids = [...new Set(deliveries.map((d) => d.subscriptionId))];
    const rows = ids.length
      ? await this.#q("read subscriptions", "SELECT id, body FROM subscriptions WHERE id = ANY($1)", [ids])
      : [];
    const ordered = new Map(rows.map((r) => [String(r.id), isOrdered(String(r.body))]));
    try {
      await Promise.all(
        deliveries.flatMap((d) => {
          const o = ordered.get(d.subscriptionId);
          // A subscription deleted meanwhile gets nothing.
          return o === undefined ? [] : [this.#publish(d, o, deliveryMsgId(d.subscriptionId, d.sequence))];
        }),
      );
      if (advance) await publishPage(this.#pool, this.#js, this.#names, advance.from, advance.to);
    } catch (e) {
      throw natsError(e, "publish deliveries");
    }
    for (const d of deliveries) this.#hint(d);
    if (!advance) return true;
    const moved = await this.#q(
      "move the cursor",
      "UPDATE router_cursor SET seq = $2 WHERE id = 1 AND seq = $1 RETURNING seq",
      [advance.from, advance.to],
    );
    return moved.length === 1;
  }

  #publish(d: RoutedDelivery, ordered: boolean, msgId: string): Promise<unknown> {
    const h = headers();
    h.set("Nats-Msg-Id", msgId);
    const payload: Payload = { s: d.subscriptionId, q: d.sequence, l: d.lane, i: d.ingestedMs };
    const part = ordered ? lanePartition(d.lane ?? "") : null;
    return this.#js.publish(
      deliverySubject(this.#names, d.subscriptionId, part),
      encoder.encode(JSON.stringify(payload)),
      {
        headers: h,
      },
    );
  }

  #hint(d: RoutedDelivery): void {
    const sub = this.#subs.get(d.subscriptionId);
    const part = sub?.ordered ? lanePartition(d.lane ?? "") : null;
    const c = this.#consumers.find((x) => x.subscriptionId === d.subscriptionId && x.part === part);
    if (c) this.#hints.set(c.name, (this.#hints.get(c.name) ?? 0) + 1);
  }

  // --- claims.

  claim(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    // One claim at a time per process: the local in-flight counts it allocates from stay exact.
    const run = this.#claiming.then(() => this.#claim(options));
    this.#claiming = run.catch(() => {});
    return run;
  }

  async #claim(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    if (this.#closing) throw new StoreError(StoreErrorCode.Closed, "the delivery queue is closed");
    const fromPg = (await this.#inner.claim(options)).map((c) => ({ ...c, id: -c.id }));
    if (Date.now() - this.#refreshedAt > REFRESH_MS) await this.#refresh();
    const pulls = this.#allocate(options, options.limit - fromPg.length);
    const results = await Promise.allSettled(pulls.map((p) => this.#pull(p.consumer, p.want)));
    const msgs: { consumer: DeliveryConsumer; msg: JsMsg; payload: Payload }[] = [];
    let failed: unknown = null;
    for (const [i, r] of results.entries()) {
      if (r.status === "rejected") {
        failed ??= r.reason;
        continue;
      }
      const consumer = (pulls[i] as { consumer: DeliveryConsumer }).consumer;
      for (const msg of r.value) msgs.push({ consumer, msg, payload: JSON.parse(msg.string()) as Payload });
    }
    if (failed !== null && msgs.length === 0 && fromPg.length === 0) throw natsError(failed, "pull deliveries");
    if (msgs.length === 0) return fromPg;
    let details: Map<string, Detail>;
    try {
      details = await this.#details(msgs.map((m) => m.payload));
    } catch (e) {
      // Not handed out: back to JetStream at once (a redelivery, counted as an attempt).
      for (const m of msgs) m.msg.nak();
      throw e;
    }
    const out: ClaimedDelivery[] = [];
    const exhausted: Promise<unknown>[] = [];
    for (const { consumer, msg, payload } of msgs) {
      const d = details.get(`${payload.s}\0${payload.q}`);
      const event = d && d.attributes !== null && d.body !== null ? { attributes: d.attributes, body: d.body } : null;
      const held: Held = {
        msg,
        subscriptionId: payload.s,
        consumer: consumer.name,
        sequence: payload.q,
        lane: payload.l,
        ingestedMs: payload.i,
        attempt: msg.info.deliveryCount,
        failed: d?.firstFailureMs !== null && d?.firstFailureMs !== undefined,
        event,
        leaseUntil: options.now + (options.leaseMs?.(payload.s) ?? DEFAULT_LEASE_MS),
        ackWaitMs: consumer.ackWaitMs,
        touched: Date.now(),
      };
      this.#held.set(msg.seq, held);
      const sub = this.#subs.get(payload.s);
      if (sub && held.attempt > sub.attempts) {
        // The last allowed attempt died with its replica (JetStream redelivered after ack_wait): dead-letter it.
        const failure = d?.failure ?? { outcome: "timeout" as const, atMs: Date.now() };
        exhausted.push(
          this.deadLetter(msg.seq, { reason: "retries_exhausted", sink: sub.sink, failure }).catch(() => {
            // Left unacknowledged: at max_deliver JetStream gives up and the advisory dead-letters it.
            this.#held.delete(msg.seq);
          }),
        );
        continue;
      }
      out.push({
        id: msg.seq,
        subscriptionId: payload.s,
        sequence: payload.q,
        lane: payload.l,
        attempt: held.attempt,
        ingestedMs: payload.i,
        firstFailureMs: d?.firstFailureMs ?? null,
        event,
      });
    }
    await Promise.all(exhausted);
    return [...fromPg, ...out.sort((a, b) => a.sequence - b.sequence)];
  }

  // Which consumers to pull from, and how many each: those believed to have deliveries first, within the limit,
  // the caller's capacity and the subscription's maxInFlight less what this process holds.
  #allocate(options: ClaimOptions, limit: number): { consumer: DeliveryConsumer; want: number }[] {
    const heldBy = new Map<string, number>();
    const heldIn = new Set<string>();
    for (const h of this.#held.values()) {
      heldBy.set(h.subscriptionId, (heldBy.get(h.subscriptionId) ?? 0) + 1);
      heldIn.add(h.consumer);
    }
    const n = this.#consumers.length;
    const start = n === 0 ? 0 : this.#rotation++ % n;
    const order = [...this.#consumers.slice(start), ...this.#consumers.slice(0, start)].sort(
      (a, b) => (this.#hints.get(b.name) ?? 0) - (this.#hints.get(a.name) ?? 0),
    );
    const budget = new Map<string, number>();
    const out: { consumer: DeliveryConsumer; want: number }[] = [];
    let left = limit;
    for (const c of order) {
      if (left <= 0) break;
      const sub = this.#subs.get(c.subscriptionId);
      if (!sub) continue;
      const b =
        budget.get(c.subscriptionId) ??
        Math.min(options.capacity?.(c.subscriptionId) ?? Number.POSITIVE_INFINITY, sub.maxInFlight) -
          (heldBy.get(c.subscriptionId) ?? 0);
      if (b <= 0 || (c.part !== null && heldIn.has(c.name))) continue;
      const want = Math.min(left, b, c.part === null ? Math.max(1, this.#hints.get(c.name) ?? 0) : 1);
      out.push({ consumer: c, want });
      budget.set(c.subscriptionId, b - want);
      left -= want;
    }
    return out;
  }

  async #pull(consumer: DeliveryConsumer, want: number): Promise<JsMsg[]> {
    const out: JsMsg[] = [];
    const it = this.#js.fetch(this.#names.deliveries, consumer.name, { batch: want, no_wait: true, expires: FETCH_MS });
    for await (const m of it) out.push(m);
    const pending = out.at(-1)?.info.pending ?? 0;
    // A full batch may have left redeliveries behind (not counted in `pending`): ask for more next time.
    this.#hints.set(consumer.name, out.length === want ? Math.max(pending, want * 2) : pending);
    return out;
  }

  async #details(payloads: readonly Payload[]): Promise<Map<string, Detail>> {
    const rows = await this.#q("read claimed events", CLAIM_DETAILS, [
      payloads.map((p) => p.s),
      payloads.map((p) => p.q),
    ]);
    const out = new Map<string, Detail>();
    for (const r of rows) {
      const first = r.first_failure_ms === null || r.first_failure_ms === undefined ? null : Number(r.first_failure_ms);
      out.set(`${String(r.sub)}\0${Number(r.seq)}`, {
        attributes: r.attributes === null ? null : String(r.attributes),
        body: r.body === null ? null : String(r.body),
        firstFailureMs: first,
        failure:
          first === null
            ? null
            : {
                outcome: r.last_outcome === "status" ? Number(r.last_status) : (String(r.last_outcome) as "timeout"),
                ...(r.last_snippet === null ? {} : { responseSnippet: String(r.last_snippet) }),
                atMs: Number(r.last_failure_ms),
              },
      });
    }
    return out;
  }

  async nextDue(): Promise<number | null> {
    const pg = await this.#inner.nextDue();
    const now = Date.now();
    this.#retries = this.#retries.filter((t) => t > now - POLL_MS);
    const waiting = [...this.#hints.entries()].some(([name, n]) => n > 0 && this.#pullable(name));
    const js = waiting ? now : Math.min(now + POLL_MS, ...this.#retries);
    return pg === null ? js : Math.min(pg, js);
  }

  // A consumer this process could pull from now (a lane partition holds one delivery in flight).
  #pullable(name: string): boolean {
    const c = this.#consumers.find((x) => x.name === name);
    if (!c || !this.#subs.has(c.subscriptionId)) return false;
    for (const h of this.#held.values()) if (h.consumer === name && c.part !== null) return false;
    return true;
  }

  // --- outcomes.

  async complete(id: number): Promise<void> {
    if (id < 0) return this.#inner.complete(-id);
    const h = this.#held.get(id);
    if (!h) return;
    try {
      await h.msg.ackAck();
    } catch (e) {
      throw natsError(e, "acknowledge a delivery");
    } finally {
      this.#held.delete(id);
    }
    if (h.failed) await this.#forget(h);
  }

  async #forget(h: Held): Promise<void> {
    await this.#q("drop a failure record", "DELETE FROM jetstream_failures WHERE subscription_id = $1 AND seq = $2", [
      h.subscriptionId,
      h.sequence,
    ]);
  }

  async retryAt(id: number, notBefore: number, failure: AttemptFailure): Promise<void> {
    if (id < 0) return this.#inner.retryAt(-id, notBefore, failure);
    const h = this.#held.get(id);
    if (!h) return;
    const { kind, status } = outcomeColumns(failure.outcome);
    await this.#q("record a failure", RECORD_FAILURE, [
      h.subscriptionId,
      h.sequence,
      failure.atMs,
      kind,
      status,
      failure.responseSnippet ?? null,
      notBefore,
    ]);
    // JetStream redelivers after the delay on the server's clock: `notBefore` is taken as wall-clock time.
    const delay = Math.max(0, notBefore - Date.now());
    h.msg.nak(delay);
    this.#held.delete(id);
    this.#retries.push(notBefore);
    await this.#flush();
  }

  async deadLetter(id: number, input: DeadLetterInput): Promise<DeadLetter | null> {
    if (id < 0) return this.#inner.deadLetter(-id, input);
    const h = this.#held.get(id);
    if (!h) return null;
    let dead: DeadLetter | null = null;
    if (h.event) dead = await this.#writeDeadLetter(h, h.event, input);
    else if (h.failed) await this.#forget(h);
    // Terminated: JetStream removes it from the work queue and frees its lane partition.
    h.msg.term();
    this.#held.delete(id);
    await this.#flush();
    return dead;
  }

  // The dead letter (same row as the PostgreSQL queue's) and the end of the failure record, in one transaction.
  async #writeDeadLetter(
    d: Pick<Held, "subscriptionId" | "sequence" | "lane" | "attempt" | "ingestedMs">,
    event: { readonly attributes: string; readonly body: string },
    input: DeadLetterInput,
  ): Promise<DeadLetter> {
    const { kind, status } = outcomeColumns(input.failure.outcome);
    const at = input.failure.atMs;
    const client = await this.#pool.connect().catch((e: unknown) => {
      throw toStoreError(e, "dead-letter a delivery");
    });
    try {
      await client.query("BEGIN");
      const f = (
        await client.query(
          "DELETE FROM jetstream_failures WHERE subscription_id = $1 AND seq = $2 RETURNING first_failure_ms",
          [d.subscriptionId, d.sequence],
        )
      ).rows[0] as Row | undefined;
      const row = (
        await client.query(DEAD_LETTER_UPSERT, [
          d.subscriptionId,
          d.sequence,
          d.lane,
          input.sink,
          input.reason,
          d.attempt,
          kind,
          status,
          input.failure.responseSnippet ?? null,
          f ? Number(f.first_failure_ms) : at,
          at,
          d.ingestedMs,
          event.attributes,
          event.body,
        ])
      ).rows[0] as Row;
      await client.query("COMMIT");
      return rowToDeadLetter(row);
    } catch (e) {
      await client.query("ROLLBACK").catch(() => {});
      throw toStoreError(e, "dead-letter a delivery");
    } finally {
      client.release();
    }
  }

  /**
   * A delivery JetStream gave up on (`max_deliver` reached: its last claims died with their replicas, or its
   * dead-lettering failed): read it from the stream, dead-letter it (`retries_exhausted`), delete it. Idempotent:
   * replicas may both see the advisory, and a message already gone is ignored.
   */
  async deadLetterExhausted(streamSeq: number): Promise<void> {
    let data: Uint8Array;
    try {
      data = (await this.#jsm.streams.getMessage(this.#names.deliveries, { seq: streamSeq })).data;
    } catch {
      return;
    }
    const p = JSON.parse(new TextDecoder().decode(data)) as Payload;
    const record = await this.#inner.getSubscription(p.s);
    const detail = (await this.#details([p])).get(`${p.s}\0${p.q}`);
    if (record && detail && detail.attributes !== null && detail.body !== null) {
      const s = record.subscription;
      const failure = detail.failure ?? { outcome: "timeout" as const, atMs: Date.now() };
      const d = { subscriptionId: p.s, sequence: p.q, lane: p.l, attempt: s.delivery.retry + 2, ingestedMs: p.i };
      await this.#writeDeadLetter(
        d,
        { attributes: detail.attributes, body: detail.body },
        {
          reason: "retries_exhausted",
          sink: s.sink,
          failure,
        },
      );
    }
    await this.#jsm.streams.deleteMessage(this.#names.deliveries, streamSeq, false).catch(() => false);
  }

  async #flush(): Promise<void> {
    try {
      await this.#nc.flush();
    } catch (e) {
      throw natsError(e, "reach NATS");
    }
  }

  async recoverInFlight(now: number): Promise<number> {
    // Claims of dead replicas come back by themselves (ack_wait); here only this process's own expired leases.
    let n = await this.#inner.recoverInFlight(now);
    for (const [id, h] of this.#held)
      if (h.leaseUntil < now) {
        h.msg.nak();
        this.#held.delete(id);
        n++;
      }
    if (n > 0) await this.#flush();
    return n;
  }

  // --- dead letters: PostgreSQL; a replay is published to the subscription's subject again.

  listDeadLetters(query: DeadLetterQuery): Promise<DeadLetterPage> {
    return this.#inner.listDeadLetters(query);
  }

  getDeadLetter(id: number): Promise<DeadLetter | null> {
    return this.#inner.getDeadLetter(id);
  }

  setDeadLetterSinkResult(id: number, result: string): Promise<void> {
    return this.#inner.setDeadLetterSinkResult(id, result);
  }

  async replayDeadLetters(selector: DeadLetterSelector, now: number): Promise<ReplayResult> {
    const params: unknown[] = [];
    const where = selectorConditions(
      selector,
      (v) => {
        params.push(v);
        return `$${params.length}`;
      },
      (p) => `(SELECT unnest(${p}::bigint[]))`,
    ).join(" AND ");
    const client = await this.#pool.connect().catch((e: unknown) => {
      throw toStoreError(e, "replay dead letters");
    });
    try {
      await client.query("BEGIN");
      const rows = (
        await client.query(
          "SELECT *, (SELECT s.body FROM subscriptions s WHERE s.id = dead_letters.subscription_id) AS sub_body " +
            `FROM dead_letters WHERE state = 'dead' AND ${where} ORDER BY seq FOR UPDATE`,
          params,
        )
      ).rows as Row[];
      const live = rows.filter((r) => r.sub_body !== null);
      // Published before the rows change: a failed publish changes nothing; a commit that fails after it may
      // deliver the event twice (at least once).
      await Promise.all(
        live.map((r) => {
          const d = {
            subscriptionId: String(r.subscription_id),
            sequence: Number(r.seq),
            lane: r.lane === null ? null : String(r.lane),
            ingestedMs: Number(r.ingested_ms),
          };
          const msgId = `${deliveryMsgId(d.subscriptionId, d.sequence)}/replay-${Number(r.replays) + 1}`;
          return this.#publish(d, isOrdered(String(r.sub_body)), msgId).then(() => this.#hint(d));
        }),
      ).catch((e: unknown) => {
        throw natsError(e, "publish replayed deliveries");
      });
      for (const r of live)
        await client.query(
          "UPDATE dead_letters SET state = 'replayed', replays = replays + 1, replayed_ms = $1 WHERE id = $2",
          [now, r.id],
        );
      await client.query("COMMIT");
      return { replayed: live.length, skipped: rows.length - live.length };
    } catch (e) {
      await client.query("ROLLBACK").catch(() => {});
      throw e instanceof StoreError ? e : toStoreError(e, "replay dead letters");
    } finally {
      client.release();
    }
  }

  purgeDeadLetters(selector: DeadLetterSelector): Promise<number> {
    return this.#inner.purgeDeadLetters(selector);
  }

  async depth(now: number): Promise<QueueDepth> {
    const inner = await this.#inner.depth(now);
    let consumers: DeliveryConsumer[];
    try {
      consumers = await listConsumers(this.#jsm, this.#names);
    } catch (e) {
      throw natsError(e, "read consumer state");
    }
    const [w] = await this.#q("count retries", WAITING_COUNTS, [now]);
    const due = Number(w?.due ?? 0);
    const later = Number(w?.later ?? 0);
    const pending = consumers.reduce((n, c) => n + c.pending, 0);
    const ackPending = consumers.reduce((n, c) => n + c.ackPending, 0);
    return {
      pending: inner.pending + pending + due,
      scheduled: inner.scheduled + later,
      inFlight: inner.inFlight + Math.max(0, ackPending - due - later),
      dead: inner.dead,
    };
  }

  async close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#heartbeat);
      await this.#claiming;
      // What this process still holds goes back at once rather than after ack_wait.
      for (const h of this.#held.values()) h.msg.nak();
      this.#held.clear();
      await this.#nc.drain().catch(() => {});
      await this.#pool.end().catch(() => {});
      await this.#inner.close();
    })();
    await this.#closing;
  }
}

// A claimed delivery's event and failure record.
interface Detail {
  readonly attributes: string | null;
  readonly body: string | null;
  readonly firstFailureMs: number | null;
  readonly failure: AttemptFailure | null;
}

function subInfo(s: Subscription): SubInfo {
  return {
    maxInFlight: s.delivery.maxInFlight,
    attempts: s.delivery.retry + 1,
    sink: s.sink,
    ordered: s.delivery.ordering !== "none",
  };
}

function isOrdered(body: string): boolean {
  const s = JSON.parse(body) as Subscription;
  return s.delivery.ordering !== "none";
}

// NATS failures surface as the store's "unavailable" (HTTP 503, retried by the loops).
function natsError(e: unknown, what: string): StoreError {
  if (e instanceof StoreError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new StoreError(StoreErrorCode.Unavailable, `could not ${what}: NATS: ${message}`, { cause: e });
}
