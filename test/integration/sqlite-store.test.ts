// The 2026.8+ SQLite store, read-only through node:sqlite: the watchdog runs under Node 24 here (the Node
// that OpenClaw 2026.9.x needs), and under this machine's Node 20 to show what an older runtime says.

import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureNode } from "../e2e/harness/install.js";
import { nodeBin } from "../e2e/harness/paths.js";
import { runCli } from "../helpers/cli.js";
import {
  CLI_DEFAULT_SCOPES_4_20,
  fakeOpenClawInstall,
  makeIdentity,
  makeToken,
  tempDir,
} from "../helpers/openclaw-state.js";
import { writeSqliteState } from "../helpers/sqlite-db.js";

interface CheckJson {
  ok: boolean;
  openclaw: { version: string | null; store: string };
  device: { deviceId: string; approvedScopes: string[]; tokenScopes: string[]; paired: boolean } | null;
  findings: {
    code: string;
    severity: string;
    message: string;
    requestId?: string;
    file?: string;
    fix?: { command: string };
  }[];
}

beforeAll(async () => {
  await ensureNode();
}, 300_000);

async function sqliteState(spec: Record<string, unknown>) {
  const root = await tempDir();
  const stateDir = path.join(root, "home", ".openclaw");
  const file = path.join(stateDir, "state", "openclaw.sqlite");
  await writeSqliteState(file, spec);
  const binDir = await fakeOpenClawInstall(path.join(root, "oc"), "2026.9.6");
  const config = path.join(root, "watchdog.json");
  await writeFile(config, JSON.stringify({ openclaw: { bin: path.join(binDir, "openclaw"), stateDir } }));
  return {
    root,
    stateDir,
    file,
    config,
    env: { HOME: path.join(root, "home"), XDG_CONFIG_HOME: path.join(root, "xdg") },
  };
}

async function check(t: { config: string; env: NodeJS.ProcessEnv }, node = nodeBin()) {
  const r = await runCli(["check", "--json", "--config", t.config], { env: t.env, node });
  return { ...r, out: JSON.parse(r.stdout) as CheckJson };
}

describe("SQLite pairing store (2026.9.6 shape)", () => {
  it("reads a healthy state as healthy, without writing to the database", async () => {
    const id = makeIdentity();
    const token = makeToken();
    const t = await sqliteState({
      identity: id,
      paired: [
        {
          deviceId: id.deviceId,
          publicKey: id.publicKey,
          scopes: CLI_DEFAULT_SCOPES_4_20,
          tokens: { operator: { token, role: "operator", scopes: CLI_DEFAULT_SCOPES_4_20, createdAtMs: 1 } },
        },
      ],
      authTokens: [{ deviceId: id.deviceId, role: "operator", token, scopes: CLI_DEFAULT_SCOPES_4_20 }],
    });
    const before = createHash("sha256")
      .update(await readFile(t.file))
      .digest("hex");
    const filesBefore = await readdir(path.dirname(t.file));
    const r = await check(t);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.out.openclaw).toMatchObject({ version: "2026.9.6", store: "sqlite" });
    expect(r.out.device).toMatchObject({
      deviceId: id.deviceId,
      paired: true,
      tokenScopes: [...CLI_DEFAULT_SCOPES_4_20].sort(),
    });
    expect(r.out.findings.filter((f) => f.severity !== "info")).toEqual([]);
    expect(
      createHash("sha256")
        .update(await readFile(t.file))
        .digest("hex"),
    ).toBe(before);
    expect(await readdir(path.dirname(t.file))).toEqual(filesBefore);
    // neither the token nor the private key leaves the database
    expect(r.stdout).not.toContain(token);
    expect(r.stdout).not.toContain("PRIVATE KEY");
  });

  it("reports a narrowed device and its pending upgrade when autoApproveLocal is off", async () => {
    const id = makeIdentity();
    const t = await sqliteState({
      identity: id,
      paired: [{ deviceId: id.deviceId, publicKey: id.publicKey, scopes: ["operator.approvals"] }],
      pending: [
        {
          requestId: "0f9e1b7c-5a7d-4c1e-9a55-3e1f2b6c7d80",
          deviceId: id.deviceId,
          publicKey: id.publicKey,
          scopes: ["operator.read", "operator.write"],
        },
      ],
    });
    await writeFile(
      path.join(t.stateDir, "openclaw.json"),
      JSON.stringify({ gateway: { nodes: { pairing: { autoApproveLocal: false } } } }),
    );
    const r = await check(t);
    expect(r.code).toBe(1);
    const codes = r.out.findings.map((f) => `${f.severity}:${f.code}`);
    expect(codes).toEqual(["warning:baseline-missing-scope", "warning:scope-upgrade-pending"]);
    expect(r.out.findings[1]?.requestId).toBe("0f9e1b7c-5a7d-4c1e-9a55-3e1f2b6c7d80");
  });

  it("flags a legacy identity/device-auth.json beside the database", async () => {
    const id = makeIdentity();
    const t = await sqliteState({
      identity: id,
      paired: [{ deviceId: id.deviceId, publicKey: id.publicKey, scopes: CLI_DEFAULT_SCOPES_4_20 }],
    });
    await mkdir(path.join(t.stateDir, "identity"));
    await writeFile(path.join(t.stateDir, "identity", "device-auth.json"), "{}");
    const r = await check(t);
    expect(r.out.findings.map((f) => `${f.severity}:${f.code}`)).toEqual([
      "critical:legacy-device-auth-present",
    ]);
  });

  it("names the table and column when the schema is not one it knows", async () => {
    const id = makeIdentity();
    const t = await sqliteState({
      identity: id,
      userVersion: 25,
      omitColumns: { device_pairing_paired: ["approved_scopes_json"] },
    });
    const r = await check(t);
    const f = r.out.findings.find((x) => x.code === "state-unreadable");
    expect(f?.message).toContain(
      "(table device_pairing_paired) lacks column approved_scopes_json (schema version 25",
    );
  });

  it("says plainly that an older runtime cannot read it, and names the command to run instead", async () => {
    const id = makeIdentity();
    const t = await sqliteState({ identity: id });
    const r = await check(t, process.execPath);
    expect(r.code).toBe(1);
    const f = r.out.findings.find((x) => x.code === "state-unreadable");
    expect(f?.message).toMatch(/node:sqlite needs Node\.js 22\.13 or later/);
    expect(f?.fix?.command).toBe("openclaw devices list --json");
  });
});
