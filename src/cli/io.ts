// What a command may touch of the process: its streams, environment and clock. Tests pass their own.

import os from "node:os";
import { redact } from "../common/redact.js";
import { colourWanted, createStyle, type Style } from "./style.js";

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  now: () => number;
  home: string;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    now: Date.now,
    home: os.homedir(),
  };
}

/**
 * `io` whose stdout and stderr pass every string through the one redactor (common/redact.ts): whatever a command
 * prints (check, fix, status, errors, the daemon's log lines) leaves without the secrets the process has read.
 */
export function redactingIo(io: Io): Io {
  const wrap = <S extends NodeJS.WritableStream>(stream: S): S =>
    new Proxy(stream, {
      get(target, prop, receiver) {
        if (prop === "write")
          return (chunk: unknown, ...rest: unknown[]) =>
            (target.write as (...a: unknown[]) => boolean).call(
              target,
              typeof chunk === "string"
                ? redact(chunk)
                : chunk instanceof Uint8Array
                  ? redact(Buffer.from(chunk).toString("utf8"))
                  : chunk,
              ...rest,
            );
        const v = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  return { ...io, stdout: wrap(io.stdout), stderr: wrap(io.stderr) };
}

export function styleFor(io: Io, stream: "stdout" | "stderr" = "stdout"): Style {
  const s = io[stream];
  return createStyle(colourWanted(io.env, Boolean(s.isTTY)), io.stdout.columns);
}

export function print(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** Exit codes of the CLI contract. */
export const EXIT = { ok: 0, findings: 1, failed: 2 } as const;
