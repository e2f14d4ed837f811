// Which store holds the pairing state, decided by the database's content (its user_version and the 2026.8 pairing
// columns), not by the file's presence: databases written by real SQLite (Node 24's node:sqlite) in the layouts
// OpenClaw 2026.7.35 and 2026.9.6 create, read by the built CLI under Node 24 and under this machine's Node 20.

import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readSqliteUserVersion } from "../../src/sources/state/sqlite-header.js";
import { SQLITE_SCHEMAS, schemaFor } from "../../src/sources/state/sqlite-schema.js";
import { ensureNode } from "../e2e/harness/install.js";
import { nodeBin } from "../e2e/harness/paths.js";
import { runCli } from "../helpers/cli.js";
import {
  CLI_DEFAULT_SCOPES_4_20,
  LegacyStateDir,
  makeIdentity,
  pairedRecord,
  tempDir,
} from "../helpers/openclaw-state.js";
import { writeSqliteState } from "../helpers/sqlite-db.js";

interface CheckJson {
  openclaw: { version: string | null; store: string; schemaVersion: number | null };
  device: { deviceId: string; approvedScopes: string[]; paired: boolean } | null;
  findings: { code: string; severity: string; message: string }[];
}

beforeAll(async () => {
  await ensureNode();
}, 300_000);

const writeDb = writeSqliteState;

/** A state folder with devices/*.json narrowed to operator.approvals (as 2026.7.35 writes it) and a database. */
async function narrowedFilesState(db: Record<string, unknown> | null) {
  const root = await tempDir();
  const stateDir = path.join(root, "home", ".openclaw");
  const state = new LegacyStateDir(stateDir);
  const id = makeIdentity();
  await state.writeIdentity(id);
  await state.writePaired([pairedRecord(id, { scopes: ["operator.approvals"] })]);
  await state.writePending([]);
  if (db) await writeDb(path.join(stateDir, "state", "openclaw.sqlite"), db);
  // no openclaw.bin and a PATH without openclaw: nothing tells the version
  const emptyBin = path.join(root, "empty-bin");
  await mkdir(emptyBin);
  const config = path.join(root, "watchdog.json");
  await writeFile(config, JSON.stringify({ openclaw: { stateDir } }));
  return {
    id,
    config,
    env: { HOME: path.join(root, "home"), XDG_CONFIG_HOME: path.join(root, "xdg"), PATH: emptyBin },
  };
}

