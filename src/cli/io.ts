// What a command may touch of the process: its streams, environment and clock. Tests pass their own.

import os from "node:os";
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

export function styleFor(io: Io, stream: "stdout" | "stderr" = "stdout"): Style {
  const s = io[stream];
  return createStyle(colourWanted(io.env, Boolean(s.isTTY)), io.stdout.columns);
}

export function print(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** Exit codes of the CLI contract. */
export const EXIT = { ok: 0, findings: 1, failed: 2 } as const;
