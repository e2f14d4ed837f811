// Vitest globalSetup for the e2e suite: installs Node 24 and the pinned OpenClaw releases into .cache/e2e once.
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureNode, ensureOpenClaw, type InstallReport } from "./harness/install.js";
import { OPENCLAW_VERSIONS } from "./harness/paths.js";

/** The developer's real OpenClaw state: the suite must never create (or touch) it. */
const REAL_STATE_DIR = path.join(os.homedir(), ".openclaw");

function describe(report: InstallReport): string {
  return report.installed
    ? `${report.name} ${report.version}: installed in ${(report.durationMs / 1000).toFixed(1)} s`
    : `${report.name} ${report.version}: cached`;
}

export async function setup(): Promise<() => void> {
  const realStateExisted = existsSync(REAL_STATE_DIR);
  const reports = [await ensureNode()];
  // sequential: two concurrent npm installs of ~400 packages each only compete for the same 2 cores
  for (const version of OPENCLAW_VERSIONS) reports.push(await ensureOpenClaw(version));
  process.stderr.write(`[e2e] ${reports.map(describe).join("; ")}\n`);
  return () => {
    if (!realStateExisted && existsSync(REAL_STATE_DIR)) {
      throw new Error(
        `the e2e suite created ${REAL_STATE_DIR}; every OpenClaw process must run with a temp HOME`,
      );
    }
  };
}
