/**
 * The NATS server (JetStream enabled) the tests use (`CAIRN_TEST_NATS_URL`, default `nats://127.0.0.1:4222`),
 * prefixes unique to this run (their streams are deleted when the file's tests end), and the rule for when it is
 * down: skip with a message, but fail under CI (`CI` set).
 * @module
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, it } from "node:test";
import { connect } from "nats";
import { pgDown } from "./store-pg-env.ts";

/** URL of the test NATS server. */
export const NATS_URL = process.env.CAIRN_TEST_NATS_URL ?? "nats://127.0.0.1:4222";

async function unreachable(): Promise<string | null> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 3000, reconnect: false });
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.getAccountInfo();
      return null;
    } finally {
      await nc.close();
    }
  } catch (e) {
    return e instanceof Error ? e.message || e.name : String(e);
  }
}

/** Why NATS JetStream cannot be used (null when it can), asked once per test file. */
export const natsDown: string | null = await unreachable();

const run = `ct${process.pid}${randomBytes(3).toString("hex")}`;
const used: string[] = [];

/** A new prefix, unique to this run; its streams are deleted when the file's tests end. */
export function tempPrefix(): string {
  const p = `${run}_${used.length}`;
  used.push(p);
  return p;
}

after(async () => {
  if (used.length === 0 || natsDown !== null) return;
  const nc = await connect({ servers: NATS_URL });
  try {
    const jsm = await nc.jetstreamManager();
    for (const p of used)
      for (const s of ["DELIVERIES", "EVENTS"]) await jsm.streams.delete(`${p.toUpperCase()}_${s}`).catch(() => false);
  } finally {
    await nc.close();
  }
});

/** Registers `register` when NATS and PostgreSQL answer; otherwise one skipped test, or under CI one failing test. */
export function whenNatsAndPostgres(name: string, register: () => void): void {
  const why =
    natsDown !== null
      ? `NATS JetStream at ${NATS_URL} is unreachable (${natsDown}); start nats-server -js or set CAIRN_TEST_NATS_URL`
      : pgDown !== null
        ? `PostgreSQL is unreachable (${pgDown}); start it or set CAIRN_TEST_PG_URL`
        : null;
  if (why === null) {
    register();
    return;
  }
  describe(name, () => {
    if (process.env.CI) it("needs NATS and PostgreSQL under CI", () => assert.fail(why));
    else it("NATS cases", { skip: why }, () => {});
  });
}
