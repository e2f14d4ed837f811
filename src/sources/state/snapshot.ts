// One consistent read of the pairing state, from whichever store the OpenClaw version uses.

import { access } from "node:fs/promises";
import path from "node:path";
import type { PairingSnapshot, PairingStore } from "../../common/types.js";
import {
  deviceAuthFileExists,
  PAIRED_FILE,
  readDeviceAuthFile,
  readIdentityFile,
  readPairedFile,
  readPendingFile,
} from "./files-store.js";
import type { ReadOptions } from "./safe-read.js";
import { readSqliteStore, SQLITE_FILE } from "./sqlite-store.js";

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** The store in use when the OpenClaw version is unknown: whatever is on disk, SQLite first. */
export async function detectStoreOnDisk(stateDir: string): Promise<PairingStore> {
  if (await exists(path.join(stateDir, SQLITE_FILE))) return "sqlite";
  if (await exists(path.join(stateDir, PAIRED_FILE))) return "files";
  if (await exists(path.join(stateDir, "identity"))) return "files";
  return "unknown";
}

export interface SnapshotOptions {
  stateDir: string;
  /** The store the installed OpenClaw uses; "unknown" reads whatever is on disk. */
  store: PairingStore;
  nowMs: number;
  read?: ReadOptions;
}

export async function readPairingSnapshot(opts: SnapshotOptions): Promise<PairingSnapshot> {
  const store = opts.store === "unknown" ? await detectStoreOnDisk(opts.stateDir) : opts.store;
  if (store === "sqlite") {
    const [db, legacyDeviceAuthFile] = await Promise.all([
      readSqliteStore(opts.stateDir, opts.nowMs),
      deviceAuthFileExists(opts.stateDir),
    ]);
    return { store, ...db, legacyDeviceAuthFile };
  }
  const [identity, deviceAuth, paired, pending] = await Promise.all([
    readIdentityFile(opts.stateDir, opts.read),
    readDeviceAuthFile(opts.stateDir, opts.read),
    readPairedFile(opts.stateDir, opts.read),
    readPendingFile(opts.stateDir, opts.nowMs, opts.read),
  ]);
  return {
    store,
    identity: identity.value,
    deviceAuth: deviceAuth.value,
    paired: paired.value,
    pending: pending.value,
    legacyDeviceAuthFile: deviceAuth.value !== null,
    problems: [...identity.problems, ...deviceAuth.problems, ...paired.problems, ...pending.problems],
  };
}
