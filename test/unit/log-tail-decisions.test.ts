// The log tail's pure decisions as tables: rotation or truncation, what a family scan does with a file, replay or
// skip on resume, the main file and the saved record, duplicates and staleness, the settle waits, what is watched.

import path from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/common/log.js";
import type { Observation } from "../../src/common/types.js";
import { resolveLogLocation } from "../../src/sources/log/location.js";
import {
  classifyChange,
  decideScanStep,
  type FileChange,
  isSameFile,
  type ScanStep,
} from "../../src/sources/log/tail-files.js";
import {
  createLineHandler,
  createTailCounters,
  isDuplicate,
  isStale,
  type ObservationMeta,
} from "../../src/sources/log/tail-observations.js";
import {
  decideResumeOffset,
  type Offset,
  pickMainFile,
  planOffsetRecord,
  type ResumeDecision,
} from "../../src/sources/log/tail-offsets.js";
import { settleDelaysMs } from "../../src/sources/log/tail-timers.js";
import { planWatch } from "../../src/sources/log/tail-watch.js";
import { realLine } from "../fixtures/logs/real-lines.js";

const DIR = path.join(path.sep, "logs");
const at = (name: string) => path.join(DIR, name);

function location(configuredLogFile: string) {
  return resolveLogLocation({
    configuredLogFile,
    openclawLoggingFile: null,
    profile: null,
    env: {},
    now: Date.UTC(2026, 10, 27, 12),
    tmpdir: DIR,
    uid: null,
  });
}
/** logging.file-style: openclaw-gateway.log, rotated to .1 … .5 (2026.9.x). */
const FIXED = location(at("openclaw-gateway.log"));
/** The daily files of 2026.4.x, rotated by size too on later versions. */
const DAILY = location(at("openclaw-YYYY-MM-DD.log"));

/** openclaw-gateway.log, or its archive `.n`. */
const gw = (n?: number) => at(n === undefined ? "openclaw-gateway.log" : `openclaw-gateway.${n}.log`);

describe("classifyChange: rotation or truncation", () => {
  it.each<[string, [string, number], [string, number], FileChange]>([
    ["another inode at the path", ["1:10", 100], ["1:11", 100], "replaced"],
    ["a rotation leaves a new empty file", ["1:10", 100], ["1:11", 0], "replaced"],
    ["the same inode, shorter", ["1:10", 100], ["1:10", 40], "truncated"],
    ["the same inode, emptied", ["1:10", 100], ["1:10", 0], "truncated"],
    ["the same inode, longer", ["1:10", 100], ["1:10", 150], "grown"],
    ["nothing new", ["1:10", 100], ["1:10", 100], "unchanged"],
    ["an empty file still empty", ["1:10", 0], ["1:10", 0], "unchanged"],
  ])("%s: %j then %j is %s", (_why, [key, offset], [foundKey, size], expected) => {
    expect(classifyChange({ key, offset }, { key: foundKey, size })).toBe(expected);
  });
});

describe("decideScanStep: new, rotated, reused inode number", () => {
  it.each<[string, [string, number] | null, string, number, ScanStep]>([
    ["not followed yet", null, gw(), 1, "new"],
    ["where it was", [gw(), 1], gw(), 1, "same"],
    ["rotated to .1", [gw(), 1], gw(1), 1, "renamed"],
    ["rotated from .4 to .5", [gw(4), 1], gw(5), 1, "renamed"],
    ["under a newer name", [gw(1), 1], gw(), 1, "replaced"],
    ["born again under its name", [gw(), 1], gw(), 2, "replaced"],
    ["no birth time known", [gw(), 0], gw(), 2, "same"],
  ])("%s: %j found at %s (born %d) is %s", (_why, was, p, birthtimeMs, expected) => {
    const followed = was ? { path: was[0], birthtimeMs: was[1] } : undefined;
    expect(decideScanStep(followed, p, { birthtimeMs }, FIXED.compareAge)).toBe(expected);
  });

  it.each([
    { was: "openclaw-2026-11-27.log", p: "openclaw-2026-11-27.1.log", same: true },
    { was: "openclaw-2026-11-27.1.log", p: "openclaw-2026-11-27.2.log", same: true },
    { was: "openclaw-2026-11-27.log", p: "openclaw-2026-11-28.log", same: false },
    { was: "openclaw-2026-11-27.2.log", p: "openclaw-2026-11-27.log", same: false },
  ])("daily files: $was found as $p is the same file: $same", ({ was, p, same }) => {
    const found = { birthtimeMs: 5 };
    expect(isSameFile({ path: at(was), birthtimeMs: 0 }, at(p), found, DAILY.compareAge)).toBe(same);
  });
});

