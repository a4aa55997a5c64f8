import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { main } from "../src/main.ts";
import { type Cleanup, cairn, suiteCleanup, tempDir } from "./helpers.ts";
import { eventFlags, jsonLines, type Served, sendTo, serveHub } from "./hub-helpers.ts";

/** A request a sink received. */
interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A local sink answering `status` (400 at first: not retryable, so a dead letter at once). */
interface Sink {
  readonly url: string;
  status: number;
  readonly received: Received[];
}

const REFUSAL = '{"error":"schema mismatch"}';

async function startSink(t: Cleanup): Promise<Sink> {
  const received: Received[] = [];
  const sink = { url: "", status: 400, received };
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (d: string) => {
      body += d;
    });
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body });
      if (sink.status === 200) res.writeHead(200).end();
      else res.writeHead(sink.status, { "content-type": "application/json" }).end(REFUSAL);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return sink;
}

/** Polls `probe` until it gives a value (the hub delivers asynchronously); fails after `timeoutMs`. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

type DeadLetter = Record<string, unknown> & {
  id: number;
  subscription: string;
  state: string;
  cloudEvent: { id: string; source: string; type: string };
  event: { context: { id: string } };
};

/** `cairn subscriptions create` of a subscription delivering every event to `sink`; its id. */
async function subscribe(h: readonly string[], sink: string): Promise<string> {
  const r = await cairn(["subscriptions", "create", ...h, "-f", "-"], JSON.stringify({ sink, protocol: "HTTP" }));
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { id: string }).id;
}

/** The dead letters `cairn deadletters list --json` shows (one page of up to 1000). */
async function listed(h: readonly string[], ...args: string[]): Promise<DeadLetter[]> {
  const r = await cairn(["deadletters", "list", ...h, "--json", "--limit", "1000", ...args]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { deadLetters: DeadLetter[] }).deadLetters;
}

/** Table rows as cells, cut at the header's column starts. */
function tableCells(stdout: string): { header: string; rows: string[][] } {
  const [header = "", ...rows] = stdout.trimEnd().split("\n");
  const names = ["ID", "SUBSCRIPTION", "SOURCE", "EVENT ID", "TYPE", "STATUS", "ATTEMPTS", "LAST FAILURE", "STATE"];
  const at = [0, ...names.slice(1).map((c) => header.indexOf(c)), header.indexOf("REASON")];
  return { header, rows: rows.map((row) => at.map((start, i) => row.slice(start, at[i + 1]).trim())) };
}

