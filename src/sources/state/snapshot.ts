// One consistent read of the pairing state, from whichever store holds it: decided by what is on disk (the
// database's schema, not its presence), and by the OpenClaw version only when the disk says nothing.

import { access } from "node:fs/promises";
import path from "node:path";
import type { PairingSnapshot, PairingStore, SqliteOnDisk } from "../../common/types.js";
import {
  deviceAuthFileExists,
  PAIRED_FILE,
  readDeviceAuthFile,
  readIdentityFile,
  readPairedFile,
  readPendingFile,
} from "./files-store.js";
import { readLegacyLeftovers } from "./legacy-leftovers.js";
import type { ReadOptions } from "./safe-read.js";
import { readSqliteUserVersion } from "./sqlite-header.js";
import { SQLITE_FILE, schemaFor } from "./sqlite-schema.js";
import { readSqliteStore } from "./sqlite-store.js";

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

export interface StoreOnDisk {
  store: PairingStore;
  /** The database, when there is one. */
  sqlite: SqliteOnDisk | null;
}

/**
 * Which store holds the pairing state. SQLite only when state/openclaw.sqlite carries a 2026.8+ schema
 * (user_version 15 or later): 2026.6.x and 2026.7.x create the file too (user_version 1) but pair in
 * devices/*.json. With nothing on disk, `expected` (the store the OpenClaw version uses) decides.
 */
export async function detectStoreOnDisk(
  stateDir: string,
  expected: PairingStore = "unknown",
): Promise<StoreOnDisk> {
  const header = await readSqliteUserVersion(path.join(stateDir, SQLITE_FILE));
  let sqlite: SqliteOnDisk | null = null;
  if (header.ok) {
    const found = schemaFor(header.userVersion);
    sqlite = {
      userVersion: header.userVersion,
      schema: found.kind,
      pairingStore: found.kind !== "older" && found.schema.pairingStore,
    };
    if (sqlite.pairingStore) return { store: "sqlite", sqlite };
  } else if (!header.missing) {
    sqlite = { userVersion: null, schema: null, pairingStore: false };
  }
  if ((await exists(path.join(stateDir, PAIRED_FILE))) || (await exists(path.join(stateDir, "identity"))))
    return { store: "files", sqlite };
  if (sqlite?.userVersion != null) return { store: "files", sqlite };
  // an unreadable database with nothing else on disk: read it, so that its problem is reported
  if (sqlite) return { store: expected === "files" ? "files" : "sqlite", sqlite };
  return { store: expected, sqlite };
}

export interface SnapshotOptions {
  stateDir: string;
  /** The store the OpenClaw version uses ("unknown" when the version is): used only when the disk says nothing. */
  store: PairingStore;
  nowMs: number;
  read?: ReadOptions;
}

async function readFilesStore(opts: SnapshotOptions): Promise<PairingSnapshot> {
  const [identity, deviceAuth, paired, pending] = await Promise.all([
    readIdentityFile(opts.stateDir, opts.read),
    readDeviceAuthFile(opts.stateDir, opts.read),
    readPairedFile(opts.stateDir, opts.read),
    readPendingFile(opts.stateDir, opts.nowMs, opts.read),
  ]);
  return {
    store: "files",
    identity: identity.value,
    deviceAuth: deviceAuth.value,
    paired: paired.value,
    pending: pending.value,
    legacyDeviceAuthFile: deviceAuth.value !== null,
    problems: [...identity.problems, ...deviceAuth.problems, ...paired.problems, ...pending.problems],
  };
}

export async function readPairingSnapshot(opts: SnapshotOptions): Promise<PairingSnapshot> {
  const onDisk = await detectStoreOnDisk(opts.stateDir, opts.store);
  const withDb = (s: PairingSnapshot): PairingSnapshot =>
    onDisk.sqlite ? { ...s, sqlite: onDisk.sqlite } : s;
  if (onDisk.store === "sqlite") {
    const [db, legacyDeviceAuthFile, legacyLeftovers] = await Promise.all([
      readSqliteStore(opts.stateDir, opts.nowMs),
      deviceAuthFileExists(opts.stateDir),
      readLegacyLeftovers(opts.stateDir),
    ]);
    const { schemaVersion, olderLayout, ...read } = db;
    // a 2026.8+ number over the older table layout is not the pairing store after all
    // leftovers are compared with the database's rows: only when it could be read whole
    if (!olderLayout)
      return withDb({
        store: "sqlite",
        ...read,
        legacyDeviceAuthFile,
        ...(read.problems.length === 0 ? { legacyLeftovers } : {}),
      });
    const files = await readFilesStore(opts);
    return { ...files, sqlite: { userVersion: schemaVersion, schema: "older", pairingStore: false } };
  }
  if (onDisk.store === "unknown") {
    const files = await readFilesStore(opts);
    return { ...files, store: "unknown" };
  }
  return withDb(await readFilesStore(opts));
}
