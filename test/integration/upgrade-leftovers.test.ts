// The 2026.8 upgrade failures users hit, on state written as those releases write it: state/openclaw.sqlite with
// OpenClaw's own tables (user_version 15 as 2026.8.1/8.2 create it, 18 as 2026.9.6 does; real SQLite through Node
// 24) beside the JSON files 2026.7.x left (devices/paired.json, identity/device.json, identity/device-auth.json).

import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureNode } from "../e2e/harness/install.js";
import { nodeBin } from "../e2e/harness/paths.js";
import { runCli } from "../helpers/cli.js";
import {
  CLI_DEFAULT_SCOPES_4_20,
  type FixtureIdentity,
  LegacyStateDir,
  makeIdentity,
  pairedRecord,
  tempDir,
} from "../helpers/openclaw-state.js";
import { writeSqliteState } from "../helpers/sqlite-db.js";

interface CheckJson {
  openclaw: { store: string; schemaVersion: number | null };
  findings: {
    code: string;
    severity: string;
    message: string;
    fix?: { command: string; explanation: string };
  }[];
}

beforeAll(async () => {
  await ensureNode();
}, 300_000);

const row = (id: FixtureIdentity, scopes = CLI_DEFAULT_SCOPES_4_20) => ({
  deviceId: id.deviceId,
  publicKey: id.publicKey,
  scopes,
});

/** An upgraded state: the database as `db` says, and the legacy files `legacy` writes beside it. */
async function upgraded(db: Record<string, unknown>, legacy: (s: LegacyStateDir) => Promise<void>) {
  const root = await tempDir();
  const stateDir = path.join(root, "home", ".openclaw");
  await writeSqliteState(path.join(stateDir, "state", "openclaw.sqlite"), db);
  const state = new LegacyStateDir(stateDir);
  await legacy(state);
  const config = path.join(root, "watchdog.json");
  await writeFile(config, JSON.stringify({ openclaw: { stateDir } }));
  const emptyBin = path.join(root, "empty-bin");
  await mkdir(emptyBin);
  return { state, config, env: { HOME: path.join(root, "home"), PATH: emptyBin } };
}

async function check(t: { config: string; env: NodeJS.ProcessEnv }, node = nodeBin()): Promise<CheckJson> {
  const r = await runCli(["check", "--json", "--config", t.config], { env: t.env, node });
  if (r.code !== 0 && r.code !== 1) throw new Error(`check exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as CheckJson;
}

const find = (out: CheckJson, code: string) => out.findings.find((f) => f.code === code);

describe("pairings left in devices/paired.json (openclaw#134340)", () => {
  it("a failed 2026.8.1 import: this machine's pairing only in paired.json is critical, with the fix", async () => {
    const me = makeIdentity();
    const phone = makeIdentity();
    const t = await upgraded({ userVersion: 15, identity: me, paired: [] }, async (s) => {
      await s.writePaired([
        pairedRecord(me, { scopes: CLI_DEFAULT_SCOPES_4_20 }),
        pairedRecord(phone, { scopes: ["operator.read"] }),
      ]);
    });
    const out = await check(t);
    expect(out.openclaw).toMatchObject({ store: "sqlite", schemaVersion: 15 });
    const f = find(out, "pairing-migration-incomplete");
    expect(f?.severity).toBe("critical");
    expect(f?.message).toContain("still holds 2 pairings that state/openclaw.sqlite lacks");
    expect(f?.message).toContain("this machine's device among them");
    expect(f?.fix?.command).toBe(
      "openclaw gateway stop && npm install -g openclaw@latest && openclaw gateway start",
    );
  });

  it("another device's pairing left behind is a warning", async () => {
    const me = makeIdentity();
    const phone = makeIdentity();
    const t = await upgraded({ userVersion: 18, identity: me, paired: [row(me)] }, async (s) => {
      await s.writePaired([
        pairedRecord(me, { scopes: CLI_DEFAULT_SCOPES_4_20 }),
        pairedRecord(phone, { scopes: ["operator.read"] }),
      ]);
    });
    const f = find(await check(t), "pairing-migration-incomplete");
    expect(f?.severity).toBe("warning");
    expect(f?.message).toContain("1 pairing that state/openclaw.sqlite lacks");
  });

  it("a completed import (paired.json archived, or every pairing in SQLite) is no finding", async () => {
    const me = makeIdentity();
    const archived = await upgraded({ userVersion: 15, identity: me, paired: [row(me)] }, async () => {});
    expect(find(await check(archived), "pairing-migration-incomplete")).toBeUndefined();
    const both = await upgraded({ userVersion: 15, identity: me, paired: [row(me)] }, async (s) => {
      await s.writePaired([pairedRecord(me, { scopes: CLI_DEFAULT_SCOPES_4_20 })]);
    });
    const out = await check(both);
    expect(out.openclaw.store).toBe("sqlite");
    expect(find(out, "pairing-migration-incomplete")).toBeUndefined();
  });

  it("says nothing of it when the database cannot be read (Node 20 has no node:sqlite)", async () => {
    const me = makeIdentity();
    const t = await upgraded({ userVersion: 15, identity: me, paired: [row(me)] }, async (s) => {
      await s.writePaired([pairedRecord(me, { scopes: CLI_DEFAULT_SCOPES_4_20 })]);
    });
    const out = await check(t, process.execPath);
    expect(out.openclaw.store).toBe("sqlite");
    expect(find(out, "state-unreadable")).toBeDefined();
    expect(find(out, "pairing-migration-incomplete")).toBeUndefined();
  });
});

describe("a legacy identity/device.json beside the canonical SQLite identity (openclaw#117270)", () => {
  it("another key: legacy-identity-conflict, and the fix moves the file aside", async () => {
    const canonical = makeIdentity();
    const retired = makeIdentity();
    const t = await upgraded(
      { userVersion: 15, identity: canonical, paired: [row(canonical)] },
      async (s) => {
        await s.writeIdentity(retired);
      },
    );
    const f = find(await check(t), "legacy-identity-conflict");
    expect(f?.severity).toBe("warning");
    expect(f?.message).toContain(`holds device ${retired.deviceId.slice(0, 12)}`);
    const file = t.state.file("identity/device.json");
    expect(f?.fix?.command).toBe(`mv ${file} ${file}.retired && openclaw gateway restart`);
  });

  it("the same key (a leftover doctor --fix would remove) is no conflict", async () => {
    const me = makeIdentity();
    const t = await upgraded({ userVersion: 18, identity: me, paired: [row(me)] }, async (s) => {
      await s.writeIdentity(me);
    });
    expect(find(await check(t), "legacy-identity-conflict")).toBeUndefined();
  });
});

describe("identity/device-auth.json on a SQLite release (openclaw#134509)", () => {
  it("is critical, and the fix says what writes it back after doctor --fix", async () => {
    const me = makeIdentity();
    const t = await upgraded({ userVersion: 15, identity: me, paired: [row(me)] }, async (s) => {
      await s.writeDeviceAuth(me, CLI_DEFAULT_SCOPES_4_20);
    });
    const f = find(await check(t), "legacy-device-auth-present");
    expect(f?.severity).toBe("critical");
    expect(f?.fix?.command).toBe("openclaw gateway stop && openclaw doctor --fix && openclaw gateway start");
    expect(f?.fix?.explanation).toContain("openclaw#134509");
  });
});