describe("cairn deadletters: a refused delivery, inspected, replayed and purged", () => {
  const cleanup = suiteCleanup(after);
  let hub: Served;
  let h: string[];
  let sink: Sink;
  let subscription: string;

  before(async () => {
    hub = await serveHub(cleanup, ["--data", tempDir(cleanup)]);
    h = ["--hub", hub.url];
    sink = await startSink(cleanup);
    subscription = await subscribe(h, `${sink.url}/hook`);
  });

  it("a 400 from the sink is a dead letter at once: list shows it, get shows its failure", async () => {
    await sendTo(hub, eventFlags("build.queued", "dl-1", "b1", "/ci/dl"));
    const [dead] = await eventually("the dead letter", async () => {
      const all = await listed(h);
      return all.length > 0 ? all : undefined;
    });
    assert.ok(dead);
    assert.equal(dead.subscription, subscription);
    assert.equal(dead.cloudEvent.id, "dl-1");
    assert.equal(dead.state, "dead");
    assert.equal(sink.received.length, 1, "one attempt: 400 is not retried");

    const table = await cairn(["deadletters", ...h]);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stderr, "");
    const { header, rows } = tableCells(table.stdout);
    assert.match(header, /^ID {2}SUBSCRIPTION +SOURCE +EVENT ID +TYPE +STATUS +ATTEMPTS +LAST FAILURE +STATE +REASON$/);
    assert.deepEqual(rows, [
      [
        String(dead.id),
        subscription,
        "/ci/dl",
        "dl-1",
        "dev.cdevents.build.queued.0.3.0",
        "400",
        "1",
        String(dead.lastFailureAt),
        "dead",
        "not_retryable",
      ],
    ]);

    const got = await cairn(["deadletters", "get", String(dead.id), ...h]);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /^\{\n {2}"id": /, "indented JSON");
    const full = JSON.parse(got.stdout) as DeadLetter;
    assert.deepEqual(full, dead);
    assert.equal(full.sink, `${sink.url}/hook`);
    assert.equal(full.reason, "not_retryable");
    assert.equal(full.attempts, 1);
    assert.equal(full.lastOutcome, "status");
    assert.equal(full.lastStatus, 400);
    assert.equal(full.responseSnippet, REFUSAL);
    assert.equal((full.extensions as Record<string, unknown>).knativeerrorcode, 400);
    assert.equal(full.event.context.id, "dl-1");
    for (const at of ["firstFailureAt", "lastFailureAt", "deadLetteredAt", "receivedAt"])
      assert.ok(!Number.isNaN(Date.parse(String(full[at]))), at);
    // --json passes the hub's text on: the same as the list's item.
    const raw = await cairn(["deadletters", "get", String(dead.id), ...h, "--json"]);
    const page = await cairn(["deadletters", ...h, "--json"]);
    assert.ok(page.stdout.includes(raw.stdout.trimEnd()), "get --json is the list's item verbatim");
  });

  it("replay --all, once the sink accepts, delivers the event again with its attempts reset", async () => {
    const [dead] = await listed(h);
    assert.ok(dead);
    sink.status = 200;
    const seen = sink.received.length;
    const r = await cairn(["deadletters", "replay", "--all", ...h]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "re-enqueued 1 dead letter\n");
    const delivered = await eventually("the replayed delivery", () => sink.received[seen]);
    assert.equal(delivered.path, "/hook");
    assert.equal(delivered.headers["ce-id"], "dl-1");
    assert.equal(delivered.headers["cairn-delivery-attempt"], "1");
    assert.equal(delivered.headers["cairn-delivery-id"], `${subscription}/${dead.sequence}`);
    assert.equal((JSON.parse(delivered.body) as DeadLetter["event"]).context.id, "dl-1");
    const [replayed] = await listed(h);
    assert.equal(replayed?.state, "replayed");
    assert.equal(replayed?.replays, 1);
    const table = tableCells((await cairn(["deadletters", ...h])).stdout);
    assert.equal(table.rows[0]?.[8], "replayed");
  });

  it("purge without --yes and without a terminal exits 2 and deletes nothing", async () => {
    const r = await cairn(["deadletters", "purge", "--all", ...h]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      "cairn: purge deletes dead letters for good: add --yes to confirm (stdin is not a terminal)\n" +
        "Run 'cairn deadletters --help' for usage.\n",
    );
    assert.equal((await listed(h)).length, 1);
  });

  it("purge --all --yes empties the list", async () => {
    const r = await cairn(["deadletters", "purge", "--all", "--yes", ...h]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "purged 1 dead letter\n");
    const empty = await cairn(["deadletters", "list", ...h]);
    assert.equal(empty.stdout, "no dead letters\n");
    const json = await cairn(["deadletters", ...h, "--json"]);
    assert.equal(json.stdout, '{"deadLetters":[],"next":null}\n');
  });
});

