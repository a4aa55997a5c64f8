import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { durationText } from "../src/commands/triggers.ts";
import { cairn, suiteCleanup, tempDir } from "./helpers.ts";
import { jsonLines, type Served, serveHub } from "./hub-helpers.ts";

type Trigger = Record<string, unknown> & { id: string; origin: string };

const SHIPPED = {
  id: "shipped",
  correlateBy: "/subject/id",
  within: "PT30M",
  dependencies: [
    { name: "built", filters: [{ cdevents: { subject: "build", predicate: "finished" } }] },
    {
      name: "deployed",
      filters: [{ cdevents: { subject: "service", predicate: "deployed", versions: "0.x" } }],
      select: "first",
    },
  ],
  conditions: "built && deployed",
  emit: { type: "dev.cdeventsx.acme-release.shipped.0.1.0", source: "/cairn/triggers/shipped" },
};

describe("cairn triggers", () => {
  const cleanup = suiteCleanup(after);
  let h: string[];
  let dir: string;

  before(async () => {
    dir = tempDir(cleanup);
    const config = join(dir, "cairn.json");
    const fromConfig = {
      id: "from-config",
      correlateBy: "subject",
      within: 60_000,
      dependencies: [{ name: "a", filters: [{ exact: { type: "a.b.c" } }] }],
      sink: { url: "http://127.0.0.1:9/cfg" },
    };
    writeFileSync(config, JSON.stringify({ triggers: [fromConfig] }));
    const hub: Served = await serveHub(cleanup, ["--data", join(dir, "data"), "--config", config]);
    h = ["--hub", hub.url];
  });

  it("create (keeping the file's id), list, get, update and delete: a round trip", async () => {
    const file = join(dir, "shipped.json");
    writeFileSync(file, JSON.stringify(SHIPPED));
    const created = await cairn(["triggers", "create", ...h, "--file", file]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stderr, "", "trigger ids may be chosen: no warning");
    const t = JSON.parse(created.stdout) as Trigger;
    assert.equal(t.id, "shipped");
    assert.equal(t.origin, "api");
    assert.equal(t.within, 1_800_000, "durations normalised to ms");

    const table = await cairn(["triggers", ...h]);
    assert.equal(table.code, 0, table.stderr);
    const [header = "", ...rows] = table.stdout.trimEnd().split("\n");
    const columns = ["ID", "KEY", "WITHIN", "DEPENDENCIES", "CONDITIONS", "OUTPUT", "ORIGIN"];
    assert.match(header, new RegExp(`^${columns.join(" +")}$`));
    const at = columns.map((c) => header.indexOf(c));
    const cells = (row: string) => at.map((start, i) => row.slice(start, at[i + 1]).trim());
    assert.deepEqual(rows.map(cells).sort(), [
      ["from-config", "subject", "1m", "a: type=a.b.c", "(all)", "→ http://127.0.0.1:9/cfg", "config"],
      [
        "shipped",
        "/subject/id",
        "30m",
        "built: cdevents(build.finished), deployed[first…",
        "built && deployed",
        "emit dev.cdeventsx.acme-release.shipped.0.1.0",
        "api",
      ],
    ]);
    const listed = await cairn(["triggers", "list", ...h, "--jsonl"]);
    assert.deepEqual(
      jsonLines(listed.stdout).find((x) => x.id === "shipped"),
      t,
    );

    const got = await cairn(["triggers", "get", "shipped", ...h]);
    assert.equal(got.stdout, created.stdout);
    const edited = { ...t, within: "PT1H", conditions: "built || deployed" };
    const updated = await cairn(["triggers", "update", "shipped", ...h, "-f", "-"], JSON.stringify(edited));
    assert.equal(updated.code, 0, updated.stderr);
    assert.deepEqual(JSON.parse(updated.stdout), { ...t, within: 3_600_000, conditions: "built || deployed" });

    const conflict = await cairn(["triggers", "create", ...h, "--file", file]);
    assert.equal(conflict.code, 1);
    assert.equal(
      conflict.stderr,
      "cairn: conflict: trigger shipped exists; replace it with PUT /api/v1/triggers/shipped\n",
    );

    const deleted = await cairn(["triggers", "delete", "shipped", ...h]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, "deleted trigger shipped\n");
    const gone = await cairn(["triggers", "get", "shipped", ...h]);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr, "cairn: not_found: no trigger shipped\n");
  });

  it("an invalid trigger exits 1 listing every issue with its path and position; nothing is created", async () => {
    const bad = { ...SHIPPED, id: "bad", conditions: "built &&", within: -5 };
    const r = await cairn(["triggers", "create", ...h, "-f", "-"], JSON.stringify(bad));
    assert.equal(r.code, 1);
    const [headline, ...issues] = r.stderr.trimEnd().split("\n");
    assert.equal(headline, "cairn: invalid_trigger: the trigger is invalid");
    assert.match(issues.find((l) => l.startsWith("  /conditions: ")) ?? "", /line 1, column 9/);
    assert.ok(
      issues.some((l) => l.startsWith("  /within: ")),
      r.stderr,
    );
    const list = jsonLines((await cairn(["triggers", ...h, "--jsonl"])).stdout);
    assert.ok(!list.some((x) => x.id === "bad"));
  });

  it("triggers of the config file are read-only; usage errors exit 2", async () => {
    const del = await cairn(["triggers", "delete", "from-config", ...h]);
    assert.equal(del.code, 1);
    assert.equal(del.stderr, "cairn: read_only: trigger from-config is declared in the config file; change it there\n");
    for (const args of [["frobnicate"], ["get"], ["create"], ["update", "a"], ["get", "a", "--file", "x"]]) {
      const r = await cairn(["triggers", ...h, ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /\nRun 'cairn triggers --help' for usage\.\n$/);
    }
  });

  it("durations are shown in their largest whole unit", () => {
    assert.deepEqual([1_800_000, 1500, 86_400_000, 90_000, 7_200_000, 1].map(durationText), [
      "30m",
      "1500ms",
      "1d",
      "90s",
      "2h",
      "1ms",
    ]);
  });
});
