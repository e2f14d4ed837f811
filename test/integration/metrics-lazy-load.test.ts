// prom-client is loaded only when `metrics.listen` is set: `scope-watchdog run` as a real child process, with a
// preload that lists the modules it loaded when it exits. The same daemon with metrics on is the control: the list
// does show prom-client when it is loaded.

import { realpathSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { spawnRun } from "../helpers/cli.js";
import {
  fakeOpenClawInstall,
  LegacyStateDir,
  tempDir,
  writeHealthyState,
} from "../helpers/openclaw-state.js";

const PRELOAD = path.resolve(import.meta.dirname, "..", "helpers", "loaded-modules.mjs");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Runs the daemon until it logs `ready`, stops it with SIGTERM, and returns the modules it had loaded. */
async function loadedModules(config: Record<string, unknown>, ready: string): Promise<string[]> {
  const root = await tempDir();
  await writeHealthyState(new LegacyStateDir(path.join(root, "home", ".openclaw")));
  const binDir = await fakeOpenClawInstall(path.join(root, "oc"), "2026.4.20");
  const file = path.join(root, "watchdog.json");
  await writeFile(
    file,
    JSON.stringify({
      openclaw: { bin: path.join(binDir, "openclaw"), logFile: path.join(root, "gw.log") },
      notify: { desktop: { enabled: false } },
      ...config,
    }),
  );
  const list = path.join(root, "modules.json");
  const { child, output } = spawnRun(root, file, {
    nodeArgs: ["--import", PRELOAD],
    env: { LOADED_MODULES_FILE: list },
  });
  await expect.poll(() => output().includes(`"msg":"${ready}"`), { timeout: 10_000 }).toBe(true);
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
  return JSON.parse(await readFile(list, "utf8")) as string[];
}

const promClient = (modules: string[]) =>
  modules.filter((m) => m.includes(`${path.sep}node_modules${path.sep}prom-client${path.sep}`));

describe("prom-client loading", () => {
  it("a daemon without metrics.listen never loads prom-client", async () => {
    const modules = await loadedModules({}, "watching OpenClaw");
    expect(modules.some((m) => m.includes(`${path.sep}node_modules${path.sep}`))).toBe(true); // the list works
    expect(promClient(modules)).toEqual([]);
  });

  it("a daemon with metrics.listen loads it (control)", async () => {
    const port = await freePort();
    const modules = await loadedModules(
      { metrics: { listen: `127.0.0.1:${port}` } },
      "metrics endpoint listening",
    );
    // node_modules may be a link (a git worktree's): Node reports the modules it loaded by their real path
    expect(promClient(modules)).toContain(
      path.join(realpathSync(path.resolve("node_modules")), "prom-client", "lib", "registry.js"),
    );
  });
});
