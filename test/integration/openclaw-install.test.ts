// Which OpenClaw is installed: the version from the package.json the `openclaw` link points into, else from
// running the executable with --version (a real child process), else a problem naming the executable.
import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findOpenClaw } from "../../src/sources/host/openclaw-install.js";
import { fakeOpenClawInstall, tempDir } from "../helpers/openclaw-state.js";

describe("findOpenClaw", () => {
  it("reads the version from the package.json of the executable on PATH, without running it", async () => {
    const binDir = await fakeOpenClawInstall(await tempDir(), "2026.4.20");
    const found = await findOpenClaw({ configuredBin: null, env: { PATH: `/nonexistent:${binDir}` } });
    expect(found).toEqual({
      bin: path.join(binDir, "openclaw"),
      version: "2026.4.20",
      via: "package.json",
      problem: null,
    });
  });

  it("runs `openclaw --version` when no package.json names it, and only when allowed", async () => {
    const dir = await tempDir();
    const bin = path.join(dir, "openclaw");
    await writeFile(bin, "#!/bin/sh\necho 'OpenClaw 2026.9.6 (abc123)'\n");
    await chmod(bin, 0o755);
    expect(await findOpenClaw({ configuredBin: bin, env: { PATH: process.env.PATH } })).toEqual({
      bin,
      version: "2026.9.6",
      via: "--version",
      problem: null,
    });
    const noExec = await findOpenClaw({
      configuredBin: bin,
      env: { PATH: process.env.PATH },
      allowExec: false,
    });
    expect(noExec).toEqual({
      bin,
      version: null,
      via: null,
      problem: `could not read the version of ${bin}`,
    });
  });

  it("says what is missing: no executable on PATH, or a configured file that is not executable", async () => {
    const dir = await tempDir();
    expect(await findOpenClaw({ configuredBin: null, env: { PATH: dir } })).toMatchObject({
      bin: null,
      problem: "no `openclaw` executable on PATH",
    });
    const file = path.join(dir, "openclaw");
    await writeFile(file, "not a program");
    expect(await findOpenClaw({ configuredBin: file, env: {} })).toMatchObject({
      version: null,
      problem: `openclaw.bin ${file} is not an executable file`,
    });
  });
});
