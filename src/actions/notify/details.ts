// The Details button of an Approve offer: the output of `scope-watchdog check` for that OpenClaw state, written
// to a private text file in the data dir (check prints no secret) and opened with the desktop's default viewer
// for text files, as a Linux user expects from a notification button: `xdg-open` (on WSL it hands the file to
// Windows where wslu's wslview is installed), `open` on macOS. When no opener works the file's path is logged.

import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import { redact } from "../../common/redact.js";
import type { ApproveOffer } from "../../policy/approve-offer.js";
import type { ProcessRunner } from "../process-runner.js";
import { installedCliPath } from "../service/package.js";

export interface DetailsOptions {
  offer: ApproveOffer;
  dataDir: string;
  runner: ProcessRunner;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** The config file the daemon runs with (check reads the same one). */
  configFile: string | null;
  platform?: NodeJS.Platform;
  secrets?: () => readonly string[];
  /** Test seam: the CLI to run (default: this package's dist/cli/bin.js under this Node). */
  cli?: { file: string; args: string[] };
  now?: () => number;
}

/** The file the Details button writes for a state (one per state, replaced on each click). */
export function detailsFile(dataDir: string, offer: Pick<ApproveOffer, "profile">): string {
  const name = (offer.profile ?? "default").replace(/[^A-Za-z0-9._-]/g, "_");
  return path.join(dataDir, "details", `check-${name}.txt`);
}

/** Runs `scope-watchdog check` for the offer's state, writes it to detailsFile and opens it; never throws. */
export async function openDetails(o: DetailsOptions): Promise<{ file: string; opened: boolean }> {
  const log = o.logger.child({ component: "notify" });
  const file = detailsFile(o.dataDir, o.offer);
  const cli = o.cli ?? { file: process.execPath, args: [installedCliPath()] };
  const args = [
    ...cli.args,
    "check",
    "--state-dir",
    o.offer.stateDir,
    ...(o.configFile ? ["--config", o.configFile] : []),
  ];
  const check = await o.runner.run(cli.file, args, { env: o.env, timeoutMs: 30_000 });
  const when = new Date((o.now ?? Date.now)()).toISOString();
  const text = [
    `scope-watchdog check --state-dir ${o.offer.stateDir}   (${when}, for the notification about request ${o.offer.requestId})`,
    "",
    check.stdout.trimEnd(),
    check.stderr.trim() ? `\n${check.stderr.trim()}` : "",
    "",
    `To approve request ${o.offer.requestId} yourself: openclaw devices approve ${o.offer.requestId}`,
    "",
  ].join("\n");
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, redact(text, { extra: o.secrets?.() ?? [], shapes: true }), { mode: 0o600 });
  } catch (err) {
    log.error({ file, err: errorMessage(err) }, "Details: cannot write the check output");
    return { file, opened: false };
  }
  const opener = (o.platform ?? process.platform) === "darwin" ? "open" : "xdg-open";
  const problem = await launch(opener, file, o.env);
  if (problem === null) log.info({ file, opener }, "Details: opened the check output");
  else
    log.warn(
      { file, opener, err: problem },
      `Details: ${opener} could not open it; the check output is in ${file}`,
    );
  return { file, opened: problem === null };
}

/** How long an opener may take to fail; one still running then is a viewer showing the file (it is left alone). */
const OPENER_SETTLE_MS = 5_000;

/**
 * Starts the opener detached (the viewer it starts outlives it, and the watchdog never kills it); resolves with
 * why it failed, or null once it exited 0 or is still running after OPENER_SETTLE_MS.
 */
function launch(opener: string, file: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  return new Promise((resolve) => {
    let err = "";
    const child = spawn(opener, [file], { env, detached: true, stdio: ["ignore", "ignore", "pipe"] });
    const timer = setTimeout(() => {
      child.stderr?.destroy();
      child.unref();
      resolve(null);
    }, OPENER_SETTLE_MS);
    child.stderr?.on("data", (c: Buffer) => {
      if (err.length < 1_000) err += c.toString("utf8");
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve(e.message);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? null : err.trim() || `exit ${code}`);
    });
  });
}
