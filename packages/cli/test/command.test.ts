import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cairn, ROOT, tempDir } from "./helpers.ts";
import { eventFlags, serveHub } from "./hub-helpers.ts";

// The `cairn` command as npm links it: `bin/cairn.js` runs the compiled packages (`dist/`, built by `npm install`
// and by `npm test` before the tests). The other CLI tests run the sources; these prove the build users run.
describe("the cairn command (compiled)", () => {
  it("prints its version", async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "packages/cli/package.json"), "utf8")) as {
      version: string;
    };
    const r = await cairn(["--version"], undefined, {}, "command");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `cairn ${version}`);
  });

  it("serves: an event it sends is stored, read back, and the hub stops cleanly", async (t) => {
    const hub = await serveHub(t, ["--data", tempDir(t)], {}, "command");
    const send = await cairn(
      ["send", "--to", `${hub.url}/api/v1/events`, ...eventFlags("dev.cdevents.build.started.0.2.0", "c-1", "b-1")],
      undefined,
      {},
      "command",
    );
    assert.equal(send.code, 0, send.stderr);
    const got = await cairn(["events", "--hub", hub.url, "--json"], undefined, {}, "command");
    assert.equal(got.code, 0, got.stderr);
    const page = JSON.parse(got.stdout) as { events: { event: { context: { id: string } } }[] };
    assert.deepEqual(
      page.events.map((e) => e.event.context.id),
      ["c-1"],
    );
    const stopped = await hub.stop();
    assert.equal(stopped.code, 0, stopped.stderr);
  });
});
