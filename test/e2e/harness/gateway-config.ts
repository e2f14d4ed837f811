// Writes the offline gateway config (openclaw.json) and falls back to fewer keys if a release rejects some.
import { writeFileSync } from "node:fs";
import type { RunResult } from "./run.js";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface GatewayConfigInput {
  port: number;
  token: string;
  logFile: string;
  /** Deep-merged over the generated config (objects merge, everything else replaces). */
  extra?: JsonObject;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/** Keys only newer releases know; 2026.4.x rejects them ("Unrecognized key"). */
const NEWER_KEYS: JsonObject = {
  telemetry: { enabled: false },
  models: { catalogRefresh: { enabled: false } },
};

/**
 * Candidate configs, most complete first (real-gateway-lab.md §2). Every candidate keeps token auth on
 * loopback, mDNS/update checks/plugins off and the per-test `logging.file`.
 */
export function configCandidates(input: GatewayConfigInput): JsonObject[] {
  const base: JsonObject = {
    gateway: {
      mode: "local",
      port: input.port,
      bind: "loopback",
      auth: { mode: "token", token: input.token },
      tailscale: { mode: "off" },
    },
    discovery: { mdns: { mode: "off" } },
    update: { checkOnStart: false },
    plugins: { enabled: false },
    logging: { file: input.logFile },
  };
  const heartbeatOff: JsonObject = { agents: { defaults: { heartbeat: { every: "0m" } } } };
  const extra = input.extra ?? {};
  return [
    deepMerge(deepMerge(deepMerge(base, heartbeatOff), NEWER_KEYS), extra),
    deepMerge(deepMerge(base, heartbeatOff), extra),
    deepMerge(base, extra),
  ];
}

/** Write `config` with mode 0600 (it holds the gateway token). */
export function writeConfig(file: string, config: JsonObject): void {
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Write each candidate and keep the first that `validate()` (openclaw config validate) accepts.
 * Returns the accepted config, or throws with the last validator output.
 */
export async function writeValidConfig(
  file: string,
  candidates: readonly JsonObject[],
  validate: () => Promise<RunResult>,
): Promise<{ config: JsonObject; attempts: number }> {
  let last: RunResult | null = null;
  for (const [index, candidate] of candidates.entries()) {
    writeConfig(file, candidate);
    last = await validate();
    if (last.code === 0) return { config: candidate, attempts: index + 1 };
  }
  throw new Error(
    `openclaw config validate rejected every candidate config for ${file}: ${last?.stdout ?? ""}${last?.stderr ?? ""}`,
  );
}
