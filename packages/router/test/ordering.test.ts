/**
 * Ordering lanes: none, per partitionkey, per subject; the default lane for events without a key.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_LANE, orderingKey } from "../src/index.ts";
import { ce, valid } from "./helpers.ts";

const T = "dev.cdevents.service.deployed.0.2.0";
const cdevent = { context: {}, subject: { id: "svc/api", source: "/prod" } };

test("none: no lane", () => {
  assert.equal(orderingKey(valid({}), ce(T, { partitionkey: "p" }), cdevent), null);
});

test("partitionKey: the partitionkey extension, else the default lane", () => {
  const s = valid({ delivery: { ordering: "partitionKey" } });
  assert.equal(orderingKey(s, ce(T, { partitionkey: "tenant-7" }), cdevent), "tenant-7");
  assert.equal(orderingKey(s, ce(T, { partitionkey: 12 }), cdevent), "12");
  assert.equal(orderingKey(s, ce(T), cdevent), DEFAULT_LANE);
  assert.equal(orderingKey(s, ce(T, { partitionkey: "" }), cdevent), "");
  assert.equal(DEFAULT_LANE, "");
});

test("subject: the CDEvent's subject.id, else the CloudEvent subject, else the default lane", () => {
  const s = valid({ delivery: { ordering: "subject" } });
  assert.equal(orderingKey(s, ce(T, { subject: "other" }), cdevent), "svc/api");
  assert.equal(orderingKey(s, ce(T, { subject: "from-attributes" }), { subject: {} }), "from-attributes");
  assert.equal(orderingKey(s, ce(T, { subject: undefined }), null), DEFAULT_LANE);
  assert.equal(orderingKey(s, ce(T, { subject: undefined }), { subject: { id: "" } }), DEFAULT_LANE);
  assert.equal(orderingKey(s, ce(T, { subject: undefined }), JSON.parse('{"__proto__":{"id":"x"}}')), DEFAULT_LANE);
});
