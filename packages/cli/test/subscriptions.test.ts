import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cairn, suiteCleanup, tempDir } from "./helpers.ts";
import { jsonLines, type Served, serveHub } from "./hub-helpers.ts";

type Subscription = Record<string, unknown> & { id: string; sink: string; origin: string };

const DEPLOYS = {
  id: "chosen-by-me",
  sink: "http://127.0.0.1:9/deploys",
  protocol: "HTTP",
  source: "/cd",
  filters: [
    { cdevents: { subject: "service", predicate: "deployed", versions: "0.x" } },
    { sql: "subject LIKE 'prod/%'" },
  ],
  delivery: { retry: 3, backoffDelay: "PT0.5S" },
};

describe("cairn subscriptions", () => {
  const cleanup = suiteCleanup(after);
  let hub: Served;
  let h: string[];
  let dir: string;

  before(async () => {
    dir = tempDir(cleanup);
    const config = join(dir, "cairn.json");
    const fromConfig = { id: "from-config", sink: "http://127.0.0.1:9/cfg", protocol: "HTTP", types: ["a.b.c"] };
    writeFileSync(config, JSON.stringify({ subscriptions: [fromConfig] }));
    hub = await serveHub(cleanup, ["--data", join(dir, "data"), "--config", config]);
    h = ["--hub", hub.url];
  });

  it("create, list, get, update and delete: a round trip", async () => {
    const file = join(dir, "deploys.json");
    writeFileSync(file, JSON.stringify(DEPLOYS));
    const created = await cairn(["subscriptions", "create", ...h, "--file", file]);
    assert.equal(created.code, 0, created.stderr);
    const sub = JSON.parse(created.stdout) as Subscription;
    assert.match(created.stdout, /^\{\n {2}"id": /, "indented JSON");
    assert.notEqual(sub.id, "chosen-by-me");
    assert.equal(
      created.stderr,
      `cairn: warning: the hub assigns subscription ids: the file's id chosen-by-me was not used (this one is ${sub.id})\n`,
    );
    assert.equal(sub.origin, "api");
    assert.deepEqual(sub.filters, DEPLOYS.filters);
    assert.deepEqual(sub.delivery, { ...(sub.delivery as object), retry: 3, backoffDelay: 500 }, "defaults applied");

    const table = await cairn(["subscriptions", ...h]);
    assert.equal(table.code, 0, table.stderr);
    const [header = "", ...rows] = table.stdout.trimEnd().split("\n");
    assert.match(header, /^ID +SINK +PROTOCOL +FILTERS +ORIGIN$/);
    const at = ["ID", "SINK", "PROTOCOL", "FILTERS", "ORIGIN"].map((c) => header.indexOf(c));
    const cells = (row: string) => at.map((start, i) => row.slice(start, at[i + 1]).trim());
    assert.deepEqual(rows.map(cells).sort(), [
      [sub.id, DEPLOYS.sink, "HTTP", "source=/cd AND cdevents(service.deployed 0.x) AND sql(subje…", "api"],
      ["from-config", "http://127.0.0.1:9/cfg", "HTTP", "type=a.b.c", "config"],
    ]);
    const listed = await cairn(["subscriptions", "list", ...h, "--jsonl"]);
    assert.deepEqual(
      jsonLines(listed.stdout).find((s) => s.id === sub.id),
      sub,
    );
    const json = await cairn(["subscriptions", "list", ...h, "--json"]);
    assert.equal((JSON.parse(json.stdout) as unknown[]).length, 2);

    const got = await cairn(["subscriptions", "get", sub.id, ...h]);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout, created.stdout);
    const gotJson = await cairn(["subscriptions", "get", sub.id, ...h, "--json"]);
    assert.deepEqual(JSON.parse(gotJson.stdout), sub);
    assert.equal(gotJson.stdout.split("\n").length, 2, "--json: the hub's answer, on one line");

    // What get printed, edited, goes back as it is (origin included); stdin with --file -.
    const edited = { ...sub, sink: "http://127.0.0.1:9/elsewhere", filters: [{ prefix: { type: "dev.cdevents." } }] };
    const updated = await cairn(["subscriptions", "update", sub.id, ...h, "-f", "-"], JSON.stringify(edited));
    assert.equal(updated.code, 0, updated.stderr);
    assert.equal(updated.stderr, "");
    assert.deepEqual(JSON.parse(updated.stdout), edited);
    const after = await cairn(["subscriptions", ...h]);
    assert.match(
      after.stdout,
      new RegExp(
        `^${sub.id} +http://127\\.0\\.0\\.1:9/elsewhere +HTTP +source=/cd AND type=dev\\.cdevents\\.\\* +api$`,
        "m",
      ),
    );

    const deleted = await cairn(["subscriptions", "delete", sub.id, ...h]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, `deleted subscription ${sub.id}\n`);
    const gone = await cairn(["subscriptions", "get", sub.id, ...h]);
    assert.equal(gone.code, 1);
    assert.equal(gone.stdout, "");
    assert.equal(gone.stderr, `cairn: not_found: no subscription ${sub.id}\n`);
    const again = await cairn(["subscriptions", "delete", sub.id, ...h]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `cairn: not_found: no subscription ${sub.id}\n`);
  });

  it("an invalid subscription exits 1 and lists every issue on its own line with its path and position", async () => {
    const bad = {
      sink: "ftp://nowhere",
      protocol: "HTTP",
      filters: [{ exact: { type: "x" } }, { sql: "type = 'a' AND" }],
      delivery: { retry: -1 },
    };
    const before = jsonLines((await cairn(["subscriptions", ...h, "--jsonl"])).stdout).length;
    const r = await cairn(["subscriptions", "create", ...h, "--file", "-"], JSON.stringify(bad));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    const [headline, ...issues] = r.stderr.trimEnd().split("\n");
    assert.equal(headline, "cairn: invalid_subscription: the subscription is invalid");
    assert.equal(issues.length, 3, r.stderr);
    assert.match(issues.find((l) => l.startsWith("  /sink: ")) ?? "", /http/);
    assert.match(issues.find((l) => l.startsWith("  /delivery/retry: ")) ?? "", /at least 0/);
    const sql = issues.find((l) => l.startsWith("  /filters/1/sql: ")) ?? "";
    assert.match(sql, /invalid CESQL: .* at line 1, column 15 \(offset 14\)/);

    const list = await cairn(["subscriptions", ...h, "--jsonl"]);
    assert.equal(jsonLines(list.stdout).length, before, "nothing was created");
  });

  it("update: the same issues; a body id other than the path's is refused", async () => {
    const created = await cairn(
      ["subscriptions", "create", ...h, "-f", "-"],
      JSON.stringify({ ...DEPLOYS, id: undefined }),
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stderr, "", "no id in the file: no warning");
    const { id } = JSON.parse(created.stdout) as Subscription;
    const bad = await cairn(
      ["subscriptions", "update", id, ...h, "-f", "-"],
      JSON.stringify({ ...DEPLOYS, filters: [{ sql: "1 +" }] }),
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^cairn: invalid_subscription: the subscription is invalid\n/);
    assert.match(bad.stderr, /\n {2}\/filters\/0\/sql: invalid CESQL: .*line 1, column \d+/);
    assert.match(bad.stderr, /\n {2}\/id: /, "id_mismatch");
    // An absent id is created with that id (declaring subscriptions with stable ids).
    const upsert = await cairn(
      ["subscriptions", "update", "with-my-id", ...h, "-f", "-"],
      JSON.stringify({ ...DEPLOYS, id: undefined }),
    );
    assert.equal(upsert.code, 0, upsert.stderr);
    assert.equal((JSON.parse(upsert.stdout) as Subscription).id, "with-my-id");
    assert.equal((await cairn(["subscriptions", "delete", "with-my-id", ...h])).code, 0);
    assert.equal((await cairn(["subscriptions", "delete", id, ...h])).code, 0);
  });

  it("subscriptions of the hub's config file are read-only (409)", async () => {
    const update = await cairn(
      ["subscriptions", "update", "from-config", ...h, "-f", "-"],
      JSON.stringify({ sink: "http://127.0.0.1:9/x", protocol: "HTTP" }),
    );
    assert.equal(update.code, 1);
    assert.equal(
      update.stderr,
      "cairn: read_only: subscription from-config is declared in the config file; change it there\n",
    );
    const del = await cairn(["subscriptions", "delete", "from-config", ...h]);
    assert.equal(del.code, 1);
    assert.match(del.stderr, /^cairn: read_only: /);
  });

  it("a file that cannot be read or is not JSON exits 1 naming it, before anything is sent", async () => {
    const notJson = join(dir, "broken.json");
    writeFileSync(notJson, '{"sink": ');
    const broken = await cairn(["subscriptions", "create", ...h, "--file", notJson]);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, new RegExp(`^cairn: ${notJson} is not valid JSON: `));
    const stdin = await cairn(["subscriptions", "create", ...h, "--file", "-"], "nope");
    assert.match(stdin.stderr, /^cairn: <stdin> is not valid JSON: /);
    const missing = await cairn(["subscriptions", "create", ...h, "--file", join(dir, "missing.json")]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `cairn: cannot read ${join(dir, "missing.json")}: no such file\n`);
  });

  it("exits 2 on usage errors", async () => {
    const cases = [
      ["subscriptions", "frobnicate"],
      ["subscriptions", "list", "extra"],
      ["subscriptions", "get"],
      ["subscriptions", "get", "a", "b"],
      ["subscriptions", "get", "a", "--jsonl"],
      ["subscriptions", "get", "a", "--file", "x.json"],
      ["subscriptions", "create"],
      ["subscriptions", "create", "x.json"],
      ["subscriptions", "update", "a"],
      ["subscriptions", "update", "--file", "x.json"],
      ["subscriptions", "delete"],
      ["subscriptions", "--json", "--jsonl"],
      ["subscriptions", "--hub", "ftp://hub"],
      ["subscriptions", "--timeout", "soon"],
    ];
    for (const args of cases) {
      const [command = "", ...rest] = args;
      const r = await cairn([command, ...h, ...rest]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^cairn: .*\nRun 'cairn subscriptions --help' for usage\.\n$/, args.join(" "));
    }
  });
});

