/**
 * The event store contract: one interface, implemented side by side by SQLite (embedded default) and PostgreSQL
 * (scale-out), and proven by one conformance suite (`test/store-conformance.ts`).
 * @module
 */

/** An embedded link of a stored event (`context.links[]`), flattened for the link graph. */
export interface EventLink {
  /** `PATH`, `END` or `RELATION`. */
  readonly linkType: string;
  /** The relation's kind (`RELATION` only), e.g. `TRIGGER`. */
  readonly linkKind: string | null;
  /** `context.id` of the other event: `from` for PATH/END, `target` for RELATION. */
  readonly contextId: string | null;
  /** A `cdevents:v0:…` domain id of the other end (0.6 draft). */
  readonly domainId: string | null;
}

/**
 * An event ready to be stored: its verbatim JSON and the columns the store indexes. PostgreSQL text cannot hold
 * U+0000, so that store refuses such strings (`CAIRN_ERR_STORE_INVALID_ARGUMENT`); the hub refuses them at ingest,
 * so HTTP clients see the same answer on every engine.
 */
export interface NewEvent {
  /** `context.id` (= CloudEvent `id`). With `source`, the idempotency key. */
  readonly id: string;
  /** `context.source` (= CloudEvent `source`). */
  readonly source: string;
  /** `context.type`, e.g. `dev.cdevents.build.finished.0.2.0`. */
  readonly type: string;
  /** Subject kind from the type (`build`), or null for a type outside the CDEvents grammar. */
  readonly subjectKind: string | null;
  /** Predicate from the type (`finished`), or null. */
  readonly predicate: string | null;
  /** Event version from the type (`0.2.0`), or null. */
  readonly eventVersion: string | null;
  /** `context.specversion` (the CDEvents release, e.g. `0.4.1`). */
  readonly specVersion: string;
  /** `subject.id`. */
  readonly subjectId: string | null;
  /** `subject.source`. */
  readonly subjectSource: string | null;
  /** `context.timestamp` exactly as received. */
  readonly timestamp: string;
  /** `context.timestamp` in epoch milliseconds (for range queries); null when it does not parse. */
  readonly timestampMs: number | null;
  /** `context.chainId` (0.4 and later). */
  readonly chainId: string | null;
  /** When the hub received it, epoch milliseconds. */
  readonly receivedAtMs: number;
  /** The CDEvent exactly as received (JSON text). */
  readonly body: string;
  /** The CloudEvent's attributes and extensions as received, without `data` (JSON object text). */
  readonly attributes: string;
  /** The event's embedded links. */
  readonly links: readonly EventLink[];
}

/** A stored event: what was appended plus the store's monotonically increasing sequence number. */
export interface StoredEvent extends NewEvent {
  /** Position in the store; increases in commit order, never reused (gaps are possible). */
  readonly sequence: number;
}

/** What happened to one appended event. */
export interface AppendOutcome {
  /** The sequence of the stored row: new, or the one already stored with the same `(source, id)`. */
  readonly sequence: number;
  /** True when an event with the same `(source, id)` was already stored (this one was not stored again). */
  readonly duplicate: boolean;
}

/**
 * Filters and paging of a query. `types` and `typePrefixes` form one group: an event's type must equal one of
 * `types` or start with one of `typePrefixes`. That group and every other filter present must all match (AND).
 * An empty list counts as absent. Events whose timestamp does not parse never match `from`/`to`.
 */
export interface EventQuery {
  /** Exact `type` values. */
  readonly types?: readonly string[];
  /** `type` prefixes, e.g. `dev.cdevents.service.` or `dev.cdevents.build.finished.`. */
  readonly typePrefixes?: readonly string[];
  /** Exact `context.source`. */
  readonly source?: string;
  /** Exact `subject.id`. */
  readonly subjectId?: string;
  /** Exact `context.chainId`. */
  readonly chainId?: string;
  /** Event timestamp at or after (epoch ms). */
  readonly from?: number;
  /** Event timestamp before (epoch ms). */
  readonly to?: number;
  /** Only sequences after this one (oldest-first) or before it (newest-first): the cursor. */
  readonly after?: number;
  /** `asc` (oldest first) or `desc` (newest first). */
  readonly order: "asc" | "desc";
  /** Page size, at least 1. */
  readonly limit: number;
}

/** A page of results. */
export interface EventPage {
  readonly events: readonly StoredEvent[];
  /** Cursor for the next page (`after`), or null when this page is the last one at query time. */
  readonly next: number | null;
}

/** Retention limits; the oldest events (by sequence) go first. */
export interface RetentionLimits {
  /** Delete events received before this time (epoch ms). */
  readonly receivedBefore?: number;
  /** Delete the oldest events until the stored bodies total at most this many bytes. */
  readonly maxBytes?: number;
}

/** Size and position of the store. */
export interface StoreStats {
  /** Number of stored events. */
  readonly events: number;
  /** Total size of the stored bodies (UTF-8 bytes). */
  readonly bodyBytes: number;
  /** Highest sequence stored, 0 when empty. */
  readonly lastSequence: number;
  /** Size of the database on disk in bytes, when the engine can tell. */
  readonly diskBytes: number | null;
}

