import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it, type TestContext } from "node:test";
import { cairn, start, tempDir, watch } from "./helpers.ts";
import { eventFlags, freePort, jsonLines, sendTo, serveHub } from "./hub-helpers.ts";

const FOLLOWING = /^cairn: following http:\/\/127\.0\.0\.1:\d+\/api\/v1\/stream after sequence (\d+)$/m;

/** Starts `cairn tail …` and waits until it follows the stream. */
async function tail(t: TestContext, args: readonly string[]) {
  const child = start(["tail", ...args]);
  t.after(() => child.kill("SIGKILL"));
  const watched = watch(child);
  const [, after] = await watched.waitFor("stderr", FOLLOWING);
  return { ...watched, child, after: Number(after) };
}

const idsOf = (stdout: string) => jsonLines(stdout).map((e) => (e.event as { context: { id: string } }).context.id);

describe("cairn tail", () => {
  it("prints events stored after it starts, stops on SIGINT (exit 0), and resumes from --after", async (t) => {
    const hub = await serveHub(t, ["--data", tempDir(t)]);
    const h = ["--hub", hub.url];
    await sendTo(hub, eventFlags("build.queued", "t-before", "b1"));
    const live = await tail(t, [...h, "--jsonl"]);
    assert.equal(live.after, 1, "starts at the current end");
    await sendTo(hub, eventFlags("build.started", "t-after", "b1"));
    await live.waitFor("stdout", /"id":"t-after"/);
    live.child.kill("SIGINT");
    const run = await live.done;
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(idsOf(run.stdout), ["t-after"]);
    const stored = await cairn(["events", ...h, "--jsonl", "--type", "dev.cdevents.build.started.0.3.0"]);
    assert.equal(run.stdout, stored.stdout, "tail prints the stored event exactly as events does");

    const replay = await tail(t, [...h, "--jsonl", "--after", "0"]);
    await replay.waitFor("stdout", /"id":"t-after"/);
    replay.child.kill("SIGTERM");
    const again = await replay.done;
    assert.equal(again.code, 0);
    assert.deepEqual(idsOf(again.stdout), ["t-before", "t-after"]);

    const fromOne = await tail(t, [...h, "--jsonl", "--after", "1"]);
    await fromOne.waitFor("stdout", /"id":"t-after"/);
    fromOne.child.kill("SIGINT");
    assert.deepEqual(idsOf((await fromOne.done).stdout), ["t-after"]);
  });

  it("applies the filters and prints table lines by default", async (t) => {
    const hub = await serveHub(t, ["--data", tempDir(t)]);
    await sendTo(hub, eventFlags("build.queued", "f-1", "b1"));
    const content = '{"environment":{"id":"prod"},"artifactId":"pkg:oci/app@sha256%3Aabc"}';
    await sendTo(hub, [...eventFlags("service.deployed", "f-2", "app", "/cd"), "--content", content]);
    const filtered = await tail(t, ["--hub", hub.url, "--after", "0", "--subject", "service"]);
    await filtered.waitFor("stdout", /app\n/);
    filtered.child.kill("SIGINT");
    const run = await filtered.done;
    assert.equal(run.code, 0);
    assert.match(
      run.stdout,
      /^SEQ {2}TIME +TYPE +SOURCE +SUBJECT\n {2}2 {2}\S+Z {2}dev\.cdevents\.service\.deployed\.0\.3\.0 {2}\/cd +app\n$/,
    );
  });

  it("reconnects when the hub restarts and misses nothing in between", async (t) => {
    const data = tempDir(t);
    const port = String(await freePort());
    const hub = await serveHub(t, ["--data", data, "--port", port]);
    const following = await tail(t, ["--hub", hub.url, "--jsonl"]);
    await sendTo(hub, eventFlags("build.queued", "r-1", "b1"));
    await following.waitFor("stdout", /"id":"r-1"/);
    assert.equal((await hub.stop()).code, 0);
    await following.waitFor("stderr", /^cairn: warning: the hub closed the stream; reconnecting in 0\.5 s$/m);
    await following.waitFor("stderr", /^cairn: warning: cannot reach the hub at .*ECONNREFUSED.*; reconnecting in/m);
    const restarted = await serveHub(t, ["--data", data, "--port", port]);
    await following.waitFor("stderr", /^cairn: reconnected after sequence 1$/m);
    await sendTo(restarted, eventFlags("build.started", "r-2", "b1"));
    await following.waitFor("stdout", /"id":"r-2"/);
    following.child.kill("SIGINT");
    const run = await following.done;
    assert.equal(run.code, 0);
    assert.deepEqual(idsOf(run.stdout), ["r-1", "r-2"]);
  });
});

