// `scope-watchdog check` as a user runs it: the built executable against real state directories.

import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import JSON5 from "json5";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import {
  fakeOpenClawInstall,
  LegacyStateDir,
  tempDir,
  writeHealthyState,
  writeSeedState,
} from "../helpers/openclaw-state.js";

interface CheckJson {
  ok: boolean;
  openclaw: { version: string | null; stateDir: string; store: string };
  device: { deviceId: string; approvedScopes: string[]; tokenScopes: string[] } | null;
  findings: {
    code: string;
    severity: string;
    message: string;
    requestId?: string;
    fix?: { command: string };
  }[];
}

async function setup(version = "2026.4.20") {
  const root = await tempDir();
  const state = new LegacyStateDir(path.join(root, "home", ".openclaw"));
  await mkdir(state.dir, { recursive: true });
  const binDir = await fakeOpenClawInstall(path.join(root, "oc"), version);
  const config = path.join(root, "watchdog.json");
  await writeFile(config, JSON.stringify({ openclaw: { bin: path.join(binDir, "openclaw") } }));
  const env = { HOME: path.join(root, "home"), XDG_CONFIG_HOME: path.join(root, "xdg") };
  return { root, state, config, env, binDir };
}

describe("scope-watchdog check", () => {
  it("on the seed's state reports the missing admin scope and the pending request, with the fix, and exits 1", async () => {
    const t = await setup();
    const seed = await writeSeedState(t.state);
    const r = await runCli(["check", "--json", "--config", t.config], { env: t.env });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as CheckJson;
    expect(out.ok).toBe(false);
    expect(out.openclaw).toMatchObject({ version: "2026.4.20", stateDir: t.state.dir, store: "files" });
    expect(out.device).toMatchObject({
      deviceId: seed.id.deviceId,
      approvedScopes: ["operator.approvals"],
      tokenScopes: ["operator.approvals"],
    });
    const baseline = out.findings.find((f) => f.code === "baseline-missing-scope");
    const pending = out.findings.find((f) => f.code === "scope-upgrade-pending");
    expect(baseline?.severity).toBe("critical");
    expect(pending?.requestId).toBe(seed.requestId);
    expect(pending?.fix?.command).toBe(`openclaw devices approve ${seed.requestId}`);
    expect(baseline?.fix?.command).toBe(`openclaw devices approve ${seed.requestId}`);
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(seed.deviceToken);
      expect(text).not.toContain("gw-token-not-printed");
    }
  });

  it("prints a readable report: what, why, the command, the lasting fix; no colour under NO_COLOR", async () => {
    const t = await setup();
    const seed = await writeSeedState(t.state);
    const plain = await runCli(["check", "--config", t.config], { env: { ...t.env, NO_COLOR: "1" } });
    expect(plain.code).toBe(1);
    expect(plain.stdout).toContain("CRITICAL  baseline-missing-scope");
    expect(plain.stdout).toContain(`Fix: openclaw devices approve ${seed.requestId}`);
    expect(plain.stdout).toMatch(/Why it matters: Subagent spawns \(sessions_spawn\)/);
    expect(plain.stdout).toMatch(/Lasting fix: Upgrade OpenClaw to 2026\.4\.25/);
    expect(plain.stdout).not.toContain("\x1b[");
    const coloured = await runCli(["check", "--config", t.config], {
      env: { ...t.env, NO_COLOR: "", FORCE_COLOR: "1" },
    });
    expect(coloured.stdout).toContain("\x1b[31m");
  });

  it("exits 0 on a healthy state with nothing of warning or worse", async () => {
    const t = await setup();
    await writeHealthyState(t.state);
    const r = await runCli(["check", "--json", "--config", t.config], { env: t.env });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as CheckJson;
    expect(out.ok).toBe(true);
    expect(out.findings.filter((f) => f.severity !== "info")).toEqual([]);
  });

  it("exits 2 naming where it looked when there is no OpenClaw state", async () => {
    const t = await setup();
    const home = path.join(t.root, "empty-home");
    await mkdir(home);
    const r = await runCli(["check", "--json"], {
      env: { HOME: home, XDG_CONFIG_HOME: path.join(t.root, "xdg") },
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`Looked at: ${path.join(home, ".openclaw")}, ${path.join(home, ".clawdbot")}`);
  });

  it("finds a profile's state directory like `openclaw --profile` does, and honours OPENCLAW_STATE_DIR", async () => {
    const t = await setup();
    const work = new LegacyStateDir(path.join(t.env.HOME, ".openclaw-work"));
    const seed = await writeSeedState(work);
    await writeHealthyState(t.state);
    const byProfile = await runCli(["check", "--json", "--profile", "work", "--config", t.config], {
      env: t.env,
    });
    expect((JSON.parse(byProfile.stdout) as CheckJson).device?.deviceId).toBe(seed.id.deviceId);
    const byEnv = await runCli(["check", "--json", "--config", t.config], {
      env: { ...t.env, OPENCLAW_STATE_DIR: work.dir },
    });
    expect((JSON.parse(byEnv.stdout) as CheckJson).openclaw.stateDir).toBe(work.dir);
  });

  it("reads the config from $XDG_CONFIG_HOME and rejects a bad one naming the file and field", async () => {
    const t = await setup();
    await writeHealthyState(t.state);
    const file = path.join(t.env.XDG_CONFIG_HOME, "openclaw-scope-watchdog", "config.json");
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ openclaw: { bin: path.join(t.binDir, "openclaw") } }));
    const ok = await runCli(["check", "--json"], { env: t.env });
    expect((JSON.parse(ok.stdout) as CheckJson).openclaw.version).toBe("2026.4.20");
    await writeFile(file, JSON.stringify({ requiredScopes: ["operator.admin"], log: { level: 3 } }));
    const bad = await runCli(["check"], { env: t.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(file);
    expect(bad.stderr).toMatch(/log\.level: expected one of .*got 3/);
  });

  it("reports a state file it may not read as state-unreadable instead of crashing", async () => {
    const t = await setup();
    await writeSeedState(t.state);
    await chmod(t.state.file("devices/paired.json"), 0o600);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      // root reads every file, so read as `nobody`, who may enter the folders but not open the 0600 file
      for (let dir = t.state.file("devices"); dir.startsWith(t.root); dir = path.dirname(dir))
        await chmod(dir, 0o755);
      for (const f of [
        "identity/device.json",
        "identity/device-auth.json",
        "devices/pending.json",
        "openclaw.json",
      ]) {
        await chmod(t.state.file(f), 0o644);
      }
      await chmod(t.config, 0o644);
      await chmod(t.state.file("identity"), 0o755);
    } else {
      await chmod(t.state.file("devices/paired.json"), 0o000);
    }
    const r = await runCli(["check", "--json", "--config", t.config], {
      env: t.env,
      ...(asRoot ? { uid: 65534 } : {}),
    });
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout) as CheckJson;
    const unreadable = out.findings.find((f) => f.code === "state-unreadable");
    expect(unreadable?.message).toBe(`${t.state.file("devices/paired.json")} permission denied.`);
    expect(r.code).toBe(1);
  });
});

