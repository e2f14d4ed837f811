// The import direction of the pipeline is a lint rule (Biome noRestrictedImports per folder, biome.json): a lower
// folder importing a higher one fails `npm run lint`. Proved on probe files in a temp copy of the layout, linted
// with the project's own biome.json.
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const BIOME = path.join(ROOT, "node_modules", ".bin", "biome");

async function lint(file: string, source: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sw-lint-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const config = JSON.parse(await readFile(path.join(ROOT, "biome.json"), "utf8")) as Record<string, unknown>;
  delete config.$schema;
  delete config.vcs; // the temp folder is no git checkout
  await writeFile(path.join(dir, "biome.json"), JSON.stringify(config));
  await mkdir(path.join(dir, path.dirname(file)), { recursive: true });
  await writeFile(path.join(dir, file), source);
  const r = spawnSync(BIOME, ["lint", "--reporter=summary", file], { cwd: dir, encoding: "utf8" });
  return `${r.stdout}${r.stderr}`;
}

const probe = (spec: string) => `import { x } from "${spec}";\nexport const y = x;\n`;

describe("imports point down the pipeline", () => {
  it.each([
    ["src/common/probe.ts", "../config/load.js"],
    ["src/config/probe.ts", "../sources/state/snapshot.js"],
    ["src/sources/log/probe.ts", "../../actions/remediate/run.js"],
    ["src/detect/probe.ts", "../sources/state/snapshot.js"],
    ["src/detect/probe.ts", "../policy/incidents.js"],
    ["src/policy/probe.ts", "../actions/locks.js"],
    ["src/actions/notify/probe.ts", "../../daemon/watchdog.js"],
    ["src/daemon/probe.ts", "../cli/main.js"],
  ])("%s may not import %s", async (file, spec) => {
    expect(await lint(file, probe(spec))).toMatch(/noRestrictedImports/);
  });

  it.each([
    ["src/policy/probe.ts", "../detect/guards.js"],
    ["src/actions/probe.ts", "../sources/state/snapshot.js"],
    ["src/daemon/probe.ts", "../actions/locks.js"],
    ["src/detect/probe.ts", "../common/pairing.js"],
  ])("%s may import %s", async (file, spec) => {
    expect(await lint(file, probe(spec))).not.toMatch(/noRestrictedImports/);
  });
});