describe("cairn deadletters: selecting by id and subscription, paging", () => {
  const cleanup = suiteCleanup(after);
  let h: string[];
  let sink: Sink;
  let a: string;
  let b: string;
  let all: DeadLetter[];

  before(async () => {
    const hub = await serveHub(cleanup, ["--data", tempDir(cleanup)]);
    h = ["--hub", hub.url];
    sink = await startSink(cleanup);
    a = await subscribe(h, `${sink.url}/a`);
    b = await subscribe(h, `${sink.url}/b`);
    await sendTo(hub, eventFlags("build.queued", "sel-1", "b1"));
    await sendTo(hub, eventFlags("build.started", "sel-2", "b1"));
    all = await eventually("four dead letters", async () => {
      const found = await listed(h);
      return found.length === 4 ? found : undefined;
    });
  });

  const ofSubscription = (s: string) => all.filter((d) => d.subscription === s).map((d) => d.id);

  it("list --subscription, --state, --limit with --cursor, and --all across pages", async () => {
    assert.deepEqual(
      (await listed(h, "--subscription", a)).map((d) => d.id),
      ofSubscription(a),
    );
    assert.equal(ofSubscription(a).length, 2);
    assert.equal((await listed(h, "--state", "dead")).length, 4);
    assert.equal((await listed(h, "--state", "replayed")).length, 0);

    const first = await cairn(["deadletters", ...h, "--limit", "1"]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(tableCells(first.stdout).rows.length, 1);
    const cursor = /^more dead letters: add --cursor (\d+) for the next page, or --all\n$/.exec(first.stderr)?.[1];
    assert.ok(cursor, first.stderr);
    const second = await cairn(["deadletters", ...h, "--limit", "1", "--cursor", cursor, "--jsonl"]);
    assert.deepEqual(
      jsonLines(second.stdout).map((d) => d.id),
      [all[1]?.id],
    );
    const every = await cairn(["deadletters", ...h, "--all", "--limit", "1", "--jsonl"]);
    assert.deepEqual(
      jsonLines(every.stdout).map((d) => d.id),
      all.map((d) => d.id),
    );
    // Every page joined into one document is the same text as the one page holding them all.
    const joined = await cairn(["deadletters", ...h, "--all", "--limit", "3", "--json"]);
    const onePage = await cairn(["deadletters", ...h, "--json"]);
    assert.equal(joined.stdout, onePage.stdout);
    const table = await cairn(["deadletters", ...h, "--all", "--limit", "3"]);
    assert.equal(tableCells(table.stdout).rows.length, 4);
    assert.equal(table.stderr, "");
  });

  it("replay --subscription sends only that subscription's; ids and --subscription combine with AND", async () => {
    sink.status = 200;
    const seen = sink.received.length;
    const none = await cairn(["deadletters", "replay", String(ofSubscription(b)[0]), "--subscription", a, ...h]);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, "re-enqueued 0 dead letters\n");
    const r = await cairn(["deadletters", "replay", "--subscription", a, ...h]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "re-enqueued 2 dead letters\n");
    await eventually("two deliveries", () => (sink.received.length >= seen + 2 ? true : undefined));
    const again = sink.received.slice(seen);
    assert.deepEqual(again.map((q) => q.path).sort(), ["/a", "/a"]);
    assert.deepEqual(again.map((q) => q.headers["ce-id"]).sort(), ["sel-1", "sel-2"]);
    const replayed = await listed(h, "--state", "replayed");
    assert.deepEqual(
      replayed.map((d) => d.id),
      ofSubscription(a),
    );
  });

  it("purge by ids; at a terminal, purge asks and only y deletes", async () => {
    const [b1, b2] = ofSubscription(b);
    const r = await cairn(["deadletters", "purge", String(b1), String(b2), "--yes", ...h]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "purged 2 dead letters\n");
    assert.deepEqual(
      (await listed(h)).map((d) => d.id),
      ofSubscription(a),
    );

    const no = await atTerminal(["deadletters", "purge", "--subscription", a, ...h], "n\n");
    assert.equal(no.code, 1);
    assert.ok(no.stderr.startsWith(`Delete the dead letters of subscription ${a} on ${h[1]}/ for good? [y/N] `));
    assert.ok(no.stderr.endsWith("cairn: not confirmed: nothing was purged\n"), no.stderr);
    const eof = await atTerminal(["deadletters", "purge", "--subscription", a, ...h], null);
    assert.equal(eof.code, 1);
    assert.equal((await listed(h)).length, 2);

    const yes = await atTerminal(["deadletters", "purge", "--subscription", a, ...h], "y\n");
    assert.equal(yes.code, 0, yes.stderr);
    assert.equal(yes.stdout, "purged 2 dead letters\n");
    assert.equal((await listed(h)).length, 0);
  });

  it("get or replay of an unknown id: not found, or nothing re-enqueued", async () => {
    const missing = await cairn(["deadletters", "get", "999999", ...h]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, "cairn: not_found: no dead letter 999999\n");
    const replay = await cairn(["deadletters", "replay", "999999", ...h, "--json"]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.deepEqual(Object.keys(JSON.parse(replay.stdout) as object), ["replayed", "skipped", "at"]);
  });
});

/**
 * Runs `cairn` in this process with stdin marked as a terminal, answering `answer` once the question is asked
 * (null: end of input, as Ctrl-D). The binary cannot be given a terminal without a pseudo-terminal.
 */
async function atTerminal(argv: readonly string[], answer: string | null) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  const stdout = new PassThrough().setEncoding("utf8");
  const stderr = new PassThrough().setEncoding("utf8");
  const text = { stdout: "", stderr: "" };
  stdout.on("data", (d: string) => {
    text.stdout += d;
  });
  stderr.on("data", (d: string) => {
    text.stderr += d;
    if (!text.stderr.endsWith("[y/N] ")) return;
    if (answer === null) stdin.end();
    else stdin.write(answer);
  });
  const code = await main(argv, { stdin, stdout, stderr, env: {} });
  return { code, ...text };
}

