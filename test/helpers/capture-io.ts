// An Io whose stdout and stderr are captured, for running a CLI command in-process.

import { PassThrough } from "node:stream";
import type { Io } from "../../src/cli/io.js";

export interface CapturedIo {
  io: Io;
  out: () => string;
  err: () => string;
}

export function captureIo(env: NodeJS.ProcessEnv): CapturedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  return {
    io: { stdout, stderr, env, now: Date.now, home: env.HOME ?? "/nonexistent" },
    out: () => out,
    err: () => err,
  };
}
