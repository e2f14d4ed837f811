// Writing the watchdog's own files atomically with private permissions (temp file, fsync, rename, fsync dir).

import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";

/** Creates `dir` (and parents) with mode 0700 if missing; tightens an existing one we own. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** Writes `data` to a new private temp file beside `file` and flushes it; returns its path. */
export async function writePrivateTemp(file: string, data: string | Buffer): Promise<string> {
  const dir = path.dirname(file);
  await ensurePrivateDir(dir);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  return tmp;
}

/** fsyncs a folder, so a rename or link in it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** Replaces `file` with `data` so readers see the old or the new content, never a mix; mode 0600. */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = await writePrivateTemp(file, data);
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(path.dirname(file));
}
