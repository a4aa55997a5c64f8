import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { cairn, suiteCleanup, tempDir } from "./helpers.ts";
import { freePort, jsonLines, type Served, sendTo, serveHub } from "./hub-helpers.ts";

/** A compact event in canonical JSON: `cairn send` puts exactly this text on the wire. */
function eventText(id: string, type: string, subjectId: string, second: number, source = "/ci/pipeline", content = {}) {
  return JSON.stringify({
    context: { specversion: "0.5.1", id, source, type, timestamp: `2026-01-01T00:00:0${second}Z` },
    subject: { id: subjectId, content },
  });
}

const QUEUED = eventText("e-queued", "dev.cdevents.build.queued.0.3.0", "b1", 1);
const STARTED = eventText("e-started", "dev.cdevents.build.started.0.3.0", "b1", 2);
const DEPLOYED = eventText("e-deployed", "dev.cdevents.service.deployed.0.3.0", "team/app", 3, "/cd", {
  environment: { id: "prod" },
  artifactId: "pkg:oci/app@sha256%3Aabc",
});
/** Pretty-printed, with a number spelling and an escape JSON.stringify would change: stored and returned as is. */
const ODD = `{
  "context": {"specversion": "0.5.1", "id": "e-odd", "source": "/ci/pipeline",
              "type": "dev.cdevents.build.finished.0.3.0", "timestamp": "2026-01-01T00:00:04Z"},
  "subject": {"id": "b2", "content": {}},
  "customData": {"ratio": 1.50, "name": "caf\\u00e9"}
}`;

type Stored = { sequence: number; event: { context: { id: string } } };
const ids = (stdout: string) => jsonLines(stdout).map((e) => (e as Stored).event.context.id);

