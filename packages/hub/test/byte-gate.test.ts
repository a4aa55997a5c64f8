import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ByteGate } from "../src/ingest/byte-gate.ts";

/** Enters and records the order in which the entries were let in. */
function enterAll(gate: ByteGate, sizes: readonly number[], order: number[]): Promise<void>[] {
  return sizes.map(async (bytes, i) => {
    const turn = gate.enter(bytes);
    if (turn) await turn;
    order.push(i);
  });
}

describe("ByteGate", () => {
  it("lets requests in at once, without a promise, while they fit", () => {
    const gate = new ByteGate(100);
    assert.equal(gate.enter(60), undefined);
    assert.equal(gate.enter(40), undefined);
    assert.equal(gate.insideBytes, 100);
    assert.equal(gate.waitingBytes, 0);
  });

  it("holds what does not fit and lets it in, in arrival order, as others leave", async () => {
    const gate = new ByteGate(100);
    assert.equal(gate.enter(80), undefined);
    const order: number[] = [];
    const entered = enterAll(gate, [50, 10, 30], order);
    await new Promise((r) => setImmediate(r));
    // The 10-byte request would fit, but it does not overtake the 50-byte one ahead of it.
    assert.deepEqual(order, []);
    assert.equal(gate.waitingBytes, 90);
    gate.leave(80);
    await Promise.all(entered);
    assert.deepEqual(order, [0, 1, 2]);
    assert.equal(gate.insideBytes, 90);
    assert.equal(gate.waitingBytes, 0);
  });

  it("lets one request larger than the limit in alone, so none is starved", async () => {
    const gate = new ByteGate(100);
    assert.equal(gate.enter(20), undefined);
    const order: number[] = [];
    const entered = enterAll(gate, [500, 20], order);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, []);
    gate.leave(20);
    await entered[0];
    assert.deepEqual(order, [0]);
    assert.equal(gate.insideBytes, 500);
    assert.equal(gate.waitingBytes, 20);
    gate.leave(500);
    await entered[1];
    assert.deepEqual(order, [0, 1]);
    assert.equal(gate.insideBytes, 20);
  });

  it("admits a request that arrives when the gate is empty, whatever its size", () => {
    const gate = new ByteGate(10);
    assert.equal(gate.enter(1_000_000), undefined);
    assert.equal(gate.insideBytes, 1_000_000);
  });
});