describe("decideResumeOffset: replay or skip on resume", () => {
  const T = Date.UTC(2026, 10, 27, 12);
  const saved: Offset = {
    file: gw(),
    dev: 1,
    ino: 10,
    offset: 500,
    atMs: T,
    others: [{ file: gw(1), dev: 1, ino: 9, offset: 300 }],
  };
  /** A file's stat: device, inode, size, modified at. */
  const st = (dev: number, ino: number, size: number, mtimeMs = T) => ({
    dev,
    ino,
    size,
    mtimeMs,
    birthtimeMs: 0,
  });

  const NEW: ResumeDecision = { why: "new-since-save", offset: 0 };
  const skip = (offset: number): ResumeDecision => ({ why: "untouched-since-save", offset });

  it.each<[string, string, ReturnType<typeof st>, Offset | null, ResumeDecision]>([
    ["nothing saved", gw(), st(1, 10, 800), null, { why: "first-start", offset: 800 }],
    ["the saved file grew", gw(), st(1, 10, 800), saved, { why: "saved", offset: 500 }],
    ["the saved file as it was", gw(), st(1, 10, 500), saved, { why: "saved", offset: 500 }],
    ["the saved file shrank", gw(), st(1, 10, 200), saved, { why: "shrank", offset: 0, savedOffset: 500 }],
    ["the saved file, rotated while stopped", gw(1), st(1, 10, 800), saved, { why: "saved", offset: 500 }],
    ["another saved file, rotated on", gw(2), st(1, 9, 300), saved, { why: "saved", offset: 300 }],
    ["a file written after the save", gw(), st(1, 11, 90, T + 1), saved, NEW],
    ["a file written within the mtime slack", gw(), st(1, 11, 90, T - 9_999), saved, NEW],
    ["an unseen file older than the save", gw(3), st(1, 12, 90, T - 10_000), saved, skip(90)],
    ["a saved inode number under a newer name", gw(), st(1, 9, 70, T + 1), saved, NEW],
    ["a saved inode number on another device", gw(), st(2, 10, 70, T - 60_000), saved, skip(70)],
  ])("%s", (_why, p, stats, s, expected) => {
    expect(decideResumeOffset(p, stats, s, FIXED.compareAge)).toEqual(expected);
  });
});

describe("the main file and the saved record", () => {
  const followed = (name: string, ino: number, lastReadMs: number, lineStart: number) => ({
    path: at(name),
    dev: 1,
    ino,
    lastReadMs,
    lines: { lineStart },
  });
  const day27 = followed("openclaw-2026-11-27.log", 1, 50, 120);
  const day28 = followed("openclaw-2026-11-28.log", 2, 10, 30);
  const rotated = followed("openclaw-2026-11-27.1.log", 3, 50, 900);

  it.each([
    { why: "today's file when it is followed", today: "openclaw-2026-11-28.log", expected: day28 },
    { why: "else the one read last, the first on a tie", today: "openclaw-2026-11-29.log", expected: day27 },
  ])("$why", ({ today, expected }) => {
    expect(pickMainFile([day27, rotated, day28], at(today))).toBe(expected);
  });

  it("records the main file first, each file at the start of its unfinished line", () => {
    expect(planOffsetRecord([day27, rotated, day28], at("openclaw-2026-11-28.log"), 777)).toEqual({
      file: day28.path,
      dev: 1,
      ino: 2,
      offset: 30,
      atMs: 777,
      others: [
        { file: day27.path, dev: 1, ino: 1, offset: 120 },
        { file: rotated.path, dev: 1, ino: 3, offset: 900 },
      ],
    });
    expect(planOffsetRecord([day27], at("openclaw-2026-11-28.log"), 5)).toEqual({
      file: day27.path,
      dev: 1,
      ino: 1,
      offset: 120,
      atMs: 5,
    });
    expect(planOffsetRecord([], at("openclaw-2026-11-28.log"), 5)).toBeNull();
    expect(pickMainFile([], at("openclaw-2026-11-28.log"))).toBeNull();
  });
});

