/**
 * A connection pool bound to the store's schema, migrated for one component (the delivery queue, the correlation
 * store), as the components that live beside the event store in its schema open theirs.
 * @module
 */
import pg from "pg";
import { toStoreError } from "./postgres-errors.ts";
import { quoteIdent } from "./postgres-migrations.ts";

/** What a component's pool needs. */
export interface SchemaPoolOptions {
  readonly url: string;
  /** The store's schema (it must exist: the store is opened first). */
  readonly schema: string;
  readonly poolSize: number;
  /** `application_name` unless the URL sets one, e.g. `cairn-router`. */
  readonly applicationName: string;
  /** Applies the component's migrations on one connection. */
  readonly migrate: (client: pg.PoolClient, schema: string) => Promise<void>;
  /** For the error message: `opening the <what> tables in <schema>`. */
  readonly what: string;
}

/** Opens the pool (search_path set on every connection) and migrates; ends the pool again if that fails. */
export async function openSchemaPool(options: SchemaPoolOptions): Promise<pg.Pool> {
  const ident = quoteIdent(options.schema);
  const pool = new pg.Pool({
    connectionString: options.url,
    connectionTimeoutMillis: 5000,
    keepAlive: true,
    max: options.poolSize,
    fallback_application_name: options.applicationName,
    onConnect: async (client) => {
      await client.query(`SET search_path TO ${ident}`);
    },
  });
  // An idle connection that dies is dropped by the pool; without a listener its 'error' would crash the process.
  pool.on("error", () => {});
  try {
    const client = await pool.connect();
    try {
      await options.migrate(client, options.schema);
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => {});
    throw toStoreError(e, `opening the ${options.what} tables in ${options.schema}`);
  }
  return pool;
}
