// `scope-watchdog check`: one-shot diagnosis, no side effects.

import { loadConfig } from "../config/load.js";
import { inspectOpenClaw } from "../daemon/inspect.js";
import { isHealthy } from "../detect/findings.js";
import { checkJson, formatCheck } from "./check-output.js";
import { EXIT, type Io, print, styleFor } from "./io.js";

export interface CheckOptions {
  json?: boolean;
  stateDir?: string;
  profile?: string;
  config?: string;
}

export async function runCheck(opts: CheckOptions, io: Io): Promise<number> {
  const loaded = await loadConfig({ flag: opts.config, env: io.env, home: io.home });
  const inspection = await inspectOpenClaw({
    config: loaded.config,
    env: io.env,
    nowMs: io.now(),
    stateDirFlag: opts.stateDir,
    profileFlag: opts.profile,
  });
  if (opts.json) print(io.stdout, JSON.stringify(checkJson(inspection), null, 2));
  else print(io.stdout, formatCheck(inspection, styleFor(io)));
  return isHealthy(inspection.findings) ? EXIT.ok : EXIT.findings;
}
