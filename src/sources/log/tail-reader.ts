// Reads one followed log file from its offset to its end: from 0 after a truncation, never once replaced.

import { open } from "node:fs/promises";
import type { Logger } from "../../common/log.js";
import { classifyChange, errCode, keyOf, type Tracked, type WarnOnce } from "./tail-files.js";
import type { TailLineHandler } from "./tail-observations.js";

export interface FileReaderOptions {
  /** The read buffer's size (at least 64 KiB; default 1 MiB). */
  readChunkBytes?: number;
  counters: { bytesRead: number };
  isClosed(): boolean;
  onLine: TailLineHandler;
  /** Something was read, or the file was truncated. */
  onChanged(t: Tracked): void;
  log: Logger;
  warnOnce: WarnOnce;
}

/** Reads t from its offset to the end; false when the path no longer holds t's inode. */
export type DrainFile = (t: Tracked) => Promise<boolean>;

export function createFileReader(o: FileReaderOptions): DrainFile {
  const readBuf = Buffer.allocUnsafe(Math.max(64 * 1024, o.readChunkBytes ?? 1024 * 1024));

  return async function drain(t: Tracked): Promise<boolean> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(t.path, "r");
    } catch (err) {
      if (errCode(err) !== "ENOENT")
        o.warnOnce(`open:${t.path}:${errCode(err)}`, { err, file: t.path }, "cannot open log file");
      return false;
    }
    try {
      let st = await handle.stat();
      const change = classifyChange(
        { key: t.key, offset: t.lines.offset },
        { key: keyOf(st), size: st.size },
      );
      if (change === "replaced") return false;
      // something changed (data or a truncation): look once more shortly, chokidar may swallow the next event
      let changed = false;
      if (change === "truncated") {
        o.log.info(
          { file: t.path, size: st.size, offset: t.lines.offset },
          "log file truncated; reading it from the start",
        );
        t.lines.resetTo(0);
        changed = true;
      }
      const onLine = (line: Buffer, candidate: boolean, checked: boolean) =>
        o.onLine(t, line, candidate, checked);
      while (!o.isClosed() && t.lines.offset < st.size) {
        const want = Math.min(readBuf.length, st.size - t.lines.offset);
        const { bytesRead } = await handle.read(readBuf, 0, want, t.lines.offset);
        if (bytesRead === 0) break;
        o.counters.bytesRead += bytesRead;
        t.lines.consume(readBuf.subarray(0, bytesRead), onLine);
        changed = true;
        if (t.lines.offset >= st.size) st = await handle.stat();
      }
      if (changed) o.onChanged(t);
      return true;
    } catch (err) {
      o.warnOnce(`read:${t.path}:${errCode(err)}`, { err, file: t.path }, "cannot read log file");
      return true;
    } finally {
      await handle.close().catch(() => {});
    }
  };
}
