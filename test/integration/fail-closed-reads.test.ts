// Reading what healing depends on, failing closed, on real folders and files: the state folders' ownership and
// modes (lstat, no links followed) and the kill switch (off only when provably absent).

import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { engageKillSwitch, readKillSwitch } from "../../src/actions/remediate/kill-switch.js";
import { findUnsafeStatePaths } from "../../src/sources/state/path-safety.js";
import { tempDir } from "../helpers/openclaw-state.js";

const uid = process.getuid?.() ?? 0;

async function stateDir() {
  const root = await tempDir("sw-paths-");
  const dir = path.join(root, ".openclaw");
  for (const sub of ["", "identity", "devices"]) await mkdir(path.join(dir, sub), { mode: 0o700 });
  return { root, dir };
}

describe("findUnsafeStatePaths", () => {
  it("accepts private folders of this user, and a subfolder OpenClaw has not created yet", async () => {
    const { dir } = await stateDir();
    expect(await findUnsafeStatePaths(dir, uid)).toEqual([]);
  });

  it("names a group- or world-writable folder with its mode", async () => {
    const { dir } = await stateDir();
    await chmod(path.join(dir, "devices"), 0o777);
    await chmod(dir, 0o770);
    expect(await findUnsafeStatePaths(dir, uid)).toEqual([
      { path: dir, problem: "writable", mode: 0o770 },
      { path: path.join(dir, "devices"), problem: "writable", mode: 0o777 },
    ]);
  });

  it("names every folder that another account owns", async () => {
    const { dir } = await stateDir();
    const found = await findUnsafeStatePaths(dir, uid + 1);
    expect(found.map((u) => [path.basename(u.path), u.problem, u.uid])).toEqual([
      [".openclaw", "owner", uid],
      ["identity", "owner", uid],
      ["devices", "owner", uid],
    ]);
  });

  it("does not follow a symlinked subfolder or state dir", async () => {
    const { root, dir } = await stateDir();
    const real = path.join(root, "real-state");
    await mkdir(real, { mode: 0o700 });
    await symlink(real, path.join(dir, "state"));
    expect(await findUnsafeStatePaths(dir, uid)).toEqual([
      { path: path.join(dir, "state"), problem: "symlink" },
    ]);
    const linked = path.join(root, "linked");
    await symlink(dir, linked);
    expect((await findUnsafeStatePaths(linked, uid))[0]).toEqual({ path: linked, problem: "symlink" });
  });

  it("reports a state dir that is a file as unexaminable", async () => {
    const { root } = await stateDir();
    await writeFile(path.join(root, "file"), "");
    expect(await findUnsafeStatePaths(path.join(root, "file"), uid)).toEqual([
      { path: path.join(root, "file"), problem: "unchecked", error: "ENOTDIR" },
    ]);
  });
});

describe("readKillSwitch", () => {
  it("is off only when the file is absent (ENOENT)", async () => {
    const root = await tempDir("sw-kill-");
    expect(await readKillSwitch(path.join(root, "disable-remediation"))).toMatchObject({
      active: false,
      halt: null,
    });
  });

  it("is on, without a finding, for a file the user made (empty or any text)", async () => {
    const root = await tempDir("sw-kill-");
    const file = path.join(root, "disable-remediation");
    await writeFile(file, "");
    expect(await readKillSwitch(file)).toEqual({ file, active: true, halt: null, problem: null });
    await writeFile(file, '{"reason":"mine"}');
    expect((await readKillSwitch(file)).halt).toBeNull();
  });

  it.each([
    [
      "ENOTDIR (a file where its folder should be)",
      async (root: string) => {
        await writeFile(path.join(root, "data"), "");
        return path.join(root, "data", "disable-remediation");
      },
    ],
    [
      "ELOOP (a symlink loop on the way)",
      async (root: string) => {
        await symlink(path.join(root, "b"), path.join(root, "a"));
        await symlink(path.join(root, "a"), path.join(root, "b"));
        return path.join(root, "a", "disable-remediation");
      },
    ],
  ])("is on when the file cannot be examined: %s", async (_n, make) => {
    const root = await tempDir("sw-kill-");
    const file = await make(root);
    const k = await readKillSwitch(file);
    expect(k.active).toBe(true);
    expect(k.problem).toMatch(/^cannot be examined \((ENOTDIR|ELOOP)\)$/);
  });

  it("carries the watchdog's own reason once it engaged it, 0600, creating a missing folder", async () => {
    const root = await tempDir("sw-kill-");
    const file = path.join(root, "new", "disable-remediation");
    await engageKillSwitch(file, {
      reason: "the approve changed device 0123456789ab…",
      atMs: 1_800_000_000_000,
      pass: "p-1",
      details: ["another paired device changed"],
    });
    expect(await readKillSwitch(file)).toEqual({
      file,
      active: true,
      halt: { file, reason: "the approve changed device 0123456789ab…", atMs: 1_800_000_000_000 },
      problem: null,
    });
    const { stat } = await import("node:fs/promises");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
