// Reading OpenClaw's JSON state files defensively: no symlinks, bounded size, retries for half-written files.

import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { jsonErrorWhere } from "../../common/errors.js";

export const MAX_STATE_FILE_BYTES = 8 * 1024 * 1024;

export interface ReadOptions {
  maxBytes?: number;
  /** Extra attempts when the content does not parse (OpenClaw 2026.4.x writes some files non-atomically). */
  retries?: number;
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<unknown>;
}

export type ReadFailure = { ok: false; missing: boolean; problem: string; hint?: string };
export type ReadResult<T> = { ok: true; value: T } | ReadFailure;

function describeErrno(err: NodeJS.ErrnoException): { problem: string; hint?: string } {
  switch (err.code) {
    case "EACCES":
    case "EPERM":
      return {
        problem: "permission denied",
        hint: "run the watchdog as the same user as the OpenClaw gateway (its state files are mode 0600)",
      };
    case "ELOOP":
      return {
        problem: "is a symbolic link; OpenClaw writes a regular file here",
        hint: "replace the link with the real file, or point the watchdog at the real state directory",
      };
    case "EISDIR":
      return { problem: "is a directory, expected a file" };
    default:
      return { problem: `cannot be read (${err.code ?? err.message})` };
  }
}

/** Reads a regular file (never through a symlink) up to maxBytes; missing files are reported as such. */
export async function readStateFile(
  file: string,
  maxBytes = MAX_STATE_FILE_BYTES,
): Promise<ReadResult<Buffer>> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = await handle.stat();
    if (!st.isFile()) return { ok: false, missing: false, problem: "is not a regular file" };
    if (st.size > maxBytes) {
      return {
        ok: false,
        missing: false,
        problem: `is ${(st.size / 1024 / 1024).toFixed(1)} MiB, larger than the ${maxBytes / 1024 / 1024} MiB the watchdog reads`,
        hint: "a pairing state file this large is not something OpenClaw writes; inspect it by hand",
      };
    }
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const { bytesRead } = await handle.read(buf, off, st.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return { ok: true, value: buf.subarray(0, off) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ENOENT" || e.code === "ENOTDIR")
      return { ok: false, missing: true, problem: "does not exist" };
    return { ok: false, missing: false, ...describeErrno(e) };
  } finally {
    await handle?.close();
  }
}

/**
 * Reads and parses a JSON file. A parse failure is retried (a writer may be half-way through a non-atomic
 * write) and only reported as corruption when it persists.
 */
export async function readJsonFile(file: string, opts: ReadOptions = {}): Promise<ReadResult<unknown>> {
  const retries = opts.retries ?? 3;
  const retryDelayMs = opts.retryDelayMs ?? 40;
  const sleep = opts.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  let lastError = "";
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(retryDelayMs * attempt);
    const read = await readStateFile(file, opts.maxBytes);
    if (!read.ok) return read;
    const text = read.value.toString("utf8");
    if (text.trim() === "") {
      lastError = "is empty";
      continue;
    }
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch (err) {
      lastError = `is not valid JSON (${jsonErrorWhere(err)})`;
    }
  }
  return {
    ok: false,
    missing: false,
    problem: `${lastError}, also after ${retries} re-reads`,
    hint: "the file is truncated or corrupted; OpenClaw rewrites it on the next change, or restore it from a backup",
  };
}