describe("duplicates and staleness", () => {
  const recent = [{ sig: "pairing-required-close\u0000text", atMs: 1_000 }];
  it.each([
    { atMs: 1_500, sig: recent[0]?.sig ?? "", expected: true },
    { atMs: 2_000, sig: recent[0]?.sig ?? "", expected: true },
    { atMs: 2_001, sig: recent[0]?.sig ?? "", expected: false },
    { atMs: 0, sig: recent[0]?.sig ?? "", expected: true },
    { atMs: -1, sig: recent[0]?.sig ?? "", expected: false },
    { atMs: 1_000, sig: "pairing-required-close\u0000other text", expected: false },
  ])(
    "the same observation at $atMs within 1 s of one at 1000 ($sig): $expected",
    ({ atMs, sig, expected }) => {
      expect(isDuplicate(recent, sig, atMs, 1_000)).toBe(expected);
    },
  );

  it.each([
    { atMs: 880_000, expected: false },
    { atMs: 879_999, expected: true },
    { atMs: 1_100_000, expected: false },
  ])(
    "read at 1000 s with a 120 s replay window, a line of $atMs ms is stale: $expected",
    ({ atMs, expected }) => {
      expect(isStale(atMs, 1_000_000, 120_000)).toBe(expected);
    },
  );

  it("counts every line and delivers an observation once, stale when older than the replay window", () => {
    const counters = createTailCounters();
    const seen: Array<{ o: Observation; meta: ObservationMeta }> = [];
    const nowMs = Date.UTC(2026, 10, 27, 12);
    const handle = createLineHandler({
      counters,
      maxLineBytes: 64 * 1024,
      now: () => nowMs,
      replayWindowMs: 120_000,
      dedupeWindowMs: 1_000,
      secrets: () => [],
      onObservation: (o, meta) => seen.push({ o, meta }),
      log: silentLogger,
    });
    const file = { path: at("openclaw-gateway.log") };
    const old = Buffer.from(realLine("close1008", { atMs: nowMs - 600_000, requestId: "old" }));
    const fresh = Buffer.from(realLine("close1008", { atMs: nowMs - 1_000, requestId: "fresh" }));
    handle(file, old, true, false);
    handle(file, fresh, true, false);
    handle(file, fresh, true, false);
    handle(file, Buffer.from("pairing required, not JSON"), true, true);
    handle(file, Buffer.from([0xff, 0xfe]), false, false);
    handle(file, Buffer.from('{"0":"nothing"}'), false, true);
    expect(seen.map((s) => [s.o.requestId, s.meta])).toEqual([
      ["old", { stale: true, file: file.path }],
      ["fresh", { stale: false, file: file.path }],
    ]);
    expect(counters).toEqual({
      linesRead: 6,
      bytesRead: 0,
      observations: 2,
      stale: 1,
      duplicates: 1,
      skipped: { notJson: 1, invalidUtf8: 1, tooLong: 0 },
    });
  });
});

describe("timers and watching", () => {
  it.each([
    { settleMs: 60, expected: [10, 50] },
    { settleMs: 200, expected: [10, 190] },
    { settleMs: 10, expected: [10, 0] },
    { settleMs: 5, expected: [5, 0] },
    { settleMs: 0, expected: [0, 0] },
  ])("settles after a read with waits of $expected ms for settleMs $settleMs", ({ settleMs, expected }) => {
    expect(settleDelaysMs(settleMs)).toEqual(expected);
  });

  it.each([
    { p: DIR, ignored: false },
    { p: at("openclaw-gateway.log"), ignored: false },
    { p: at("openclaw-gateway.3.log"), ignored: false },
    { p: at("openclaw-other.log"), ignored: true },
    { p: path.join(DIR, "sub", "openclaw-gateway.log"), ignored: true },
    { p: path.join(path.sep, "elsewhere", "openclaw-gateway.log"), ignored: true },
  ])("watching the directory, $p is ignored: $ignored", ({ p, ignored }) => {
    const plan = planWatch(DIR, null, FIXED.isFamilyName);
    expect(plan.root).toBe(DIR);
    expect(plan.ignored(p)).toBe(ignored);
  });

  it.each([
    { p: path.join(path.sep, "a"), ignored: false },
    { p: path.join(path.sep, "a", "b"), ignored: false },
    { p: path.join(path.sep, "a", "c"), ignored: true },
    { p: path.join(path.sep, "a", "b", "openclaw"), ignored: true },
  ])("waiting for /a/b/openclaw from /a, $p is ignored: $ignored", ({ p, ignored }) => {
    const ancestor = { root: path.join(path.sep, "a"), next: path.join(path.sep, "a", "b") };
    const plan = planWatch(path.join(ancestor.next, "openclaw"), ancestor, FIXED.isFamilyName);
    expect(plan.root).toBe(ancestor.root);
    expect(plan.ignored(p)).toBe(ignored);
  });
});
