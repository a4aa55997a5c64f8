/**
 * Append notifications for `EventStore.watch` on PostgreSQL: one dedicated connection `LISTEN`s while anybody
 * watches, so appends by other hub replicas wake this one's streams too.
 * @module
 */
import pg from "pg";

/** The channel every store notifies on; the payload is `<schema>:<last sequence>`. */
export const NOTIFY_CHANNEL = "cairn_events";

/** What a listener is called with: the highest committed sequence known. */
export type SequenceListener = (lastSequence: number) => void;

// Pause before re-establishing a lost LISTEN connection, so a database that is down is not hammered.
const RECONNECT_MS = 1000;

/**
 * The watchers of one store and the LISTEN connection serving them, opened on the first watcher and closed with
 * the last. Listeners may be called more than once for one sequence and, after (re)connecting, once with the
 * current last sequence (notifications sent while not listening are lost, so this is how a watcher catches up);
 * they are expected to re-query from their cursor, which makes repeats harmless.
 */
export class AppendWatcher {
  readonly #config: pg.ClientConfig;
  readonly #schema: string;
  readonly #latest: () => Promise<number>;
  readonly #listeners = new Set<SequenceListener>();
  #client: pg.Client | null = null;
  #retry: NodeJS.Timeout | null = null;
  #closed = false;

  /** `latest` reads the current last sequence (for catching up after connecting). */
  constructor(config: pg.ClientConfig, schema: string, latest: () => Promise<number>) {
    this.#config = config;
    this.#schema = schema;
    this.#latest = latest;
  }

  /** Adds a listener; the returned function removes it (and closes the connection after the last one). */
  add(listener: SequenceListener): () => void {
    if (this.#closed) return () => {};
    // Wrapped so the same function can watch twice and be removed once per subscription.
    const entry: SequenceListener = (seq) => listener(seq);
    this.#listeners.add(entry);
    if (this.#listeners.size === 1 && this.#client === null) this.#connect();
    return () => {
      if (this.#listeners.delete(entry) && this.#listeners.size === 0) this.#disconnect();
    };
  }

  /** Tells every listener about `lastSequence` (after a local commit, or a notification). */
  emit(lastSequence: number): void {
    // Deferred so a throwing listener cannot fail the append that committed, nor starve the others.
    for (const l of this.#listeners) queueMicrotask(() => l(lastSequence));
  }

  /** Drops every listener and the connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.#disconnect();
  }

  #connect(): void {
    const client = new pg.Client(this.#config);
    this.#client = client;
    client.on("notification", (n) => this.#onNotification(n));
    client.on("error", () => this.#lost(client));
    client.on("end", () => this.#lost(client));
    client
      .connect()
      .then(() => client.query(`LISTEN ${NOTIFY_CHANNEL}`))
      .then(() => this.#latest())
      .then((seq) => {
        if (this.#client === client && seq > 0) this.emit(seq);
      })
      .catch(() => this.#lost(client));
  }

  #onNotification(n: pg.Notification): void {
    const payload = n.payload ?? "";
    const colon = payload.lastIndexOf(":");
    // Every store of the database shares the channel; only this schema's appends concern this store.
    if (n.channel !== NOTIFY_CHANNEL || payload.slice(0, colon) !== this.#schema) return;
    const seq = Number(payload.slice(colon + 1));
    if (Number.isSafeInteger(seq)) this.emit(seq);
  }

  // The connection failed or ended: forget it, and listen again shortly if somebody still watches.
  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = null;
    client.end().catch(() => {});
    if (this.#closed || this.#listeners.size === 0 || this.#retry !== null) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      if (!this.#closed && this.#listeners.size > 0 && this.#client === null) this.#connect();
    }, RECONNECT_MS);
    this.#retry.unref();
  }

  #disconnect(): Promise<void> {
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    const client = this.#client;
    this.#client = null;
    return client ? client.end().catch(() => {}) : Promise.resolve();
  }
}
