// The log tail's lines to observations: parse candidates, drop 4.x duplicates, mark stale, count everything.

import { isUtf8 } from "node:buffer";
import type { Logger } from "../../common/log.js";
import type { KnownSecret } from "../../common/redact.js";
import type { Observation } from "../../common/types.js";
import type { LineCounters } from "./line-splitter.js";
import { parseLogLine } from "./lines.js";

export interface ObservationMeta {
  /** The line is older than the replay window (read while catching up after a restart): record, do not alert. */
  stale: boolean;
  file: string;
}

/** The tail's counters (LogTailStats without the position). */
export interface TailCounters extends LineCounters {
  bytesRead: number;
  observations: number;
  stale: number;
  duplicates: number;
}

export function createTailCounters(): TailCounters {
  return {
    linesRead: 0,
    bytesRead: 0,
    observations: 0,
    stale: 0,
    duplicates: 0,
    skipped: { notJson: 0, invalidUtf8: 0, tooLong: 0 },
  };
}

/** An observation delivered lately: its kind and text (`sig`) and its time. */
export interface RecentObservation {
  sig: string;
  atMs: number;
}

/** How many delivered observations are remembered for dedupe. */
const RECENT_LIMIT = 32;

/** The same observation (`sig`) within windowMs of one delivered lately is a duplicate (4.x logs client errors twice). */
export function isDuplicate(
  recent: readonly RecentObservation[],
  sig: string,
  atMs: number,
  windowMs: number,
): boolean {
  return recent.some((r) => r.sig === sig && Math.abs(r.atMs - atMs) <= windowMs);
}

/** Older than the replay window when read (catching up after a restart): record it, do not alert. */
export function isStale(atMs: number, nowMs: number, replayWindowMs: number): boolean {
  return atMs < nowMs - replayWindowMs;
}

export interface LineHandlerOptions {
  counters: TailCounters;
  maxLineBytes: number;
  now(): number;
  replayWindowMs: number;
  dedupeWindowMs: number;
  secrets(): readonly KnownSecret[];
  onObservation(o: Observation, meta: ObservationMeta): void;
  log: Logger;
}

/**
 * A complete line of `file`: `candidate` when it contains a needle (worth parsing), `utf8Checked` when it is
 * already known to be valid UTF-8.
 */
export type TailLineHandler = (
  file: { path: string },
  line: Buffer,
  candidate: boolean,
  utf8Checked: boolean,
) => void;

/** Counts every line, parses the candidates and delivers their observations once each. */
export function createLineHandler(o: LineHandlerOptions): TailLineHandler {
  const counters = o.counters;
  const recent: RecentObservation[] = [];

  function deliver(obs: Observation, file: string): void {
    const sig = `${obs.kind}\u0000${obs.text}`;
    if (isDuplicate(recent, sig, obs.atMs, o.dedupeWindowMs)) {
      counters.duplicates++;
      return;
    }
    recent.push({ sig, atMs: obs.atMs });
    if (recent.length > RECENT_LIMIT) recent.shift();
    const stale = isStale(obs.atMs, o.now(), o.replayWindowMs);
    counters.observations++;
    if (stale) counters.stale++;
    try {
      o.onObservation(obs, { stale, file });
    } catch (err) {
      o.log.error({ err, kind: obs.kind }, "observation handler failed");
    }
  }

  return (file, line, candidate, utf8Checked) => {
    counters.linesRead++;
    if (line.length > o.maxLineBytes) {
      counters.skipped.tooLong++;
      return;
    }
    if (!utf8Checked && !isUtf8(line)) {
      counters.skipped.invalidUtf8++;
      return;
    }
    if (!candidate) return;
    const parsed = parseLogLine(line.toString("utf8"), o.now(), {
      secrets: o.secrets(),
      maxLineChars: Number.POSITIVE_INFINITY,
    });
    if (parsed.kind === "observation") deliver(parsed.observation, file.path);
    else if (parsed.kind === "skipped") {
      if (parsed.why === "not-json") counters.skipped.notJson++;
      else if (parsed.why === "invalid-utf8") counters.skipped.invalidUtf8++;
      else counters.skipped.tooLong++;
    }
  };
}
