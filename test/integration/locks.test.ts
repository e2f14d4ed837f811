// The machine-wide locks with real processes: a private lock folder; a lock held by another process refuses,
// one left by a SIGKILLed holder is taken over once stale; two `scope-watchdog run` on the same OpenClaw state
// (different data dirs and status sockets) cannot both run, and SIGTERM releases the lock.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it, onTestFinished } from "vitest";
import { createMachineLocks, lockDirFor, stateKey } from "../../src/actions/locks.js";
import { CLI, spawnRun } from "../helpers/cli.js";
import {
  fakeOpenClawInstall,
  LegacyStateDir,
  tempDir,
  writeHealthyState,
} from "../helpers/openclaw-state.js";

const LOCKS = path.resolve(path.dirname(CLI), "..", "actions", "locks.js");

/** A child process that takes the remediation lock on `stateDir` and holds it until killed. */
function holder(runtimeDir: string, stateDir: string): { child: ChildProcess; held: Promise<string> } {
  const script = `
    import { createMachineLocks } from ${JSON.stringify(LOCKS)};
    const locks = createMachineLocks({ env: { XDG_RUNTIME_DIR: ${JSON.stringify(runtimeDir)} }, staleMs: 2000 });
    const held = await locks.remediation(${JSON.stringify(stateDir)});
    console.log(held ? "held" : "busy");
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const held = new Promise<string>((resolve) =>
    child.stdout?.once("data", (d: Buffer) => resolve(d.toString().trim())),
  );
  return { child, held };
}

describe("machine-wide locks", () => {
  it("live in a 0700 folder under XDG_RUNTIME_DIR, named by a hash of the resolved state dir", async () => {
    const root = await tempDir("sw-locks-");
    const env = { XDG_RUNTIME_DIR: path.join(root, "run") };
    await mkdir(env.XDG_RUNTIME_DIR, { mode: 0o700 });
    const locks = createMachineLocks({ env });
    const held = await locks.remediation(path.join(root, "state", "..", "state"));
    expect(held?.path).toBe(
      path.join(
        root,
        "run",
        "openclaw-scope-watchdog",
        `remediation-${await stateKey(path.join(root, "state"))}.lock`,
      ),
    );
    expect((await stat(path.join(root, "run", "openclaw-scope-watchdog"))).mode & 0o777).toBe(0o700);
    expect(await locks.remediation(path.join(root, "state"))).toBeNull();
    // the daemon lock is another lock on the same state
    const daemon = await locks.daemon(path.join(root, "state"));
    expect(daemon).not.toBeNull();
    await held?.release();
    await daemon?.release();
    expect(await readdir(path.join(root, "run", "openclaw-scope-watchdog"))).toEqual([]);
    expect(await lockDirFor({}, 4242, "/tmp")).toBe("/tmp/openclaw-scope-watchdog-4242");
  });

  it("refuses while another process holds the lock, and takes one left by a SIGKILLed holder once stale", async () => {
    const root = await tempDir("sw-locks-");
    const runtimeDir = path.join(root, "run");
    const stateDir = path.join(root, "state");
    const { child, held } = holder(runtimeDir, stateDir);
    expect(await held).toBe("held");
    const locks = createMachineLocks({ env: { XDG_RUNTIME_DIR: runtimeDir }, staleMs: 2_000 });
    expect(await locks.remediation(stateDir)).toBeNull();
    const killed = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await killed;
    // the lock is still there (SIGKILL runs no exit handler) and still fresh
    expect(await locks.remediation(stateDir)).toBeNull();
    // stale once older than 2 s; the lock's first mtime may lie up to 1 s ahead (proper-lockfile's precision probe)
    await delay(3_500);
    const taken = await locks.remediation(stateDir);
    expect(taken).not.toBeNull();
    await taken?.release();
  });
});

describe("two daemons on the same OpenClaw state", () => {
  it("the second refuses to start with one clear line, even with another data dir and status socket", async () => {
    const root = await tempDir("sw-2daemons-");
    const state = new LegacyStateDir(path.join(root, "home", ".openclaw"));
    await writeHealthyState(state);
    const bin = path.join(await fakeOpenClawInstall(path.join(root, "oc"), "2026.4.20"), "openclaw");
    const configFor = async (name: string) => {
      const file = path.join(root, `${name}.json`);
      await writeFile(
        file,
        JSON.stringify({
          openclaw: { bin, stateDir: state.dir, logFile: path.join(root, "gw.log") },
          dataDir: path.join(root, `data-${name}`),
          status: { socket: path.join(root, `sock-${name}`, "status.sock") },
          notify: { desktop: { enabled: false } },
        }),
      );
      await mkdir(path.join(root, `sock-${name}`), { mode: 0o700 });
      return file;
    };
    const started = (o: () => string) =>
      expect.poll(() => o().includes('"msg":"watching OpenClaw"'), { timeout: 10_000 }).toBe(true);
    const exitOf = (c: ChildProcess) => new Promise<number | null>((r) => c.once("exit", r));

    const first = spawnRun(root, await configFor("a"));
    await started(first.output);
    const second = spawnRun(root, await configFor("b"));
    expect(await exitOf(second.child)).toBe(2);
    const lines = second.output().trim().split("\n");
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^scope-watchdog: another scope-watchdog already watches the OpenClaw state ${state.dir} \\(lock in `,
      ),
    );
    expect(second.output()).not.toMatch(/\n\s+at /); // no stack

    const firstExit = exitOf(first.child);
    first.child.kill("SIGTERM");
    expect(await firstExit).toBe(0);
    const third = spawnRun(root, await configFor("c"));
    await started(third.output);
    const thirdExit = exitOf(third.child);
    third.child.kill("SIGTERM");
    expect(await thirdExit).toBe(0);
  });
});
