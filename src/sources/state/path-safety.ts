// Whether OpenClaw's state folders are this user's own: every folder the watchdog reads, from the state dir
// down (identity/, devices/, state/), must be a real folder (lstat: a symlink is not followed), owned by the
// current uid and not writable by group or others. Otherwise another account could plant the pairing state the
// watchdog would act on, so healing stops and detection says which folder and how to fix it (issue 11).

import { lstat } from "node:fs/promises";
import path from "node:path";
import type { UnsafePath } from "../../common/types.js";

/** The folders below the state dir that the watchdog reads (2026.4.x files and the 2026.8+ SQLite store). */
export const STATE_SUBFOLDERS = ["identity", "devices", "state"] as const;

/** Checks one folder; a missing subfolder is fine (OpenClaw creates it later), anything unexaminable is not. */
async function checkFolder(dir: string, uid: number, required: boolean): Promise<UnsafePath | null> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    // a subfolder that does not exist (or whose parent is no folder, reported for the parent) is no risk
    if ((code === "ENOENT" || code === "ENOTDIR") && !required) return null;
    return { path: dir, problem: "unchecked", error: code };
  }
  if (st.isSymbolicLink()) return { path: dir, problem: "symlink" };
  if (!st.isDirectory()) return { path: dir, problem: "unchecked", error: "ENOTDIR" };
  if (st.uid !== uid) return { path: dir, problem: "owner", uid: st.uid };
  if ((st.mode & 0o022) !== 0) return { path: dir, problem: "writable", mode: st.mode & 0o777 };
  return null;
}

/**
 * The unsafe folders of `stateDir` for the user `uid` (process.getuid()); none where there are no uids
 * (Windows, which the watchdog only reaches through WSL).
 */
export async function findUnsafeStatePaths(stateDir: string, uid: number | null): Promise<UnsafePath[]> {
  if (uid === null) return [];
  const checks = [
    checkFolder(stateDir, uid, true),
    ...STATE_SUBFOLDERS.map((sub) => checkFolder(path.join(stateDir, sub), uid, false)),
  ];
  return (await Promise.all(checks)).filter((u): u is UnsafePath => u !== null);
}
