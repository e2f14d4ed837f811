// Splits the bytes of one log file into lines as they arrive: keeps an unfinished last line until its newline,
// drops absurdly long lines to their end, and finds the lines that may matter without decoding the others.

import { isUtf8 } from "node:buffer";
import { LOG_LINE_NEEDLES } from "./lines.js";

const NEWLINE = 0x0a;
const NEEDLE_BYTES = LOG_LINE_NEEDLES.map((n) => Buffer.from(n, "utf8"));

export interface LineCounters {
  linesRead: number;
  skipped: { notJson: number; invalidUtf8: number; tooLong: number };
}

/**
 * A complete line: `candidate` when it contains a needle (worth parsing), `utf8Checked` when it is already
 * known to be valid UTF-8.
 */
export type LineHandler = (line: Buffer, candidate: boolean, utf8Checked: boolean) => void;

function hasNeedle(line: Buffer): boolean {
  for (const n of NEEDLE_BYTES) if (line.indexOf(n) !== -1) return true;
  return false;
}

/** Sorted positions in view where a needle starts: lines without one are counted, never decoded. */
function needlePositions(view: Buffer): number[] {
  const out: number[] = [];
  for (const n of NEEDLE_BYTES) {
    for (let i = view.indexOf(n); i !== -1; i = view.indexOf(n, i + n.length)) out.push(i);
  }
  return out.sort((a, b) => a - b);
}

export class LineSplitter {
  /** Bytes consumed. */
  offset: number;
  /** Where the current unfinished line starts (what a restart resumes from). */
  lineStart: number;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** Dropping the rest of an over-long line. */
  private skipping = false;

  constructor(
    offset: number,
    private readonly maxLineBytes: number,
    private readonly counters: LineCounters,
  ) {
    this.offset = offset;
    this.lineStart = offset;
  }

  /** Starts again at `offset` (truncation), forgetting any unfinished line. */
  resetTo(offset: number): void {
    this.offset = offset;
    this.lineStart = offset;
    this.partial = [];
    this.partialBytes = 0;
    this.skipping = false;
  }

  /** Consumes bytes read at `offset`: complete lines go to `onLine`, the unfinished tail is kept. */
  consume(view: Buffer, onLine: LineHandler): void {
    const c = this.counters;
    let start = 0;
    // a line that began in an earlier read is checked on its own
    if (this.partialBytes > 0 || this.skipping) {
      const nl = view.indexOf(NEWLINE);
      if (nl === -1) {
        this.keepPartial(view);
        this.offset += view.length;
        return;
      }
      if (this.skipping) {
        c.linesRead++;
        c.skipped.tooLong++;
        this.skipping = false;
      } else {
        const line = Buffer.concat([...this.partial, view.subarray(0, nl)]);
        onLine(line, hasNeedle(line), false);
      }
      this.partial = [];
      this.partialBytes = 0;
      start = nl + 1;
      this.lineStart = this.offset + start;
    }
    const lastNl = view.lastIndexOf(NEWLINE);
    if (lastNl >= start) {
      const whole = view.subarray(start, lastNl + 1);
      const allUtf8 = isUtf8(whole);
      const hits = needlePositions(whole);
      let h = 0;
      let pos = 0;
      while (pos < whole.length) {
        const nl = whole.indexOf(NEWLINE, pos);
        while (h < hits.length && (hits[h] ?? 0) < pos) h++;
        const candidate = h < hits.length && (hits[h] ?? 0) < nl;
        if (candidate || !allUtf8) onLine(whole.subarray(pos, nl), candidate, allUtf8);
        else {
          // the common case, kept free of allocations: a valid line that cannot matter
          c.linesRead++;
          if (nl - pos > this.maxLineBytes) c.skipped.tooLong++;
        }
        pos = nl + 1;
      }
      start = lastNl + 1;
      this.lineStart = this.offset + start;
    }
    if (start < view.length) this.keepPartial(view.subarray(start));
    this.offset += view.length;
  }

  private keepPartial(bytes: Buffer): void {
    if (this.skipping) return;
    if (this.partialBytes + bytes.length > this.maxLineBytes) {
      this.partial = [];
      this.partialBytes = 0;
      this.skipping = true;
      return;
    }
    // copy: the read buffer is reused
    this.partial.push(Buffer.from(bytes));
    this.partialBytes += bytes.length;
  }
}
