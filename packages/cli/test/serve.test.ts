import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CONFIG_KEYS } from "@cairn/hub";
import { cairn, tempDir } from "./helpers.ts";
import { eventFlags, freePort, jsonLines, sendTo, serveHub } from "./hub-helpers.ts";

/** Each config key with a flag, and a value the hub refuses. */
const BAD_FLAGS: Record<string, [flag: string, value: string]> = {
  host: ["--host", ""],
  port: ["--port", "abc"],
  data: ["--data", ""],
  store: ["--store", "mysql://db"],
  "nats.url": ["--nats", "http://x"],
  tokens: ["--token", "no-colons"],
  "limits.maxRequestBytes": ["--max-request-bytes", "lots"],
  "limits.maxEventBytes": ["--max-event-bytes", "1KiB"],
  "limits.maxBatchEvents": ["--max-batch-events", "0"],
  "limits.maxQueueEvents": ["--max-queue-events", "1.5"],
  "limits.maxQueueBytes": ["--max-queue-bytes", "plenty"],
  "limits.maxReadingBytes": ["--max-reading-bytes", "some"],
  "limits.maxDecodingBytes": ["--max-decoding-bytes", "some"],
  "limits.maxStreamClients": ["--max-stream-clients", "many"],
  "retention.maxAge": ["--max-age", "forever"],
  "retention.maxBytes": ["--max-bytes", "huge"],
  "log.level": ["--log-level", "loud"],
  shutdownTimeout: ["--shutdown-timeout", "soon"],
};
/** Keys set by environment or config file only (the help says so), and the one boolean flag. */
const ENV_ONLY = [
  "postgres.schema",
  "postgres.poolSize",
  "nats.prefix",
  "retention.interval",
  "subscriptions",
  "triggers",
];
const BOOLEAN = ["insecure"];

describe("cairn serve: configuration", () => {
  it("every config key has a flag, or the help lists it as environment/file only", async () => {
    assert.deepEqual(
      Object.keys(CONFIG_KEYS).sort(),
      [...Object.keys(BAD_FLAGS), ...ENV_ONLY, ...BOOLEAN].sort(),
      "a config key was added to the hub: give cairn serve a flag for it or document it as env/file only",
    );
    const { stdout } = await cairn(["serve", "--help"]);
    for (const [flag] of Object.values(BAD_FLAGS)) assert.match(stdout, new RegExp(`^ +(-\\w, )?${flag} `, "m"), flag);
    assert.match(stdout, /^ +--insecure /m);
    for (const key of ENV_ONLY) assert.match(stdout, new RegExp(`^ +${key} +${CONFIG_KEYS[key]} `, "m"), key);
  });

  it("a bad value of any flag exits 2 with one line per problem, naming the flag and the key", async () => {
    const args = Object.values(BAD_FLAGS).flat();
    const r = await cairn(["serve", ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, "");
    const lines = r.stderr.split("\n");
    assert.equal(lines[0], "cairn: invalid configuration");
    for (const [key, [flag]] of Object.entries(BAD_FLAGS)) {
      const line = lines.find((l) => l.startsWith(`  flag ${flag}`));
      assert.ok(line, `no issue for ${flag}: ${r.stderr}`);
      assert.ok(line.includes(`(${key})`) || line.startsWith(`  flag --${key}:`), line);
    }
    assert.match(r.stderr, /^ {2}flag --port: must be an integer from 0 to 65535$/m);
    assert.match(r.stderr, /^ {2}flag --max-age \(retention\.maxAge\): must be a duration/m);
    assert.match(r.stderr, /\nRun 'cairn serve --help' for usage\.\n$/);
  });

  it("an unknown key in the --config file, or a bad CAIRN_* variable, exits 2 naming it", async (t) => {
    const file = join(tempDir(t), "cairn.json");
    writeFileSync(file, JSON.stringify({ port: 0, limits: { maxRequestBytez: "2MiB" } }));
    const r = await cairn(["serve", "--config", file]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `cairn: invalid configuration\n  config file ${file}: limits.maxRequestBytez: is not a known setting (see docs/hub.md)\nRun 'cairn serve --help' for usage.\n`,
    );
    const env = await cairn(["serve"], undefined, { CAIRN_PORT: "eighty" });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /^ {2}env CAIRN_PORT \(port\): must be an integer from 0 to 65535$/m);
    const broken = join(tempDir(t), "broken.json");
    writeFileSync(broken, "{ port: 1");
    const unreadable = await cairn(["serve", "-c", broken]);
    assert.equal(unreadable.code, 2);
    assert.match(unreadable.stderr, /config file .*broken\.json: cannot be read as JSON/);
  });

  it("usage errors exit 2", async () => {
    for (const args of [
      ["serve", "extra"],
      ["serve", "--frobnicate"],
      ["serve", "--insecure=yes"],
    ]) {
      const r = await cairn(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /Run 'cairn serve --help' for usage\.\n$/);
    }
  });
});

