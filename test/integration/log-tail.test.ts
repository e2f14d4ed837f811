// The log tail against real files in temp folders: appends, partial lines, rollover, rotation, truncation,
// bad lines, restarts, a directory that appears late, secrets, and a leak-free stop.

import { createHook } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { appendFile, mkdir, stat, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import type { Logger } from "../../src/common/log.js";
import type { Observation } from "../../src/common/types.js";
import { type LogLocationInput, resolveLogLocation } from "../../src/sources/log/location.js";
import { createLogTail, type LogTail, type LogTailOptions } from "../../src/sources/log/tail.js";
import type { ObservationMeta } from "../../src/sources/log/tail-observations.js";
import { createMemoryOffsetStore, type Offset } from "../../src/sources/log/tail-offsets.js";
import { fixtureLines, realLine } from "../fixtures/logs/real-lines.js";
import { tempDir } from "../helpers/openclaw-state.js";

const WAIT = { timeout: 8_000, interval: 20 };
/** The tail's source files (tail.ts, tail-*.ts) as stack traces name them. */
const TAIL_SOURCES = fileURLToPath(new URL("../../src/sources/log/tail", import.meta.url));
const DAY1 = new Date(2026, 10, 27, 23, 59, 50).getTime();
const DAY2 = new Date(2026, 10, 28, 0, 0, 5).getTime();

type Seen = { o: Observation; meta: ObservationMeta };

function captureLogger(out: string[]): Logger {
  const fn = (a: object | string, b?: string) => {
    out.push(typeof a === "string" ? a : `${JSON.stringify(a)} ${b ?? ""}`);
  };
  const l: Logger = { trace: fn, debug: fn, info: fn, warn: fn, error: fn, child: () => l };
  return l;
}

interface Harness {
  dir: string;
  file: string;
  tail: LogTail;
  seen: Seen[];
  logs: string[];
  clock: { ms: number };
  store: ReturnType<typeof createMemoryOffsetStore>;
  ids(): string[];
}

async function harness(
  o: {
    dir?: string;
    location?: Partial<LogLocationInput>;
    clockMs?: number;
    store?: ReturnType<typeof createMemoryOffsetStore>;
    tail?: Partial<LogTailOptions>;
  } = {},
): Promise<Harness> {
  const dir = o.dir ?? (await tempDir("sw-logtail-"));
  const clock = { ms: o.clockMs ?? Date.now() };
  const location = resolveLogLocation({
    configuredLogFile: path.join(dir, "openclaw-YYYY-MM-DD.log"),
    openclawLoggingFile: null,
    profile: null,
    env: {},
    now: clock.ms,
    tmpdir: dir,
    uid: null,
    ...o.location,
  });
  const seen: Seen[] = [];
  const logs: string[] = [];
  const store = o.store ?? createMemoryOffsetStore();
  const tail = createLogTail({
    location,
    offsets: store,
    now: () => clock.ms,
    logger: captureLogger(logs),
    onObservation: (obs, meta) => seen.push({ o: obs, meta }),
    ...o.tail,
  });
  onTestFinished(() => tail.stop());
  return {
    dir,
    file: location.fileFor(clock.ms),
    tail,
    seen,
    logs,
    clock,
    store,
    ids: () => seen.map((s) => s.o.requestId ?? s.o.kind),
  };
}

/** A real 4.20 `closed before connect … 1008 pairing required` line for request `id`, stamped at atMs. */
function refusal(id: string, atMs: number): string {
  return `${realLine("close1008", { atMs, requestId: id })}\n`;
}

/** OpenClaw 9.x rotateLogFile: drop .5, shift .4 … .1 up by one, rename the active file to .1. */
function rotateSync(file: string): void {
  const ext = path.extname(file);
  const stem = file.slice(0, file.length - ext.length);
  const archive = (i: number) => `${stem}.${i}${ext}`;
  rmSync(archive(5), { force: true });
  for (let i = 4; i >= 1; i--) if (existsSync(archive(i))) renameSync(archive(i), archive(i + 1));
  if (existsSync(file)) renameSync(file, archive(1));
}

describe.each([
  { mode: "native events", usePolling: false },
  { mode: "polling", usePolling: true },
])("following one file ($mode)", ({ usePolling }) => {
  const tailOpts = { usePolling, pollIntervalMs: 50 };

  it("starts at the end of an existing log, then delivers each appended line once", async () => {
    const h = await harness({ tail: tailOpts });
    const clock = h.clock.ms;
    await writeFile(h.file, refusal("old-1", clock - 1000) + refusal("old-2", clock - 500));
    await h.tail.start();
    await h.tail.idle();
    expect(h.seen).toEqual([]);
    expect(h.tail.stats()).toMatchObject({ file: h.file, offset: (await stat(h.file)).size, linesRead: 0 });

    await appendFile(h.file, refusal("new-1", clock));
    await appendFile(h.file, refusal("new-2", clock));
    await vi.waitFor(() => expect(h.ids()).toEqual(["new-1", "new-2"]), WAIT);
    expect(h.seen[0]?.meta).toEqual({ stale: false, file: h.file });
    expect(h.seen[0]?.o).toMatchObject({ kind: "pairing-required-close", code: 1008, source: "log" });
    expect(h.tail.stats()).toMatchObject({
      linesRead: 2,
      observations: 2,
      offset: (await stat(h.file)).size,
    });
    await h.tail.stop();
  });

  it("keeps a partial line until its newline arrives", async () => {
    const h = await harness({ tail: tailOpts });
    await writeFile(h.file, "");
    await h.tail.start();
    const line = refusal("partial-1", h.clock.ms);
    const half = Math.floor(line.length / 2);
    await appendFile(h.file, line.slice(0, half));
    await vi.waitFor(() => expect(h.tail.stats().bytesRead).toBe(half), WAIT);
    expect(h.seen).toEqual([]);
    expect(h.tail.stats().linesRead).toBe(0);
    await appendFile(h.file, line.slice(half));
    await vi.waitFor(() => expect(h.ids()).toEqual(["partial-1"]), WAIT);
    expect(h.tail.stats().linesRead).toBe(1);
    await h.tail.stop();
  });

  it.each([
    { family: "daily file (openclaw-YYYY-MM-DD.N.log)", logging: null },
    { family: "logging.file (openclaw-gateway.N.log)", logging: "openclaw-gateway.log" },
  ])("follows 9.x size rotation of the $family without losing or repeating a line", async ({ logging }) => {
    const dir = await tempDir("sw-logtail-");
    const h = await harness({
      dir,
      tail: tailOpts,
      location: logging ? { configuredLogFile: null, openclawLoggingFile: path.join(dir, logging) } : {},
    });
    await writeFile(h.file, `${realLine("noise", { atMs: h.clock.ms })}\n`);
    await h.tail.start();
    await h.tail.idle();
    // the last line before a rotation and the first after it are written in one go, as the gateway does
    appendFileSync(h.file, refusal("before-1", h.clock.ms));
    rotateSync(h.file);
    writeFileSync(h.file, refusal("after-1", h.clock.ms));
    await vi.waitFor(() => expect(h.ids()).toEqual(["before-1", "after-1"]), WAIT);
    for (const round of [2, 3, 4]) {
      appendFileSync(h.file, refusal(`before-${round}`, h.clock.ms));
      rotateSync(h.file);
      writeFileSync(h.file, refusal(`after-${round}`, h.clock.ms));
    }
    const expected = [1, 2, 3, 4].flatMap((r) => [`before-${r}`, `after-${r}`]);
    await vi.waitFor(() => expect(h.ids()).toEqual(expected), WAIT);
    const archive = logging ? path.join(dir, "openclaw-gateway.4.log") : h.file.replace(/\.log$/, ".4.log");
    expect(existsSync(archive)).toBe(true);
    await h.tail.idle();
    expect(h.ids()).toEqual(expected);
    await h.tail.stop();
  });
});

describe("following the log across days, truncation and bad input", () => {
  it("moves to the next day's file when it appears, and still reads the old one (4.x loggers keep writing it)", async () => {
    const h = await harness({ clockMs: DAY1 });
    const day1 = h.file;
    await writeFile(day1, "");
    await h.tail.start();
    await appendFile(day1, refusal("day1-a", DAY1));
    await vi.waitFor(() => expect(h.ids()).toEqual(["day1-a"]), WAIT);

    h.clock.ms = DAY2;
    const day2 = path.join(h.dir, "openclaw-2026-11-28.log");
    // the new day's first lines exist before the tail sees the file: read from 0
    await writeFile(day2, refusal("day2-a", DAY2) + refusal("day2-b", DAY2));
    await vi.waitFor(() => expect(h.ids()).toEqual(["day1-a", "day2-a", "day2-b"]), WAIT);
    expect(h.tail.stats().file).toBe(day2);

    await appendFile(day1, refusal("day1-late", DAY2));
    await vi.waitFor(() => expect(h.ids()).toEqual(["day1-a", "day2-a", "day2-b", "day1-late"]), WAIT);
    expect(h.seen.at(-1)?.meta.file).toBe(day1);
    await h.tail.stop();
  });

  it("reads a truncated file again from its start", async () => {
    const h = await harness();
    await writeFile(h.file, refusal("gone-1", h.clock.ms) + refusal("gone-2", h.clock.ms));
    await h.tail.start();
    await h.tail.idle();
    const content = `${realLine("removed", { atMs: h.clock.ms })}\n`;
    await truncate(h.file, 0);
    await appendFile(h.file, content);
    await vi.waitFor(() => expect(h.seen.map((s) => s.o.kind)).toEqual(["device-removed"]), WAIT);
    expect(h.tail.stats().offset).toBe(Buffer.byteLength(content));
    expect(h.logs.some((l) => l.includes("truncated"))).toBe(true);
    await h.tail.stop();
  });

  it("skips and counts garbage, invalid UTF-8 and absurdly long lines, and keeps going", async () => {
    const h = await harness();
    await writeFile(h.file, "");
    await h.tail.start();
    const long = `{"0":"device pairing removed device=ab","pad":"${"x".repeat(100 * 1024)}"}\n`;
    const first = Buffer.concat([
      Buffer.from("pairing required, but not a JSON record\n"),
      Buffer.from([0x7b, 0x22, 0x30, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]), // {"0":"\xff\xfe"} no needle
      Buffer.concat([Buffer.from('{"0":"device '), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]),
      Buffer.from(long),
      Buffer.from(`{"0":"device","pad":"${"y".repeat(70 * 1024)}`), // an over-long line still unfinished
    ]);
    await appendFile(h.file, first);
    await vi.waitFor(() => expect(h.tail.stats().bytesRead).toBe(first.length), WAIT);
    await appendFile(h.file, `${"z".repeat(1000)}"}\n${refusal("after-garbage", h.clock.ms)}`);
    await vi.waitFor(() => expect(h.ids()).toEqual(["after-garbage"]), WAIT);
    expect(h.tail.stats()).toMatchObject({
      linesRead: 6,
      observations: 1,
      skipped: { notJson: 1, invalidUtf8: 2, tooLong: 2 },
    });
    await h.tail.stop();
  });

  it("counts a client error that 4.20 logs twice (console capture and file logger) once", async () => {
    const h = await harness();
    await writeFile(h.file, "");
    await h.tail.start();
    const twice = fixtureLines("openclaw-2026.4.20.jsonl").filter((l) =>
      l.includes("gateway connect failed"),
    );
    await appendFile(h.file, `${twice.slice(0, 2).join("\n")}\n`);
    await vi.waitFor(() => expect(h.tail.stats().linesRead).toBe(2), WAIT);
    expect(h.seen.map((s) => s.o.kind)).toEqual(["gateway-connect-failed"]);
    expect(h.seen[0]?.meta.stale).toBe(true); // captured on 2026-11-27: older than the replay window
    expect(h.tail.stats().duplicates).toBe(1);
    await h.tail.stop();
  });
});

describe("restarts", () => {
  it("resumes at the saved offset without replaying, and marks lines older than the replay window stale", async () => {
    const dir = await tempDir("sw-logtail-");
    const store = createMemoryOffsetStore();
    const first = await harness({ dir, store });
    await writeFile(first.file, refusal("before-start", first.clock.ms));
    await first.tail.start();
    await appendFile(first.file, refusal("seen-live", first.clock.ms));
    await vi.waitFor(() => expect(first.ids()).toEqual(["seen-live"]), WAIT);
    await first.tail.stop();
    const saved = store.current();
    expect(saved).toMatchObject({ file: first.file, offset: (await stat(first.file)).size });

    // written while the watchdog was down: an old incident and a current one
    const now = Date.now();
    await appendFile(
      first.file,
      refusal("while-down-old", now - 10 * 60_000) + refusal("while-down-new", now - 5_000),
    );
    const second = await harness({ dir, store, clockMs: now });
    await second.tail.start();
    await vi.waitFor(() => expect(second.ids()).toEqual(["while-down-old", "while-down-new"]), WAIT);
    expect(second.seen.map((s) => s.meta.stale)).toEqual([true, false]);
    expect(second.tail.stats()).toMatchObject({ stale: 1, observations: 2 });
    await second.tail.stop();
  });

  it("after a restart across midnight, finishes the saved day's file and reads the new day's from 0", async () => {
    const dir = await tempDir("sw-logtail-");
    const day1 = path.join(dir, "openclaw-2026-11-27.log");
    await writeFile(day1, refusal("day1-before", DAY1));
    const st = await stat(day1);
    // atMs is compared with file modification times: it is wall-clock time, like the mtimes
    const saved: Offset = { file: day1, dev: st.dev, ino: st.ino, offset: st.size, atMs: Date.now() - 1 };
    await appendFile(day1, refusal("day1-while-down", DAY1 + 1000));
    await writeFile(path.join(dir, "openclaw-2026-11-28.log"), refusal("day2-while-down", DAY2));
    const h = await harness({ dir, store: createMemoryOffsetStore(saved), clockMs: DAY2 });
    await h.tail.start();
    await vi.waitFor(() => expect(h.ids()).toEqual(["day1-while-down", "day2-while-down"]), WAIT);
    await h.tail.stop();
    expect(h.store.current()).toMatchObject({
      file: path.join(dir, "openclaw-2026-11-28.log"),
      others: [{ file: day1, offset: (await stat(day1)).size }],
    });
  });

  it("after a restart, finishes a file that was rotated away while stopped, then reads its successor", async () => {
    const dir = await tempDir("sw-logtail-");
    const file = path.join(dir, "openclaw-gateway.log");
    await writeFile(file, refusal("before-stop", Date.now()));
    const st = await stat(file);
    const saved: Offset = { file, dev: st.dev, ino: st.ino, offset: st.size, atMs: Date.now() - 1 };
    appendFileSync(file, refusal("rotated-away", Date.now()));
    rotateSync(file);
    writeFileSync(file, refusal("successor", Date.now()));
    const h = await harness({
      dir,
      store: createMemoryOffsetStore(saved),
      location: { configuredLogFile: null, openclawLoggingFile: file },
    });
    await h.tail.start();
    await vi.waitFor(() => expect(h.ids()).toEqual(["rotated-away", "successor"]), WAIT);
    expect(h.seen.map((s) => path.basename(s.meta.file))).toEqual([
      "openclaw-gateway.1.log",
      "openclaw-gateway.log",
    ]);
    await h.tail.stop();
  });

  it("reads a saved file from 0 when it shrank while stopped", async () => {
    const dir = await tempDir("sw-logtail-");
    const h0 = path.join(dir, "gw.log");
    await writeFile(h0, refusal("x", Date.now()) + refusal("y", Date.now()));
    const st = await stat(h0);
    const saved: Offset = { file: h0, dev: st.dev, ino: st.ino, offset: st.size, atMs: Date.now() - 1 };
    await truncate(h0, 0);
    await appendFile(h0, refusal("after-shrink", Date.now()));
    const h = await harness({
      dir,
      store: createMemoryOffsetStore(saved),
      location: { configuredLogFile: h0 },
    });
    await h.tail.start();
    await vi.waitFor(() => expect(h.ids()).toEqual(["after-shrink"]), WAIT);
    await h.tail.stop();
  });
});

describe("waiting for the log", () => {
  it("watches the nearest existing parent until the log directory and file appear", async () => {
    const root = await tempDir("sw-logtail-");
    const dir = path.join(root, "a", "b", "openclaw");
    const h = await harness({ dir });
    await h.tail.start();
    expect(h.tail.stats()).toMatchObject({ waiting: true, file: null, files: 0 });
    await mkdir(path.join(root, "a"));
    await mkdir(path.join(root, "a", "b"));
    await mkdir(dir);
    await writeFile(h.file, refusal("first-ever", h.clock.ms));
    await vi.waitFor(() => expect(h.ids()).toEqual(["first-ever"]), WAIT);
    expect(h.tail.stats()).toMatchObject({ waiting: false, file: h.file, files: 1 });
    await h.tail.stop();
  });

  it("reads a log file created after start from its first line", async () => {
    const h = await harness();
    await h.tail.start();
    expect(h.tail.stats()).toMatchObject({ waiting: false, files: 0 });
    await writeFile(h.file, refusal("created-later", h.clock.ms));
    await vi.waitFor(() => expect(h.ids()).toEqual(["created-later"]), WAIT);
    await h.tail.stop();
  });
});

describe("secrets", () => {
  it("keeps tokens and known secrets out of observations and the tail's own log", async () => {
    const h = await harness({ tail: { secrets: () => ["sw-test-gateway-password"] } });
    await writeFile(h.file, "");
    await h.tail.start();
    const token = "c2VjcmV0LWRldmljZS10b2tlbi1mb3ItdGVzdHMtMDAx";
    const line = JSON.stringify({
      "0": '{"subsystem":"gateway/ws"}',
      "1": { cause: "unauthorized", authReason: "device_token_mismatch", client: "cli" },
      "2": `closed before connect conn=${randomUUID()} code=1008 reason=unauthorized: device token mismatch ${token} sw-test-gateway-password`,
      time: new Date(h.clock.ms).toISOString(),
    });
    await appendFile(h.file, `${line}\n`);
    await vi.waitFor(() => expect(h.seen.map((s) => s.o.kind)).toEqual(["device-token-mismatch"]), WAIT);
    await h.tail.stop();
    const everything = JSON.stringify(h.seen) + h.logs.join("\n") + JSON.stringify(h.store.current());
    expect(everything).not.toContain(token);
    expect(everything).not.toContain("sw-test-gateway-password");
    expect(h.seen[0]?.o.closeReason).toBe("unauthorized: device token mismatch [redacted] [redacted]");
  });
});

describe("stop", () => {
  /** Watch handles of this process (fs.watch, fs.watchFile), by type. */
  function watchHandles(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of process.getActiveResourcesInfo()) {
      if (r === "FSEventWrap" || r === "StatWatcher") out[r] = (out[r] ?? 0) + 1;
    }
    return out;
  }

  /** Descriptors this process holds open on files under dir. */
  function openFilesUnder(dir: string): string[] {
    if (!existsSync("/proc/self/fd")) return [];
    const out: string[] = [];
    for (const fd of readdirSync("/proc/self/fd")) {
      try {
        const target = readlinkSync(`/proc/self/fd/${fd}`);
        if (target.startsWith(dir)) out.push(target);
      } catch {
        // closed meanwhile
      }
    }
    return out;
  }

  /**
   * Timers created by the tail's own code (unref'd timers are invisible to getActiveResourcesInfo): those whose
   * creation stack passes through src/sources/log/tail.ts or tail-*.ts. The prefix is derived from this file's
   * location, not spelled out, so a move of the tail fails the `created` check below instead of matching nothing.
   */
  function trackTailTimers(): { live: Set<number>; created: () => number } {
    const live = new Set<number>();
    let created = 0;
    const hook = createHook({
      init(id, type) {
        if (type !== "Timeout") return;
        if (!(new Error().stack ?? "").includes(TAIL_SOURCES)) return;
        live.add(id);
        created++;
      },
      destroy(id) {
        live.delete(id);
      },
    }).enable();
    onTestFinished(() => {
      hook.disable();
    });
    return { live, created: () => created };
  }

  it("is idempotent, saves the offset and leaves no watcher, timer or open file behind", async () => {
    const before = watchHandles();
    const timers = trackTailTimers();
    const h = await harness();
    await writeFile(h.file, "");
    await h.tail.start();
    await appendFile(h.file, refusal("one", h.clock.ms));
    await vi.waitFor(() => expect(h.ids()).toEqual(["one"]), WAIT);
    expect(watchHandles()).not.toEqual(before);
    expect(timers.created(), `no timer was created from ${TAIL_SOURCES}*.ts`).toBeGreaterThan(0);
    const stopping = h.tail.stop();
    expect(h.tail.stop()).toBe(stopping);
    await stopping;
    await vi.waitFor(() => {
      expect(watchHandles()).toEqual(before);
      expect([...timers.live]).toEqual([]);
    }, WAIT);
    expect(openFilesUnder(h.dir)).toEqual([]);
    expect(h.store.current()).toMatchObject({ file: h.file, offset: (await stat(h.file)).size });
  });

  it("can stop while starting, and while waiting for the directory", async () => {
    const before = watchHandles();
    const timers = trackTailTimers();
    const h = await harness();
    const starting = h.tail.start();
    await h.tail.stop();
    await starting;
    const root = await tempDir("sw-logtail-");
    const w = await harness({ dir: path.join(root, "missing", "dir") });
    await w.tail.start();
    expect(w.tail.stats().waiting).toBe(true);
    await w.tail.stop();
    await vi.waitFor(() => {
      expect(watchHandles()).toEqual(before);
      expect([...timers.live]).toEqual([]);
    }, WAIT);
  });
});
