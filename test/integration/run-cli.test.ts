// `scope-watchdog run` as systemd runs it: a real child process, its JSON log, SIGHUP and SIGTERM.

import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { spawnRun } from "../helpers/cli.js";
import {
  fakeOpenClawInstall,
  LegacyStateDir,
  tempDir,
  writeHealthyState,
} from "../helpers/openclaw-state.js";

describe("scope-watchdog run", () => {
  it("logs JSON, keeps the old config on a bad SIGHUP reload, applies a good one, and exits 0 on SIGTERM", async () => {
    const root = await tempDir();
    const state = new LegacyStateDir(path.join(root, "home", ".openclaw"));
    await writeHealthyState(state);
    const binDir = await fakeOpenClawInstall(path.join(root, "oc"), "2026.4.20");
    const config = path.join(root, "watchdog.json");
    const good = {
      openclaw: { bin: path.join(binDir, "openclaw"), logFile: path.join(root, "gw.log") },
      notify: { desktop: { enabled: false } },
    };
    await writeFile(config, JSON.stringify(good));
    const { child, output } = spawnRun(root, config);
    const records = () =>
      output()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { msg: string; err?: string; level: number });
    await expect
      .poll(() => records().some((r) => r.msg === "watching OpenClaw"), { timeout: 10_000 })
      .toBe(true);

    await writeFile(config, JSON.stringify({ ...good, reconcile: { schedule: "often" } }));
    child.kill("SIGHUP");
    await expect
      .poll(
        () => records().find((r) => r.msg === "new configuration rejected; keeping the running one")?.err,
        { timeout: 10_000 },
      )
      .toMatch(/reconcile\.schedule/);

    await writeFile(config, JSON.stringify({ ...good, requiredScopes: ["node.invoke"] }));
    child.kill("SIGHUP");
    await expect
      .poll(() => records().some((r) => r.msg === "configuration reloaded"), { timeout: 10_000 })
      .toBe(true);

    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(records().at(-1)?.msg).toBe("openclaw-scope-watchdog stopped");
  });
});