/** A fake hub stream: answers each request with the next handler; records the requests. */
async function fakeStream(t: TestContext, handlers: ((res: ServerResponse) => void)[]) {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const s = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    const handler = handlers[seen.length - 1];
    if (handler) handler(res);
  });
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    s.closeAllConnections();
    s.close();
  });
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen };
}

const sse = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });

async function writeSlowly(res: ServerResponse, chunks: readonly string[]): Promise<void> {
  for (const chunk of chunks) {
    res.write(chunk);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

describe("cairn tail: the event stream", () => {
  it("parses SSE (CRLF split across chunks, multi-line data, comments, other events), retries a 503 and resumes with Last-Event-ID", async (t) => {
    const fake = await fakeStream(t, [
      (res) => {
        sse(res);
        void writeSlowly(res, [
          ": resuming\r\n\r\nretry: 100\r\n",
          'id: 6\r\nevent: cdevent\r\ndata: {"sequence":6,\r',
          '\ndata: "event":{"a":1}}\r\n\r',
          "\nevent: other\ndata: {}\n\n",
          'id: 7\nevent: cdevent\ndata:{"sequence":7,"event":{"b":[1,\ndata: 2]}}\n',
          "\n",
        ]).then(() => res.end());
      },
      (res) =>
        res
          .writeHead(503, { "content-type": "application/json" })
          .end('{"error":{"code":"too_many_streams","message":"too many open streams; retry later"}}'),
      (res) => {
        sse(res);
        res.write('id: 8\nevent: cdevent\ndata: {"sequence":8,"event":{}}\n\n');
      },
    ]);
    const run = await tail(t, ["--hub", fake.url, "--jsonl", "--after", "5", "--type", "x.y"]);
    assert.equal(run.after, 5);
    await run.waitFor("stdout", /"sequence":8/);
    run.child.kill("SIGINT");
    const out = await run.done;
    assert.equal(out.code, 0, out.stderr);
    assert.equal(
      out.stdout,
      '{"sequence":6,"event":{"a":1}}\n{"sequence":7,"event":{"b":[1,2]}}\n{"sequence":8,"event":{}}\n',
    );
    assert.deepEqual(
      fake.seen.map((r) => [r.url, r.headers["last-event-id"], r.headers.accept]),
      [
        ["/api/v1/stream?type=x.y&after=5", undefined, "text/event-stream"],
        ["/api/v1/stream?type=x.y", "7", "text/event-stream"],
        ["/api/v1/stream?type=x.y", "7", "text/event-stream"],
      ],
    );
    assert.match(out.stderr, /^cairn: warning: the hub closed the stream; reconnecting in 0\.5 s$/m);
    assert.match(
      out.stderr,
      /^cairn: warning: too_many_streams: too many open streams; retry later; reconnecting in 1 s$/m,
    );
    assert.match(out.stderr, /^cairn: reconnected after sequence 7$/m);
  });

  it("exits 1 when the hub refuses the stream or cannot be reached at the start", async (t) => {
    const fake = await fakeStream(t, [
      (res) =>
        res
          .writeHead(403, { "content-type": "application/json" })
          .end('{"error":{"code":"forbidden","message":"token ci lacks the read scope"}}'),
    ]);
    const refused = await cairn(["tail", "--hub", fake.url, "--after", "0", "--token", "some-token"]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, "cairn: forbidden: token ci lacks the read scope\n");
    assert.equal(fake.seen[0]?.headers.authorization, "Bearer some-token");
    const port = await freePort();
    const down = await cairn(["tail", "--hub", `http://127.0.0.1:${port}`]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^cairn: cannot reach the hub at http:\/\/127\.0\.0\.1:\d+\/: connect ECONNREFUSED/);
    const html = await fakeStream(t, [(res) => res.writeHead(200, { "content-type": "text/html" }).end("<p>hi</p>")]);
    const notStream = await cairn(["tail", "--hub", html.url, "--after", "0"]);
    assert.equal(notStream.code, 1);
    assert.match(notStream.stderr, /did not answer with an event stream\n$/);
  });

  it("exits 2 on usage errors", async () => {
    for (const args of [
      ["tail", "extra"],
      ["tail", "--after", "latest"],
      ["tail", "--hub", "ws://x"],
      ["tail", "--json"],
    ]) {
      const r = await cairn(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /Run 'cairn tail --help' for usage\.\n$/);
    }
  });
});