describe("cairn serve: starting and stopping", () => {
  it("refuses a non-loopback address without tokens (exit 1) unless --insecure", async (t) => {
    const data = tempDir(t);
    const refused = await cairn(["serve", "--host", "0.0.0.0", "--port", "0", "--data", data]);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      "cairn: refusing to listen on 0.0.0.0 without API tokens: configure tokens (CAIRN_TOKENS) or pass --insecure\n",
    );
    const hub = await serveHub(t, ["--host", "0.0.0.0", "--insecure", "--data", data]);
    assert.match(hub.url, /^http:\/\/0\.0\.0\.0:\d+$/);
    await hub.waitFor("stderr", /^cairn: warning: no API tokens and --insecure: anyone who can reach 0\.0\.0\.0 /m);
    assert.equal((await hub.stop()).code, 0);
  });

  it("exits 1 with one line when the port is taken or the data directory cannot be made", async (t) => {
    const dir = tempDir(t);
    const first = await serveHub(t, ["--data", dir]);
    const taken = await cairn(["serve", "--port", String(first.port), "--data", tempDir(t)]);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /^cairn: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE.*\n$/);
    writeFileSync(join(dir, "file"), "");
    const bad = await cairn(["serve", "--port", "0", "--data", join(dir, "file", "sub")]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^cairn: cannot create the data directory .*: ENOTDIR: .*\n$/);
  });

  it("logs JSON lines on stdout, stops cleanly on SIGTERM (exit 0), and keeps the events across a restart", async (t) => {
    const data = tempDir(t);
    const hub = await serveHub(t, ["--data", data]);
    assert.equal(hub.store, `sqlite ${join(data, "cairn.db")}`);
    await sendTo(hub, eventFlags("build.queued", "restart-1", "b1"));
    await sendTo(hub, [...eventFlags("build.started", "restart-2", "b1"), "-m", "structured"]);
    const run = await hub.stop();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^cairn hub listening on .*\ncairn hub stopping \(signal again to stop at once\)\n$/);
    const logs = jsonLines(run.stdout);
    assert.deepEqual(
      logs.map((l) => l.msg).filter((m) => m !== "request"),
      ["cairn hub listening", "cairn hub stopped"],
    );
    assert.ok(logs.some((l) => l.msg === "request" && l.path === "/api/v1/events" && l.status === 202));

    const again = await serveHub(t, ["--data", data]);
    const r = await cairn(["events", "--hub", again.url, "--jsonl", "--order", "asc"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      jsonLines(r.stdout).map((e) => (e.event as { context: { id: string } }).context.id),
      ["restart-1", "restart-2"],
    );
    assert.equal((await again.stop()).code, 0);
  });

  it("a second signal exits at once (exit 1) while the first waits for a request in flight", async (t) => {
    const hub = await serveHub(t, ["--data", tempDir(t), "--shutdown-timeout", "30s"]);
    // Half a request body: the graceful shutdown would wait the whole 30 s for it.
    const socket = connect(hub.port, "127.0.0.1");
    t.after(() => socket.destroy());
    socket.on("error", () => {});
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      "POST /api/v1/events HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{",
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    hub.child.kill("SIGINT");
    await hub.waitFor("stderr", /stopping/);
    hub.child.kill("SIGINT");
    const run = await hub.done;
    assert.equal(run.code, 1);
    assert.ok(Date.now() - started < 10_000, "did not wait for the shutdown timeout");
  });
});

describe("cairn serve: tokens", () => {
  it("with --token, requests need a token with the scope; secrets never appear in the hub's output", async (t) => {
    const reader = "reader-secret-0123";
    const ingester = "ingest-secret-4567";
    const hub = await serveHub(t, [
      "--data",
      tempDir(t),
      "--token",
      `reader:read:${reader}`,
      "--token",
      `ci:ingest:${ingester}`,
    ]);
    const hubFlag = ["--hub", hub.url];
    const send = await cairn([
      "send",
      "--to",
      `${hub.url}/api/v1/events`,
      "-H",
      `authorization: Bearer ${ingester}`,
      ...eventFlags("build.queued", "tok-1", "b1"),
    ]);
    assert.equal(send.code, 0, send.stderr);

    const anonymous = await cairn(["events", ...hubFlag]);
    assert.equal(anonymous.code, 1);
    assert.equal(
      anonymous.stderr,
      "cairn: unauthorized: a bearer token is required (Authorization: Bearer <token>)\n  give a token with --token or CAIRN_TOKEN\n",
    );
    const wrong = await cairn(["events", ...hubFlag, "--token", "not-a-real-token"]);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr, "cairn: unauthorized: the token is not valid\n");
    const noScope = await cairn(["events", ...hubFlag, "--token", ingester]);
    assert.equal(noScope.code, 1);
    assert.equal(noScope.stderr, "cairn: forbidden: token ci lacks the read scope\n");

    const flag = await cairn(["events", ...hubFlag, "--token", reader, "--jsonl"]);
    assert.equal(flag.code, 0, flag.stderr);
    assert.equal(jsonLines(flag.stdout).length, 1);
    const env = await cairn(["events", ...hubFlag, "--jsonl"], undefined, { CAIRN_TOKEN: reader });
    assert.equal(env.code, 0, env.stderr);
    assert.equal(env.stdout, flag.stdout);
    const tail = await cairn(["tail", ...hubFlag]);
    assert.equal(tail.code, 1);
    assert.match(tail.stderr, /^cairn: unauthorized: a bearer token is required/);

    const run = await hub.stop();
    assert.equal(run.code, 0);
    for (const secret of [reader, ingester]) {
      for (const text of [run.stdout, run.stderr, anonymous.stderr, wrong.stderr, noScope.stderr, flag.stderr])
        assert.ok(!text.includes(secret), `a secret was printed: ${text}`);
    }
    const tokensLogged = jsonLines(run.stdout)
      .filter((l) => l.msg === "request")
      .map((l) => l.token);
    assert.ok(tokensLogged.includes("reader") && tokensLogged.includes("ci"), String(tokensLogged));
  });

  it("CAIRN_TOKENS configures tokens too; a short secret is a configuration error that does not echo it", async (t) => {
    const r = await cairn(["serve", "--port", String(await freePort()), "--data", tempDir(t)], undefined, {
      CAIRN_TOKENS: "x:read:short",
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /env CAIRN_TOKENS \(tokens\): tokens\[0\] \(x\): the secret must be at least 8 characters/);
    assert.ok(!r.stderr.includes(":short"));
  });
});
