// service/prometheus/alerts.yml passes `promtool check rules`, and its unit tests (alerts.test.yml) pass
// `promtool test rules`: each paging alert fires for the machine in trouble only. A sabotaged copy of the rules
// makes the unit tests fail, so they test the rules and not nothing.

import { spawnSync } from "node:child_process";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect, it } from "vitest";
import { tempDir } from "../helpers/openclaw-state.js";
import { describeNeeding } from "../helpers/os-packages.js";

const DIR = path.resolve("service", "prometheus");

function promtool(args: string[], cwd: string): { code: number | null; output: string } {
  const r = spawnSync("promtool", args, { cwd, encoding: "utf8" });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describeNeeding(["promtool"], "service/prometheus/alerts.yml", () => {
  it("passes promtool check rules", () => {
    const r = promtool(["check", "rules", "alerts.yml"], DIR);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/SUCCESS: 13 rules found/);
  });

  it("passes its unit tests (promtool test rules alerts.test.yml)", () => {
    const r = promtool(["test", "rules", "alerts.test.yml"], DIR);
    expect(r.output).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });

  it.each([
    [
      "the regression threshold",
      'scope_watchdog_findings{severity="critical"}) > 0',
      'scope_watchdog_findings{severity="critical"}) > 1',
    ],
    ["the stale-reconcile guard", "scope_watchdog_watching) == 1", "scope_watchdog_watching) >= 0"],
    [
      "the memory alert's job filter",
      'process_resident_memory_bytes{job="openclaw-scope-watchdog"}',
      "process_resident_memory_bytes",
    ],
    ["the CPU threshold", "[15m])) > 0.1", "[15m])) > 0.3"],
  ])("its unit tests fail when %s is sabotaged", async (_what, from, to) => {
    const dir = await tempDir("sw-rules-");
    const rules = await readFile(path.join(DIR, "alerts.yml"), "utf8");
    expect(rules).toContain(from);
    await writeFile(path.join(dir, "alerts.yml"), rules.replace(from, to));
    await copyFile(path.join(DIR, "alerts.test.yml"), path.join(dir, "alerts.test.yml"));
    const r = promtool(["test", "rules", "alerts.test.yml"], dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("FAILED");
  });
});