describe("cairn events", () => {
  const cleanup = suiteCleanup(after);
  let hub: Served;
  let h: string[];

  before(async () => {
    hub = await serveHub(cleanup, ["--data", tempDir(cleanup)]);
    h = ["--hub", hub.url];
    await sendTo(hub, ["-"], QUEUED);
    await sendTo(hub, ["-m", "structured", "-"], STARTED);
    await sendTo(hub, ["-"], DEPLOYED);
    const res = await fetch(`${hub.url}/api/v1/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: ODD,
    });
    assert.equal(res.status, 202, await res.text());
  });

  it("--json prints the hub's page with every event exactly as sent (binary and structured)", async () => {
    const r = await cairn(["events", ...h, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.ok(r.stdout.startsWith('{"events":[{"sequence":'));
    assert.ok(r.stdout.endsWith('],"next":null}\n'));
    for (const text of [QUEUED, STARTED, DEPLOYED, ODD]) assert.ok(r.stdout.includes(`"event":${text}}`), text);
    const page = JSON.parse(r.stdout) as { events: (Stored & { cloudEvent: Record<string, unknown> })[] };
    assert.deepEqual(
      page.events.map((e) => e.event.context.id),
      ["e-odd", "e-deployed", "e-started", "e-queued"],
    );
    assert.equal(page.events[2]?.cloudEvent.type, "dev.cdevents.build.started.0.3.0");
  });

  it("--jsonl prints one stored event per line, exactly as stored but on one line", async () => {
    const r = await cairn(["events", ...h, "--jsonl", "--order", "asc"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.deepEqual(ids(r.stdout), ["e-queued", "e-started", "e-deployed", "e-odd"]);
    assert.ok(lines[0]?.endsWith(`"event":${QUEUED}}`));
    assert.match(lines[3] ?? "", /"customData":\{"ratio":1\.50,"name":"caf\\u00e9"\}\}\}$/);
  });

  it("prints a table by default: sequence, event time, type, source, subject id, in aligned columns", async () => {
    const r = await cairn(["events", ...h]);
    assert.equal(r.code, 0, r.stderr);
    const [header = "", ...rows] = r.stdout.trimEnd().split("\n");
    assert.match(header, /^SEQ {2}TIME +TYPE +SOURCE +SUBJECT$/);
    const at = ["TIME", "TYPE", "SOURCE", "SUBJECT"].map((h) => header.indexOf(h));
    const cells = (row: string) => at.map((start, i) => row.slice(start, at[i + 1]).trim());
    assert.deepEqual(rows.map(cells), [
      ["2026-01-01T00:00:04Z", "dev.cdevents.build.finished.0.3.0", "/ci/pipeline", "b2"],
      ["2026-01-01T00:00:03Z", "dev.cdevents.service.deployed.0.3.0", "/cd", "team/app"],
      ["2026-01-01T00:00:02Z", "dev.cdevents.build.started.0.3.0", "/ci/pipeline", "b1"],
      ["2026-01-01T00:00:01Z", "dev.cdevents.build.queued.0.3.0", "/ci/pipeline", "b1"],
    ]);
    for (const row of rows) assert.match(row.slice(0, 3), /^ *\d+$/);
  });

  it("filters by type, type prefix, subject and predicate, source, subject id, chain id and time", async () => {
    const cases: [string[], string[]][] = [
      [["--type", "dev.cdevents.build.queued.0.3.0"], ["e-queued"]],
      [
        ["--type", "dev.cdevents.build.queued.0.3.0", "--type", "dev.cdevents.build.finished.0.3.0"],
        ["e-odd", "e-queued"],
      ],
      [["--type-prefix", "dev.cdevents.service."], ["e-deployed"]],
      [
        ["--subject", "build"],
        ["e-odd", "e-started", "e-queued"],
      ],
      [["--subject", "build", "--predicate", "started"], ["e-started"]],
      [["--source", "/cd"], ["e-deployed"]],
      [
        ["--subject-id", "b1"],
        ["e-started", "e-queued"],
      ],
      [["--chain-id", "nothing"], []],
      [
        ["--from", "2026-01-01T00:00:02Z", "--to", "2026-01-01T00:00:04Z"],
        ["e-deployed", "e-started"],
      ],
    ];
    for (const [filters, expected] of cases) {
      const r = await cairn(["events", ...h, "--jsonl", ...filters]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(ids(r.stdout), expected, filters.join(" "));
    }
    const none = await cairn(["events", ...h, "--chain-id", "nothing"]);
    assert.equal(none.stdout, "no events\n");
  });

  it("pages with --limit and --cursor, and --all follows every next cursor", async () => {
    const first = await cairn(["events", ...h, "--limit", "1"]);
    assert.equal(first.code, 0);
    assert.equal(first.stdout.trimEnd().split("\n").length, 2);
    const cursor = /^more events: add --cursor (\d+) for the next page, or --all\n$/.exec(first.stderr)?.[1];
    assert.ok(cursor, first.stderr);
    const second = await cairn(["events", ...h, "--limit", "1", "--cursor", cursor, "--jsonl"]);
    assert.deepEqual(ids(second.stdout), ["e-deployed"]);
    const all = await cairn(["events", ...h, "--all", "--limit", "1", "--jsonl", "--order", "asc"]);
    assert.deepEqual(ids(all.stdout), ["e-queued", "e-started", "e-deployed", "e-odd"]);
    // Every page joined into one document is the same text as the one page holding them all.
    const allJson = await cairn(["events", ...h, "--all", "--limit", "1", "--json"]);
    const oneJson = await cairn(["events", ...h, "--json"]);
    assert.equal(allJson.stdout, oneJson.stdout);
    const allTable = await cairn(["events", ...h, "--all", "--limit", "3"]);
    assert.equal(allTable.stdout.trimEnd().split("\n").length, 5);
    assert.equal(allTable.stderr, "");
  });

  it("get prints one event by sequence or by source and id; a missing one exits 1", async () => {
    const [queued] = jsonLines(
      (await cairn(["events", ...h, "--jsonl", "--type", "dev.cdevents.build.queued.0.3.0"])).stdout,
    );
    const sequence = String((queued as Stored).sequence);
    const pretty = await cairn(["events", ...h, "get", sequence]);
    assert.equal(pretty.code, 0, pretty.stderr);
    assert.deepEqual(JSON.parse(pretty.stdout), queued);
    assert.match(pretty.stdout, /^\{\n {2}"sequence": /);
    const json = await cairn(["events", "get", ...h, sequence, "--json"]);
    assert.ok(json.stdout.endsWith(`"event":${QUEUED}}\n`));
    const lookup = await cairn(["events", "get", ...h, "--source", "/ci/pipeline", "--id", "e-queued", "--json"]);
    assert.equal(lookup.stdout, json.stdout);
    const odd = await cairn(["events", "get", ...h, "--source", "/ci/pipeline", "--id", "e-odd", "--jsonl"]);
    assert.equal(odd.stdout.split("\n").length, 2);
    assert.match(odd.stdout, /"ratio":1\.50/);
    const missing = await cairn(["events", "get", ...h, "999999"]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, "cairn: not_found: no event with sequence 999999\n");
    const notThere = await cairn(["events", "get", ...h, "--source", "/nowhere", "--id", "x"]);
    assert.equal(notThere.code, 1);
    assert.equal(notThere.stderr, "cairn: not_found: no event with source /nowhere and id x\n");
  });

  it("timeline lists a subject's events oldest first (ids with a slash too)", async () => {
    const b1 = await cairn(["events", "timeline", "b1", ...h, "--jsonl"]);
    assert.equal(b1.code, 0, b1.stderr);
    assert.deepEqual(ids(b1.stdout), ["e-queued", "e-started"]);
    const desc = await cairn(["events", "timeline", "b1", ...h, "--jsonl", "--order", "desc"]);
    assert.deepEqual(ids(desc.stdout), ["e-started", "e-queued"]);
    const filtered = await cairn([
      "events",
      "timeline",
      "b1",
      ...h,
      "--jsonl",
      "--type-prefix",
      "dev.cdevents.build.s",
    ]);
    assert.deepEqual(ids(filtered.stdout), ["e-started"]);
    const slash = await cairn(["events", "timeline", "team/app", ...h]);
    assert.equal(slash.code, 0, slash.stderr);
    assert.match(slash.stdout, /service\.deployed.*team\/app\n$/);
    const unknown = await cairn(["events", "timeline", "nobody", ...h]);
    assert.equal(unknown.stdout, "no events\n");
  });

  it("the hub comes from CAIRN_HUB unless --hub says otherwise", async () => {
    const env = await cairn(["events", "--jsonl"], undefined, { CAIRN_HUB: hub.url });
    assert.equal(env.code, 0, env.stderr);
    assert.equal(jsonLines(env.stdout).length, 4);
    const flag = await cairn(["events", ...h, "--jsonl"], undefined, { CAIRN_HUB: "http://127.0.0.1:9/" });
    assert.equal(flag.stdout, env.stdout);
  });

  it("an error answer exits 1 with the hub's code and message", async () => {
    const limit = await cairn(["events", ...h, "--limit", "5000"]);
    assert.equal(limit.code, 1);
    assert.equal(limit.stdout, "");
    assert.equal(limit.stderr, "cairn: invalid_parameter: query parameter limit must be an integer from 1 to 1000\n");
    const from = await cairn(["events", ...h, "--from", "yesterday"]);
    assert.equal(from.code, 1);
    assert.match(from.stderr, /^cairn: invalid_parameter: query parameter from must be an RFC 3339 time/);
    const predicate = await cairn(["events", ...h, "--predicate", "finished"]);
    assert.equal(predicate.stderr, "cairn: invalid_parameter: query parameter predicate needs subject\n");
  });
});

describe("cairn events: failures", () => {
  it("names the hub it cannot reach (exit 1)", async () => {
    const port = await freePort();
    const r = await cairn(["events", "--hub", `http://127.0.0.1:${port}`]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `cairn: cannot reach the hub at http://127.0.0.1:${port}/: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
  });

  it("shows the status and body of an answer that is not the hub's (exit 1)", async (t) => {
    const s = createServer((_req, res) => res.writeHead(502, { "content-type": "text/html" }).end("<h1>proxy</h1>"));
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    t.after(() => s.close());
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/cairn`;
    const r = await cairn(["events", "--hub", url]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `cairn: ${url}/api/v1/events answered 502 Bad Gateway\n  <h1>proxy</h1>\n`);
  });

  it("exits 2 on usage errors", async () => {
    const cases = [
      ["events", "frobnicate"],
      ["events", "--json", "--jsonl"],
      ["events", "--order", "sideways"],
      ["events", "--limit", "many"],
      ["events", "--hub", "ftp://hub"],
      ["events", "--id", "x"],
      ["events", "get"],
      ["events", "get", "seven"],
      ["events", "get", "1", "2"],
      ["events", "get", "1", "--source", "/s", "--id", "x"],
      ["events", "get", "--source", "/s"],
      ["events", "get", "1", "--type", "t"],
      ["events", "get", "1", "--all"],
      ["events", "timeline"],
      ["events", "timeline", "a", "b"],
      ["events", "timeline", "a", "--subject-id", "b"],
      ["events", "--timeout", "soon"],
    ];
    for (const args of cases) {
      const r = await cairn(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^cairn: .*\nRun 'cairn events --help' for usage\.\n$/, args.join(" "));
    }
  });
});