describe("cairn deadletters: tokens and usage", () => {
  it("sends --token or CAIRN_TOKEN; the hub's 401 and 403 are shown as code: message", async (t) => {
    const reader = "reader-secret-0123";
    const admin = "admin-secret-4567";
    const hub = await serveHub(t, [
      "--data",
      tempDir(t),
      "--token",
      `reader:read:${reader}`,
      "--token",
      `ops:admin:${admin}`,
    ]);
    const h = ["--hub", hub.url];
    const anonymous = await cairn(["deadletters", ...h]);
    assert.equal(anonymous.code, 1);
    assert.equal(
      anonymous.stderr,
      "cairn: unauthorized: a bearer token is required (Authorization: Bearer <token>)\n  give a token with --token or CAIRN_TOKEN\n",
    );
    const read = await cairn(["deadletters", ...h, "--token", reader]);
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout, "no dead letters\n");
    const replay = await cairn(["deadletters", "replay", "--all", ...h, "--token", reader]);
    assert.equal(replay.code, 1);
    assert.equal(replay.stderr, "cairn: forbidden: token reader lacks the admin scope\n");
    const purge = await cairn(["deadletters", "purge", "--all", "--yes", ...h], undefined, { CAIRN_TOKEN: admin });
    assert.equal(purge.code, 0, purge.stderr);
    assert.equal(purge.stdout, "purged 0 dead letters\n");
  });

  it("exits 2 on usage errors, before asking the hub", async () => {
    const h = ["--hub", "http://127.0.0.1:9"];
    const cases = [
      ["frobnicate"],
      ["list", "extra"],
      ["list", "--state", "sideways"],
      ["list", "--limit", "many"],
      ["list", "--yes"],
      ["--json", "--jsonl"],
      ["get"],
      ["get", "abc"],
      ["get", "0"],
      ["get", "1", "2"],
      ["get", "1", "--subscription", "s"],
      ["get", "1", "--all"],
      ["get", "1", "--limit", "3"],
      ["replay"],
      ["replay", "abc"],
      ["replay", "--all", "3"],
      ["replay", "--all", "--subscription", "s"],
      ["replay", "--subscription", ""],
      ["replay", "1", "--yes"],
      ["replay", "1", "--cursor", "3"],
      ["purge"],
      ["purge", "1"],
      ["purge", "--subscription", "s"],
      ["--hub", "ftp://hub"],
      ["--timeout", "soon"],
    ];
    for (const args of cases) {
      const r = await cairn(["deadletters", ...h, ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^cairn: .*\nRun 'cairn deadletters --help' for usage\.\n$/, args.join(" "));
    }
  });
});