/** Readiness of a store. */
export interface StoreHealth {
  readonly ok: boolean;
  /** Applied schema version and the version this build expects. */
  readonly schemaVersion: number;
  readonly expectedSchemaVersion: number;
  /** Why it is not ready. */
  readonly reason?: string;
}

/** A delivery of a new event decided as it is appended (see {@link InlineRouting}). */
export interface InlineDelivery {
  readonly subscriptionId: string;
  /** The ordering lane, or null for an unordered subscription. */
  readonly lane: string | null;
  /**
   * Set when the router has room to send it at once: the delivery is stored claimed (in flight, attempt 1, held
   * until this time, epoch ms) and handed back after the commit, so it needs no claim of its own. Unordered only.
   */
  readonly claimUntil?: number;
}

/** A delivery stored claimed by an inline-routed append (see {@link InlineDelivery.claimUntil}). */
export interface InlineClaim {
  readonly delivery: InlineDelivery;
  readonly event: NewEvent;
  /** The event's sequence (0 when it was not stored). */
  readonly sequence: number;
  /** The delivery's row id; 0 when it was not stored (a duplicate event, a deleted subscription, not routed inline). */
  readonly deliveryId: number;
}

/** What an inline-routed append did, once it committed or failed. */
export interface InlineOutcome {
  /** Deliveries its transaction created (claimed ones included). */
  readonly created: number;
  /** Every delivery that asked to be claimed, stored or not. */
  readonly claims: readonly InlineClaim[];
  /**
   * The highest sequence the append routed (the routing cursor's new position), or 0 when it left routing to the
   * loop.
   */
  readonly routedThrough: number;
}

/**
 * Routing inside the append transaction, for a store whose file also holds the delivery queue (SQLite): each new
 * event's deliveries are inserted and the routing cursor moves past it in the transaction that stores it, so an
 * acknowledged event already has its deliveries, and the router reads nothing back. The store routes inline only
 * while the cursor is at the log's end; otherwise (events the routing loop has not routed yet) it leaves the
 * append to the loop, so no event is ever routed twice.
 */
export interface InlineRouting {
  /** The deliveries of `event`, against the subscriptions of the moment. */
  route(event: NewEvent): readonly InlineDelivery[];
  /**
   * Called after every append that routed something or asked for a claim, once it committed — or failed, then with
   * nothing created and no claim stored.
   */
  settled(outcome: InlineOutcome): void;
}

/** A delivery outcome of the embedded queue, as the store's writer records it (see `recordDeliveryOutcomes`). */
export type DeliveryOutcomeRecord =
  | { readonly kind: "complete"; readonly id: number }
  | {
      readonly kind: "retry";
      readonly id: number;
      /** Due again at (epoch ms). */
      readonly notBefore: number;
      /** When the attempt ended (epoch ms). */
      readonly atMs: number;
      /** `status`, `network`, `timeout` or `none`. */
      readonly outcome: string;
      readonly status: number | null;
      readonly snippet: string | null;
    };

/**
 * A durable, append-only event store with idempotent appends.
 *
 * Guarantees every implementation keeps (and the conformance suite checks): `append` is one transaction that is
 * durable when its promise resolves; `(source, id)` is unique; sequences increase in commit order, so a reader that
 * has seen sequence N will never later see a new event below N (cursors are stable under concurrent ingest).
 */
export interface EventStore {
  /** `sqlite` or `postgres`. */
  readonly engine: string;
  /** Appends events in one transaction; outcomes are in input order. Duplicates are reported, not stored. */
  append(events: readonly NewEvent[]): Promise<AppendOutcome[]>;
  /** Events matching a query, one page. */
  query(query: EventQuery): Promise<EventPage>;
  /** One event by sequence. */
  get(sequence: number): Promise<StoredEvent | null>;
  /** One event by its idempotency key. */
  findById(source: string, id: string): Promise<StoredEvent | null>;
  /** Deletes events past the limits, at most `batch` rows per transaction; resolves to the number deleted. */
  prune(limits: RetentionLimits, batch?: number): Promise<number>;
  /** Counts and sizes. */
  stats(): Promise<StoreStats>;
  /** Is the store reachable and migrated? */
  health(): Promise<StoreHealth>;
  /**
   * Calls `listener` with the highest committed sequence whenever events are appended — by this process or, where
   * the engine can tell (PostgreSQL LISTEN/NOTIFY), by another. It may fire more than once per append (and on
   * PostgreSQL once after reconnecting), or once for several appends of another process (PostgreSQL: within 30 ms),
   * so listeners re-read by cursor. Returns an unsubscribe function.
   */
  watch(listener: (lastSequence: number) => void): () => void;
  /** Routes appends inline from now on (null: no longer), where the engine can (see {@link InlineRouting}). */
  routeInline?(routing: InlineRouting | null): void;
  /**
   * Records the embedded delivery queue's outcomes in one transaction on the store's writer, where the engine has
   * one (SQLite: the writer thread, so the commit leaves the event loop); resolves once committed. The commit is in
   * the write-ahead log, fsynced with the next append or within a second (`SqliteAppender.recordOutcomes`).
   */
  recordDeliveryOutcomes?(outcomes: readonly DeliveryOutcomeRecord[]): Promise<void>;
  /** Releases connections and files. Idempotent. */
  close(): Promise<void>;
}