// `check` is a one-shot command: it must not pay for the daemon's packages at start-up (bench/check.mjs measures
// what that costs). The child records every file it loads: a preload lists what CommonJS required (check runs as
// CommonJS), a module-resolution hook what the ES module loader resolved.
describe("scope-watchdog check loads only what it uses", () => {
  async function packagesLoaded(args: string[], env: NodeJS.ProcessEnv, dir: string): Promise<string[]> {
    const log = path.join(dir, "resolved.txt");
    await writeFile(
      path.join(dir, "hook.mjs"),
      `import { appendFileSync } from "node:fs";
export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  appendFileSync(${JSON.stringify(log)}, r.url + "\\n");
  return r;
}
`,
    );
    await writeFile(
      path.join(dir, "register.mjs"),
      `import { register } from "node:module";\nregister("./hook.mjs", import.meta.url);\n`,
    );
    await writeFile(
      path.join(dir, "required.cjs"),
      `process.on("exit", () => require("node:fs").appendFileSync(${JSON.stringify(log)}, Object.keys(require.cache).join("\\n") + "\\n"));\n`,
    );
    await writeFile(log, "");
    const r = await runCli(args, {
      env: {
        ...env,
        NODE_OPTIONS: `--require=${path.join(dir, "required.cjs")} --import=${path.join(dir, "register.mjs")}`,
      },
    });
    expect(r.stderr).toBe("");
    const files = (await readFile(log, "utf8")).split("\n").map((u) => u.replace(/^file:\/\//, ""));
    // the records see the run: `check` runs its single-file CommonJS build (scripts/bundle.mjs), and nothing of the
    // split one
    expect(files.some((f) => f.endsWith("/dist/cli/check-bundle.cjs"))).toBe(true);
    expect(files.filter((f) => f.includes("/dist/cli/chunks/") || f.endsWith("/dist/cli/cli.js"))).toEqual(
      [],
    );
    const names = files.flatMap((f) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1] ?? []);
    return [...new Set(names)].sort();
  }

  it("without a config file: no package at all (no schema library, no JSON5 parser for plain JSON, none of the daemon's packages)", async () => {
    const t = await setup();
    await writeHealthyState(t.state);
    const loaded = await packagesLoaded(["check", "--json", "--state-dir", t.state.dir], t.env, t.root);
    expect(loaded).toEqual([]);
  });

  it("with a config file: still no package (zod is bundled, evaluated only to validate the file)", async () => {
    const t = await setup();
    await writeHealthyState(t.state);
    const loaded = await packagesLoaded(["check", "--json", "--config", t.config], t.env, t.root);
    expect(loaded).toEqual([]);
  });

  it("with config.example.json, every section set: no package either (the built-in schedule needs no croner)", async () => {
    const t = await setup();
    await writeHealthyState(t.state);
    const example = JSON5.parse(await readFile("config.example.json", "utf8")) as Record<string, unknown>;
    const config = path.join(t.root, "every-section.json");
    await writeFile(config, JSON.stringify({ ...example, openclaw: { stateDir: t.state.dir } }));
    const loaded = await packagesLoaded(["check", "--json", "--config", config], t.env, t.root);
    expect(loaded).toEqual([]);
    // a schedule of its own is checked by croner, the parser that runs it
    await writeFile(
      config,
      JSON.stringify({ reconcile: { schedule: "*/7 * * * *" }, openclaw: { stateDir: t.state.dir } }),
    );
    expect(await packagesLoaded(["check", "--json", "--config", config], t.env, t.root)).toEqual(["croner"]);
  });
});
