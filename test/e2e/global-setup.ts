// Vitest globalSetup for the e2e suite: installs Node 24 and the pinned OpenClaw releases into .cache/e2e once.
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureNode, ensureOpenClaw, type InstallReport } from "./harness/install.js";
import { OPENCLAW_VERSIONS } from "./harness/paths.js";
import { removeNewOpenclawTmp, snapshotOpenclawTmp } from "./harness/tmp-leftovers.js";

const INSTALLS_AT_ONCE = 2;

/** `fn` over `items`, `size` at a time, results in order. */
async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  }
  return out;
}

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
  // at most two npm installs at a time (a clean clone installs every release; the machine has 2 cores)
  reports.push(...(await inBatches(OPENCLAW_VERSIONS, INSTALLS_AT_ONCE, ensureOpenClaw)));
  process.stderr.write(`[e2e] ${reports.map(describe).join("; ")}\n`);
  const tmpBefore = snapshotOpenclawTmp();
  return () => {
    // parallel test files share OpenClaw's /tmp folders: a file that stopped while another gateway ran left
    // them in place; the run removes the ones it created once no other OpenClaw process uses them
    const cleanup = removeNewOpenclawTmp(tmpBefore);
    if (cleanup.kept.length > 0) {
      process.stderr.write(
        `[e2e] left ${cleanup.kept.join(", ")}: OpenClaw processes ${cleanup.foreignPids.join(", ")} use them\n`,
      );
    }
    if (!realStateExisted && existsSync(REAL_STATE_DIR)) {
      throw new Error(
        `the e2e suite created ${REAL_STATE_DIR}; every OpenClaw process must run with a temp HOME`,
      );
    }
  };
}
