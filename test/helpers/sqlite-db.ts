// Writes state/openclaw.sqlite through sqlite-state.mjs under Node 24 (real SQLite, OpenClaw's own table
// definitions); the spec is documented in that script.

import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { nodeBin } from "../e2e/harness/paths.js";

const WRITER = path.resolve(import.meta.dirname, "sqlite-state.mjs");

export async function writeSqliteState(file: string, spec: Record<string, unknown>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const specFile = `${file}.spec.json`;
  await writeFile(specFile, JSON.stringify({ file, ...spec }));
  const w = spawnSync(nodeBin(), [WRITER, specFile], { encoding: "utf8" });
  if (w.status !== 0) throw new Error(`sqlite-state.mjs failed: ${w.stderr}`);
}
