/**
 * The CloudEvents JSON format schema (`../shared/cloudevents-spec/formats/cloudevents.json`, draft-07, run by Ajv
 * with ajv-formats) accepts every structured envelope we produce for every official CDEvents example, alone and in
 * a batch, and the envelopes decode back to the example.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { toNats } from "../src/binding/headers.ts";
import { fromHttp, toHttp, toHttpBatch } from "../src/binding/http.ts";
import { allExamples, SHARED } from "./spec-files.ts";

// ajv-formats is CommonJS with a `default` export; under NodeNext the default import is the module itself.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const SCHEMA = new URL("cloudevents-spec/formats/cloudevents.json", SHARED);

function validator(t: { skip(message: string): void }) {
  if (!existsSync(SCHEMA)) {
    const message = `CloudEvents JSON schema not found at ${SCHEMA.pathname}`;
    if (process.env.CI) assert.fail(`${message} (required when CI is set)`);
    t.skip(`${message}: schema tests skipped`);
    return undefined;
  }
  const schema = JSON.parse(readFileSync(SCHEMA, "utf8")) as { $schema: string };
  assert.match(schema.$schema, /draft-07/, "the file declares draft-07, Ajv's default dialect");
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

test("every structured envelope of every official example satisfies the CloudEvents JSON schema", (t) => {
  const validate = validator(t);
  if (validate === undefined) return;
  const examples = allExamples({ drafts: true });
  if (examples.length === 0) {
    if (process.env.CI) assert.fail("no official examples found (required when CI is set)");
    t.skip("../shared/cdevents-spec not found: no examples to encode");
    return;
  }
  assert.ok(examples.length >= 130, `found ${examples.length} examples`);
  const options = {
    mode: "structured" as const,
    dataschema: "https://cdevents.dev/0.5.1/schema/artifact-packaged-event",
    extensions: { partitionkey: "k", attempt: 2, replay: false },
  };
  for (const example of examples) {
    for (const message of [
      toHttp(example.json, { mode: "structured" }),
      toHttp(example.json, options),
      toNats(example.json, options),
    ]) {
      const body = "body" in message ? message.body : message.data;
      const envelope = JSON.parse(body) as unknown;
      assert.ok(validate(envelope), `${example.file}: ${JSON.stringify(validate.errors)}`);
    }
    const decoded = fromHttp(toHttp(example.json, options));
    assert.equal(decoded.ok, true, `${example.file}: ${JSON.stringify(decoded.issues)}`);
    assert.deepEqual(decoded.value[0]?.cdevent, example.json);
    assert.equal(decoded.value[0]?.cloudEvent.time, (example.json.context as { timestamp: string }).timestamp);
  }
  const batch = JSON.parse(toHttpBatch(examples.map((e) => e.json)).body) as unknown[];
  assert.equal(batch.length, examples.length);
  for (const entry of batch) assert.ok(validate(entry), JSON.stringify(validate.errors));
});

test("the schema rejects what our decoder rejects: a sanity check that it is really applied", (t) => {
  const validate = validator(t);
  if (validate === undefined) return;
  assert.equal(validate({ specversion: "1.0", source: "/s", type: "t" }), false, "id is required");
  assert.equal(validate({ specversion: "1.0", id: "1", source: "/s", type: "t", time: "yesterday" }), false);
});
