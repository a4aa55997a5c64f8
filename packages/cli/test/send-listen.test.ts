import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { cairn, needSpec, SPEC, start, watch } from "./helpers.ts";

/** The JSON body `listen` answers 400 with. */
interface Answer {
  events: { index: number; ok: boolean; issues: { path: string }[] }[];
}

const example = (name: string) => join(SPEC, "v0.5.1/conformance", name);
const BUILD_FLAGS = ["--type", "build.finished", "--source", "/ci/job/7", "--subject-id", "build-7"];

/** A throwaway HTTP server in the test process; resolves with its URL and the requests it saw. */
async function server(t: TestContext, handler: RequestListener) {
  const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
  const s = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (d: string) => {
      body += d;
    });
    req.on("end", () => {
      seen.push({ headers: req.headers, body });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    s.closeAllConnections();
    s.close();
  });
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/events`, seen };
}

/** Starts `cairn listen --port 0 …` and resolves with its URL once it listens. */
async function listen(t: TestContext, args: string[]) {
  const child = start(["listen", "--port", "0", ...args]);
  t.after(() => child.kill());
  const { firstLine, done } = watch(child);
  const line = await firstLine;
  const url = args.includes("--json") ? JSON.parse(line).listening : line.replace(/^listening on /, "");
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  return { child, url, done };
}

describe("cairn send → cairn listen", () => {
  it("delivers in binary and structured mode; listen prints JSON lines and stops after --max", async (t) => {
    if (!needSpec(t)) return;
    const l = await listen(t, ["--max", "2", "--json"]);
    const binary = await cairn(["send", "--to", l.url, example("build_finished.json")]);
    assert.equal(binary.code, 0, binary.stderr);
    assert.match(
      binary.stdout,
      /^✓ 202 Accepted {2}dev\.cdevents\.build\.finished\.0\.3\.0 {2}id=\S+ {2}\(binary\)\n$/,
    );
    const content = JSON.stringify({ artifactId: "pkg:npm/cairn@1.0.0" });
    const structured = await cairn(["send", "--to", l.url, "-m", "structured", ...BUILD_FLAGS, "--content", content]);
    assert.equal(structured.code, 0, structured.stderr);
    assert.match(structured.stdout, /\(structured\)\n$/);
    const out = await l.done;
    assert.equal(out.code, 0, out.stderr);
    const records = out.stdout
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      records.map((r) => [r.ok, r.mode, r.type, r.subject, r.release, r.kind]),
      [
        [true, "binary", "dev.cdevents.build.finished.0.3.0", "mySubject123", "0.5.1", "exact"],
        [true, "structured", "dev.cdevents.build.finished.0.3.0", "build-7", "0.5.1", "exact"],
      ],
    );
    assert.equal(records[1].source, "/ci/job/7");
    assert.equal(records[1].event.subject.content.artifactId, "pkg:npm/cairn@1.0.0");
  });

  it("listen prints a human line per event and answers 400 with the issues for an invalid one", async (t) => {
    if (!needSpec(t)) return;
    const l = await listen(t, ["--max", "1"]);
    const event = {
      context: {
        id: "e1",
        source: "/x",
        type: "dev.cdevents.build.queued.0.3.0",
        specversion: "0.5.1",
        timestamp: "soon",
      },
      subject: { id: "b1", content: {} },
    };
    const res = await fetch(l.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(event),
    });
    assert.equal(res.status, 400);
    const answer = (await res.json()) as Answer;
    assert.equal(answer.events[0]?.issues[0]?.path, "/context/timestamp");
    const out = await l.done;
    assert.equal(out.code, 0);
    assert.match(
      out.stdout,
      /^✗ dev\.cdevents\.build\.queued\.0\.3\.0 {2}id=e1 {2}source=\/x {2}subject=b1 {2}\(bare\)\n {2}\/context\/timestamp: .*\(format\)$/m,
    );
  });

  it("listen answers 202/400 per batch, 405, 413 and 415, and stops on SIGTERM", async (t) => {
    if (!needSpec(t)) return;
    const l = await listen(t, ["--json", "--max-body", "4096"]);
    const post = (type: string, body: string) =>
      fetch(l.url, { method: "POST", headers: { "content-type": type }, body });
    assert.equal((await fetch(l.url)).status, 405);
    assert.equal((await post("text/plain", "hello")).status, 415);
    assert.equal((await post("application/json", "x".repeat(5000))).status, 413);
    const ce = {
      specversion: "1.0",
      id: "c1",
      source: "/s",
      type: "dev.cdevents.build.queued.0.3.0",
      data: {
        context: {
          id: "c1",
          source: "/s",
          type: "dev.cdevents.build.queued.0.3.0",
          specversion: "0.5.1",
          timestamp: "2026-01-01T00:00:00Z",
        },
        subject: { id: "b1", content: {} },
      },
    };
    const batch = await post("application/cloudevents-batch+json", JSON.stringify([ce, 42]));
    assert.equal(batch.status, 400);
    assert.deepEqual(
      ((await batch.json()) as Answer).events.map((e) => e.ok),
      [true, false],
    );
    assert.equal((await post("application/cloudevents-batch+json", JSON.stringify([ce]))).status, 202);
    l.child.kill("SIGTERM");
    const out = await l.done;
    assert.equal(out.code, 0);
    const records = out.stdout
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      records.map((r) => [r.index, r.ok, r.mode]),
      [
        [0, true, "batch"],
        [1, false, null],
        [0, true, "batch"],
      ],
    );
    assert.match(out.stderr, /405/);
    assert.match(out.stderr, /413/);
    assert.match(out.stderr, /415/);
  });
});

describe("cairn send", () => {
  it("exits 1 showing the status and body of a non-2xx answer; sends --header", async (t) => {
    if (!needSpec(t)) return;
    const s = await server(t, (_req, res) =>
      res.writeHead(500, { "content-type": "text/plain" }).end("database on fire"),
    );
    const r = await cairn(["send", "--to", s.url, "-H", "Authorization: Bearer t0k3n", example("build_queued.json")]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, `cairn: ${s.url} answered 500 Internal Server Error\n  database on fire\n`);
    assert.equal(s.seen[0]?.headers.authorization, "Bearer t0k3n");
    assert.equal(s.seen[0]?.headers["ce-type"], "dev.cdevents.build.queued.0.3.0");
  });

  it("truncates a long error body", async (t) => {
    const s = await server(t, (_req, res) => res.writeHead(502).end("x".repeat(10_000)));
    const r = await cairn(["send", "--to", s.url, ...BUILD_FLAGS, "--content", '{"artifactId":"pkg:npm/a@1"}']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /answered 502 Bad Gateway\n {2}x{4096}… \(5904 more characters\)\n$/);
  });

  it("refuses an invalid event without sending it", async (t) => {
    if (!needSpec(t)) return;
    const s = await server(t, (_req, res) => res.writeHead(202).end());
    const event = JSON.parse(readFileSync(example("build_queued.json"), "utf8"));
    delete event.context.id;
    const r = await cairn(["send", "--to", s.url, "-"], JSON.stringify(event));
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "cairn: <stdin> is not a valid CDEvent; not sent\n  /context/id: is required (required)\n");
    assert.equal(s.seen.length, 0);
  });

  it("reports network errors and timeouts with exit 1", async (t) => {
    const closed = await server(t, () => {});
    const port = new URL(closed.url).port;
    await new Promise<void>((resolve) => {
      const probe = createServer();
      probe.listen(0, "127.0.0.1", () => {
        const free = (probe.address() as AddressInfo).port;
        probe.close(async () => {
          const r = await cairn(["send", "--to", `http://127.0.0.1:${free}/`, ...BUILD_FLAGS]);
          assert.equal(r.code, 1);
          assert.match(r.stderr, /^cairn: cannot send to http:\/\/127\.0\.0\.1:\d+\/: .*ECONNREFUSED/);
          resolve();
        });
      });
    });
    const r = await cairn(["send", "--to", `http://127.0.0.1:${port}/`, "--timeout", "300", ...BUILD_FLAGS]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no answer within 300 ms/);
  });

  it("exits 2 on usage errors", async () => {
    const cases = [
      ["send", ...BUILD_FLAGS],
      ["send", "--to", "ftp://x", ...BUILD_FLAGS],
      ["send", "--to", "http://x", "--mode", "carrier-pigeon", ...BUILD_FLAGS],
      ["send", "--to", "http://x", "--header", "no-colon", ...BUILD_FLAGS],
      ["send", "--to", "http://x", "--timeout", "soon", ...BUILD_FLAGS],
      ["send", "--to", "http://x"],
      ["send", "--to", "http://x", "event.json", ...BUILD_FLAGS],
      ["send", "--to", "http://x", "--type", "build.finished"],
      ["send", "--to", "http://x", ...BUILD_FLAGS, "--content", "[1]"],
      ["send", "--to", "http://x", "--type", "nothing.happened", "--source", "/s", "--subject-id", "1"],
    ];
    for (const args of cases) {
      const r = await cairn(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^cairn: .*\nRun 'cairn send --help' for usage\.\n$/);
    }
  });

  it("exits 1 when flags build an invalid event", async () => {
    const r = await cairn(["send", "--to", "http://x", ...BUILD_FLAGS, "--content", '{"artifactId":"not a purl"}']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^cairn: the event built from the flags is not valid .*\n {2}\/subject\/content\/artifactId: /,
    );
  });
});

describe("cairn listen: usage", () => {
  it("exits 2 without --port or with a bad one; exits 1 when the port is taken", async (t) => {
    for (const args of [["listen"], ["listen", "--port", "70000"], ["listen", "--port", "1", "extra"]]) {
      const r = await cairn(args);
      assert.equal(r.code, 2, args.join(" "));
    }
    const busy = await server(t, () => {});
    const r = await cairn(["listen", "--port", new URL(busy.url).port]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^cairn: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  });
});
