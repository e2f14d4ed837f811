// The daemon's real logger (pino JSON, secrets scrubbed) writing into memory: the one way tests read log lines.

import { expect } from "vitest";
import type { Logger } from "../../src/common/log.js";
import { createDaemonLogger } from "../../src/daemon/logger.js";

export interface LogRecord {
  level: number;
  msg: string;
  code?: string;
  [key: string]: unknown;
}

export interface CapturedLog {
  logger: Logger;
  /** Every line, parsed. */
  records: LogRecord[];
  /** Every line as written (to scan for secrets). */
  raw: string[];
  /** Waits until a record matches and returns it. */
  waitFor(match: (r: LogRecord) => boolean, timeoutMs?: number): Promise<LogRecord>;
}

export function captureLog(
  o: { level?: "debug" | "info" | "silent"; secrets?: () => readonly string[] } = {},
): CapturedLog {
  const records: LogRecord[] = [];
  const raw: string[] = [];
  const logger = createDaemonLogger({
    level: o.level ?? "debug",
    pretty: false,
    colour: false,
    sink: {
      write(line: string) {
        raw.push(line);
        records.push(JSON.parse(line) as LogRecord);
      },
    },
    getSecrets: o.secrets ?? (() => []),
  });
  return {
    logger,
    records,
    raw,
    async waitFor(match, timeoutMs = 5_000) {
      let found: LogRecord | undefined;
      await expect
        .poll(() => (found = records.find(match)), { timeout: timeoutMs, interval: 20 })
        .toBeDefined();
      if (!found) throw new Error("unreachable");
      return found;
    },
  };
}
