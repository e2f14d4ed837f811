// PRAGMA user_version of a SQLite database without a SQLite library (Node 20 has no node:sqlite): the big-endian
// uint32 at byte 60 of the database header, or of the newest committed copy of page 1 in the -wal beside it
// (a running gateway's recent writes live there until a checkpoint copies them into the file).

import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { errorMessage } from "../../common/errors.js";

const DB_MAGIC = "SQLite format 3\0";
const WAL_MAGIC = new Set([0x377f0682, 0x377f0683]);
const USER_VERSION_OFFSET = 60;
const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;
/** A WAL longer than this is not scanned (the file header is used): OpenClaw checkpoints long before. */
const MAX_WAL_BYTES = 256 * 1024 * 1024;

export type HeaderRead =
  | { ok: true; userVersion: number; fromWal: boolean }
  | { ok: false; missing: boolean; problem: string };

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** user_version in the newest committed frame of page 1 in the -wal file, if the log holds one. */
async function userVersionFromWal(walFile: string): Promise<number | null> {
  let fh: FileHandle;
  try {
    fh = await open(walFile, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const size = (await fh.stat()).size;
    if (size < WAL_HEADER_BYTES || size > MAX_WAL_BYTES) return null;
    const head = await readAt(fh, 0, WAL_HEADER_BYTES);
    if (head.length < WAL_HEADER_BYTES || !WAL_MAGIC.has(head.readUInt32BE(0))) return null;
    const pageSize = head.readUInt32BE(8);
    if (pageSize < 512 || pageSize > 65536) return null;
    const salt1 = head.readUInt32BE(16);
    const salt2 = head.readUInt32BE(20);
    let candidate: number | null = null;
    let committed: number | null = null;
    // Frames of the current log carry the header's salts; the first frame with other salts is left over from
    // an earlier log, and only frames up to a commit frame (non-zero database size) are part of the database.
    for (
      let at = WAL_HEADER_BYTES;
      at + FRAME_HEADER_BYTES + pageSize <= size;
      at += FRAME_HEADER_BYTES + pageSize
    ) {
      const frame = await readAt(fh, at, FRAME_HEADER_BYTES);
      if (frame.length < FRAME_HEADER_BYTES) break;
      if (frame.readUInt32BE(8) !== salt1 || frame.readUInt32BE(12) !== salt2) break;
      if (frame.readUInt32BE(0) === 1) {
        const uv = await readAt(fh, at + FRAME_HEADER_BYTES + USER_VERSION_OFFSET, 4);
        if (uv.length === 4) candidate = uv.readUInt32BE(0);
      }
      if (frame.readUInt32BE(4) !== 0 && candidate !== null) committed = candidate;
    }
    return committed;
  } finally {
    await fh.close();
  }
}

/** The database's user_version as a reader opening it now would see it. Never writes, never follows a symlink. */
export async function readSqliteUserVersion(file: string): Promise<HeaderRead> {
  let fh: FileHandle;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { ok: false, missing: true, problem: "does not exist" };
    if (code === "ELOOP")
      return {
        ok: false,
        missing: false,
        problem: "is a symbolic link; OpenClaw writes a regular file here",
      };
    return { ok: false, missing: false, problem: `cannot be read (${code ?? errorMessage(err)})` };
  }
  let header: Buffer;
  try {
    header = await readAt(fh, 0, 100);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, missing: false, problem: `cannot be read (${code ?? errorMessage(err)})` };
  } finally {
    await fh.close();
  }
  const fromWal = await userVersionFromWal(`${file}-wal`);
  if (fromWal !== null) return { ok: true, userVersion: fromWal, fromWal: true };
  // SQLite creates an empty file first and writes page 1 with the first transaction: version 0 until then.
  if (header.length === 0) return { ok: true, userVersion: 0, fromWal: false };
  if (header.length < 100 || header.subarray(0, 16).toString("latin1") !== DB_MAGIC)
    return { ok: false, missing: false, problem: "is not a SQLite database (bad header)" };
  return { ok: true, userVersion: header.readUInt32BE(USER_VERSION_OFFSET), fromWal: false };
}
