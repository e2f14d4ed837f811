// The rendered units pass `systemd-analyze verify` (Debian package: systemd), in --user mode for the user unit.
// verify exits 0 on many mistakes and only warns on stderr, so "passes" means exit 0 AND nothing on stderr; the
// broken copies below prove the check fails on a typo, a bad value and a missing executable.
// No systemd as PID 1 is needed: --user only needs a private XDG_RUNTIME_DIR.

import { spawnSync } from "node:child_process";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { installedCliPath } from "../../src/actions/service/package.js";
import {
  renderSystemUnit,
  renderUserUnit,
  servicePath,
  UNIT_NAME,
} from "../../src/actions/service/systemd-unit.js";
import { tempDir } from "../helpers/openclaw-state.js";
import { describeNeeding } from "../helpers/os-packages.js";

interface Verify {
  code: number | null;
  stderr: string;
}

async function verify(unit: string, mode: "user" | "system"): Promise<Verify> {
  const root = await tempDir("sw-verify-");
  const runtime = path.join(root, "run");
  await mkdir(runtime, { mode: 0o700 });
  const dir = path.join(root, "units");
  await mkdir(dir);
  const file = path.join(dir, UNIT_NAME);
  await writeFile(file, unit);
  const args = [...(mode === "user" ? ["--user"] : []), "verify", "--man=no", file];
  const r = spawnSync("systemd-analyze", args, {
    env: { PATH: process.env.PATH, XDG_RUNTIME_DIR: runtime },
    encoding: "utf8",
  });
  return { code: r.status, stderr: r.stderr.trim() };
}

const passes = (v: Verify) => v.code === 0 && v.stderr === "";

const cmd = {
  node: process.execPath,
  cli: installedCliPath(),
  config: null,
  path: servicePath(process.execPath, null),
};

describeNeeding(["systemd-analyze"], "systemd-analyze verify", () => {
  it("accepts the user unit in --user mode, with a config path that needs quoting and escaping", async () => {
    const v = await verify(renderUserUnit({ ...cmd, config: "/home/a b/100%$x.json" }), "user");
    expect(v).toEqual({ code: 0, stderr: "" });
  });

  it("accepts the system unit for a dedicated account", async () => {
    const v = await verify(
      renderSystemUnit({ ...cmd, user: "openclaw", home: "/var/lib/openclaw" }),
      "system",
    );
    expect(v).toEqual({ code: 0, stderr: "" });
  });

  it("finds the executable through a path with a space and a %, so the escaping is what systemd reads", async () => {
    const root = await tempDir("sw-verify-exe-");
    const odd = path.join(root, "node dir%1");
    await mkdir(odd);
    await symlink(process.execPath, path.join(odd, "node"));
    await chmod(odd, 0o755);
    const good = renderUserUnit({ ...cmd, node: path.join(odd, "node") });
    expect(await verify(good, "user")).toEqual({ code: 0, stderr: "" });
    // the same unit with the % left unescaped points systemd at another file
    const unescaped = good.replace("node dir%%1", "node dir%1");
    const v = await verify(unescaped, "user");
    expect(v.code).not.toBe(0);
    expect(v.stderr).toMatch(/not executable|special characters|Failed to resolve/);
  });

  describe("fails on a deliberately broken copy", () => {
    const good = renderUserUnit(cmd);

    it.each([
      ["a misspelt key", good.replace("Restart=on-failure", "Restartt=on-failure"), /Unknown key 'Restartt'/],
      ["a bad value", good.replace("Restart=on-failure", "Restart=sometimes"), /restart specifier/],
      ["a missing executable", good.replace(process.execPath, "/nonexistent/node"), /not executable/],
      ["a misspelt section", good.replace("[Service]", "[Servce]"), /Unknown section 'Servce'/],
    ])("%s", async (_what, broken, message) => {
      expect(broken).not.toBe(good);
      const v = await verify(broken, "user");
      expect(passes(v)).toBe(false);
      expect(v.stderr).toMatch(message);
    });
  });
});
