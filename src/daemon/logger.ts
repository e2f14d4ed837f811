// The daemon's one logger: pino JSON lines on stdout (journald-friendly), readable lines on a terminal, and
// every line passed through the one redactor (common/redact.ts) before it is written.

import pino from "pino";
import type { Logger } from "../common/log.js";
import { redact } from "../common/redact.js";

export interface LogSink {
  write(line: string): void;
}

/** An already serialised line without the registered secrets, `getSecrets()` and credentials. */
export function createScrubber(getSecrets: () => readonly string[]): (line: string) => string {
  return (line) => redact(line, { extra: getSecrets() });
}

const LEVEL_NAME: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
const HIDDEN = new Set(["level", "time", "msg", "pid", "hostname", "name"]);

/** One readable line for a terminal: `14:02:11 WARN  msg  key=value …`. */
export function prettyLine(json: string, colour: boolean): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = typeof rec.level === "number" ? rec.level : 30;
  const time = typeof rec.time === "string" ? rec.time.slice(11, 19) : new Date().toISOString().slice(11, 19);
  const name = LEVEL_NAME[level] ?? String(level);
  const paint = !colour
    ? (s: string) => s
    : level >= 50
      ? (s: string) => `\x1b[31m${s}\x1b[39m`
      : level >= 40
        ? (s: string) => `\x1b[33m${s}\x1b[39m`
        : (s: string) => s;
  const extras = Object.entries(rec)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${time} ${paint(name)} ${rec.msg ?? ""}${extras ? `  ${colour ? `\x1b[2m${extras}\x1b[22m` : extras}` : ""}\n`;
}

export interface DaemonLoggerOptions {
  level: string;
  pretty: boolean;
  colour: boolean;
  sink: LogSink;
  getSecrets: () => readonly string[];
}

export function createDaemonLogger(opts: DaemonLoggerOptions): Logger {
  const scrub = createScrubber(opts.getSecrets);
  const stream = {
    write(line: string) {
      const clean = scrub(line);
      opts.sink.write(opts.pretty ? prettyLine(clean, opts.colour) : clean);
    },
  };
  return pino(
    {
      level: opts.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          "token",
          "*.token",
          "password",
          "*.password",
          "auth.token",
          "auth.deviceToken",
          "*.deviceToken",
          "secret",
        ],
        censor: "[redacted]",
      },
      formatters: { level: (_label, number) => ({ level: number }) },
    },
    stream,
  ) as unknown as Logger;
}