describe("cairn subscriptions: tokens", () => {
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
    const body = JSON.stringify({ sink: "http://127.0.0.1:9/x", protocol: "HTTP" });

    const anonymous = await cairn(["subscriptions", ...h]);
    assert.equal(anonymous.code, 1);
    assert.equal(
      anonymous.stderr,
      "cairn: unauthorized: a bearer token is required (Authorization: Bearer <token>)\n  give a token with --token or CAIRN_TOKEN\n",
    );
    const wrong = await cairn(["subscriptions", ...h, "--token", "not-a-real-token"]);
    assert.equal(wrong.stderr, "cairn: unauthorized: the token is not valid\n");
    const readOnly = await cairn(["subscriptions", "create", ...h, "--token", reader, "-f", "-"], body);
    assert.equal(readOnly.code, 1);
    assert.equal(readOnly.stderr, "cairn: forbidden: token reader lacks the admin scope\n");

    const created = await cairn(["subscriptions", "create", ...h, "-f", "-"], body, { CAIRN_TOKEN: admin });
    assert.equal(created.code, 0, created.stderr);
    const { id } = JSON.parse(created.stdout) as Subscription;
    const listed = await cairn(["subscriptions", ...h, "--token", reader, "--jsonl"]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      jsonLines(listed.stdout).map((s) => s.id),
      [id],
    );
    const flagWins = await cairn(["subscriptions", "delete", id, ...h, "--token", reader], undefined, {
      CAIRN_TOKEN: admin,
    });
    assert.equal(flagWins.stderr, "cairn: forbidden: token reader lacks the admin scope\n");
    for (const r of [anonymous, wrong, readOnly, created, listed, flagWins])
      assert.ok(!r.stderr.includes(admin) && !r.stderr.includes(reader), r.stderr);
  });
});
