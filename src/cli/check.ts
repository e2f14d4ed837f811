// `scope-watchdog check`: one-shot diagnosis, no side effects. Without --state-dir or --profile (and with none in
// the config) it checks every OpenClaw state on the machine, one section each, with the exit code of the worst.

import { loadConfig } from "../config/load.js";
import { discoverInstances, instanceName } from "../config/openclaw-paths.js";
import { inspectOpenClaw } from "../daemon/inspect.js";
import { isHealthy } from "../detect/findings.js";
import type { Inspection } from "../detect/inspection.js";
import { type CheckJson, checkJson, formatCheck } from "./check-output.js";
import { EXIT, type Io, print, styleFor } from "./io.js";

export interface CheckOptions {
  json?: boolean;
  stateDir?: string;
  profile?: string;
  config?: string;
}

/** `check --json` for several states: the first one's object (today's shape), all findings, and `profiles`. */
export interface MultiCheckJson extends CheckJson {
  profiles: (CheckJson & { profile: string })[];
}

export function multiCheckJson(
  parts: readonly { name: string; inspection: Inspection }[],
): CheckJson | MultiCheckJson {
  const objects = parts.map(({ name, inspection }) => ({ profile: name, ...checkJson(inspection) }));
  const [first] = objects;
  if (!first) throw new Error("no OpenClaw state to check");
  if (objects.length === 1) {
    const { profile: _p, ...only } = first;
    return only;
  }
  const { profile: _p, ...top } = first;
  return {
    ...top,
    ok: objects.every((o) => o.ok),
    findings: objects.flatMap((o) =>
      o.findings.map((f) => ({ ...f, profile: o.profile, stateDir: o.openclaw.stateDir })),
    ),
    profiles: objects,
  };
}

export async function runCheck(opts: CheckOptions, io: Io): Promise<number> {
  const loaded = await loadConfig({ flag: opts.config, env: io.env, home: io.home });
  const flagged = opts.stateDir !== undefined || opts.profile !== undefined;
  const targets = flagged
    ? [{ stateDirFlag: opts.stateDir, profileFlag: opts.profile }]
    : discoverInstances({ env: io.env, openclaw: loaded.config.openclaw }).targets;
  const parts: { name: string; inspection: Inspection }[] = [];
  for (const t of targets) {
    const inspection = await inspectOpenClaw({ config: loaded.config, env: io.env, nowMs: io.now(), ...t });
    parts.push({ name: instanceName(inspection.location), inspection });
  }
  if (opts.json) print(io.stdout, JSON.stringify(multiCheckJson(parts), null, 2));
  else {
    const style = styleFor(io);
    const sections = parts.map(({ name, inspection }) =>
      parts.length === 1
        ? formatCheck(inspection, style)
        : `${style.bold(`── profile ${name} ──`)}\n${formatCheck(inspection, style)}`,
    );
    print(io.stdout, sections.join("\n\n"));
  }
  return parts.every((p) => isHealthy(p.inspection.findings)) ? EXIT.ok : EXIT.findings;
}