async function check(t: { config: string; env: NodeJS.ProcessEnv }, node = nodeBin()): Promise<CheckJson> {
  const r = await runCli(["check", "--json", "--config", t.config], { env: t.env, node });
  if (r.code !== 0 && r.code !== 1) throw new Error(`check exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as CheckJson;
}

describe("user_version read from the database header and its -wal", () => {
  it("reads the number from the file header when nothing is in the -wal", async () => {
    const file = path.join(await tempDir(), "state", "openclaw.sqlite");
    await writeDb(file, { userVersion: 18 });
    expect(await readSqliteUserVersion(file)).toEqual({ ok: true, userVersion: 18, fromWal: false });
  });

  it("reads the newest committed page 1 from the -wal while a writer has not checkpointed", async () => {
    const file = path.join(await tempDir(), "state", "openclaw.sqlite");
    await writeDb(file, { userVersion: 15, keepWal: true });
    // the database file itself still says 0: only the -wal has the new number
    const { readFile } = await import("node:fs/promises");
    expect((await readFile(file)).readUInt32BE(60)).toBe(0);
    expect(await readSqliteUserVersion(file)).toEqual({ ok: true, userVersion: 15, fromWal: true });
  });

  it("says what is wrong with a missing file, an empty one and one that is not SQLite", async () => {
    const dir = await tempDir();
    expect(await readSqliteUserVersion(path.join(dir, "none.sqlite"))).toMatchObject({
      ok: false,
      missing: true,
    });
    await writeFile(path.join(dir, "empty.sqlite"), "");
    expect(await readSqliteUserVersion(path.join(dir, "empty.sqlite"))).toEqual({
      ok: true,
      userVersion: 0,
      fromWal: false,
    });
    await writeFile(path.join(dir, "text.sqlite"), "x".repeat(200));
    expect(await readSqliteUserVersion(path.join(dir, "text.sqlite"))).toEqual({
      ok: false,
      missing: false,
      problem: "is not a SQLite database (bad header)",
    });
  });
});

describe("the schema map", () => {
  it("knows 1 as the 2026.6/2026.7 leftover and 15 to 18 as the 2026.8+ pairing store", () => {
    expect(SQLITE_SCHEMAS.map((s) => [s.userVersion, s.pairingStore])).toEqual([
      [1, false],
      [15, true],
      [16, true],
      [17, true],
      [18, true],
    ]);
    expect(schemaFor(0).kind).toBe("older");
    expect(schemaFor(14).kind).toBe("older");
    expect(schemaFor(19)).toMatchObject({ kind: "newer", schema: { userVersion: 18 } });
  });
});

describe("store detection by content", () => {
  it.each([
    ["Node 24", () => nodeBin()],
    ["Node 20 (no node:sqlite)", () => process.execPath],
  ])(
    "2026.7.x leftover database (user_version 1) beside narrowed devices/*.json: the files, under %s",
    async (_n, node) => {
      const t = await narrowedFilesState({ layout: "2026.7" });
      const out = await check(t, node());
      expect(out.openclaw.store).toBe("files");
      expect(out.openclaw.schemaVersion).toBe(1);
      expect(out.device).toMatchObject({
        deviceId: t.id.deviceId,
        paired: true,
        approvedScopes: ["operator.approvals"],
      });
      expect(out.findings.map((f) => f.code)).toContain("baseline-missing-scope");
    },
  );

  it("a 2026.8+ number over the 2026.7 table layout is not the store: the files are read", async () => {
    const t = await narrowedFilesState({ layout: "2026.7", userVersion: 15 });
    const out = await check(t);
    expect(out.openclaw.store).toBe("files");
    expect(out.device?.approvedScopes).toEqual(["operator.approvals"]);
  });

  it("a 2026.9.6 database is the store even with devices/*.json left beside it", async () => {
    const t = await narrowedFilesState({ userVersion: 18 });
    const out = await check(t);
    expect(out.openclaw).toMatchObject({ store: "sqlite", schemaVersion: 18 });
    // the database has no identity row: the files' device is not read
    expect(out.device).toBeNull();
  });

  it("finds the 2026.8+ store from the -wal when the database file still has the old header", async () => {
    const t = await narrowedFilesState({ userVersion: 15, keepWal: true });
    const out = await check(t, process.execPath);
    expect(out.openclaw).toMatchObject({ store: "sqlite", schemaVersion: 15 });
    expect(out.findings.find((f) => f.code === "state-unreadable")?.message).toMatch(
      /node:sqlite needs Node\.js 22\.13/,
    );
  });

  it("a newer schema than any known is read with the newest columns and reported", async () => {
    const root = await tempDir();
    const stateDir = path.join(root, "home", ".openclaw");
    const id = makeIdentity();
    await writeDb(path.join(stateDir, "state", "openclaw.sqlite"), {
      userVersion: 19,
      identity: id,
      paired: [{ deviceId: id.deviceId, publicKey: id.publicKey, scopes: CLI_DEFAULT_SCOPES_4_20 }],
    });
    const config = path.join(root, "watchdog.json");
    await writeFile(config, JSON.stringify({ openclaw: { stateDir } }));
    const out = await check({ config, env: { HOME: path.join(root, "home"), PATH: root } });
    expect(out.openclaw).toMatchObject({ store: "sqlite", schemaVersion: 19 });
    expect(out.device).toMatchObject({ deviceId: id.deviceId, paired: true });
    const f = out.findings.find((x) => x.code === "openclaw-schema-unknown");
    expect(f?.message).toContain("schema version 19, newer than any this watchdog knows");
  });
});
