// The parts of openclaw.json the watchdog needs: gateway port, bind, auth mode and secret, log file, auto-approval.

import { cleanField } from "../../common/clean-text.js";
import { errorMessage } from "../../common/errors.js";
import { parseJson5 } from "../../common/json5.js";
import { Secret } from "../../common/secret.js";
import type { GatewaySettings, StateProblem } from "../../common/types.js";
import { DEFAULT_GATEWAY_PORT } from "../../config/openclaw-paths.js";
import { readStateFile } from "./safe-read.js";

const ENV_REF = /\$\{([A-Z_][A-Z0-9_]*)\}/g;

function get(obj: unknown, keys: readonly string[]): unknown {
  let cur = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function substitute(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(ENV_REF, (_, name: string) => env[name] ?? "");
}

/** A secret given inline, as "${VAR}", or as an env SecretRef ({ source: "env", id }). */
function resolveSecret(value: unknown, env: NodeJS.ProcessEnv): string | undefined {
  if (typeof value === "string") return substitute(value, env).trim() || undefined;
  if (get(value, ["source"]) === "env") {
    const id = get(value, ["id"]);
    return typeof id === "string" ? env[id]?.trim() || undefined : undefined;
  }
  return undefined;
}

/** A setting that is shown and compared (bind, mode, a version): unsafe characters replaced, capped. */
function short(v: string): string {
  return cleanField(v, 128);
}

export function resolveGatewaySettings(
  raw: unknown,
  env: NodeJS.ProcessEnv,
  portOverride: number | null,
  source: string | null,
): GatewaySettings {
  const portValue = get(raw, ["gateway", "port"]);
  const configuredPort =
    typeof portValue === "number" ? portValue : Number.parseInt(substitute(String(portValue ?? ""), env), 10);
  const token =
    resolveSecret(get(raw, ["gateway", "auth", "token"]), env) ?? env.OPENCLAW_GATEWAY_TOKEN?.trim();
  const password =
    resolveSecret(get(raw, ["gateway", "auth", "password"]), env) ?? env.OPENCLAW_GATEWAY_PASSWORD?.trim();
  const mode = get(raw, ["gateway", "auth", "mode"]);
  const authMode = typeof mode === "string" ? short(mode) : token ? "token" : password ? "password" : null;
  const secretValue = authMode === "password" ? password : (token ?? password);
  const logFile = get(raw, ["logging", "file"]);
  const autoApprove = get(raw, ["gateway", "nodes", "pairing", "autoApproveLocal"]);
  const bind = get(raw, ["gateway", "bind"]);
  const gatewayMode = get(raw, ["gateway", "mode"]);
  const touched = get(raw, ["meta", "lastTouchedVersion"]);
  return {
    port:
      portOverride ??
      (Number.isInteger(configuredPort) && configuredPort > 0 && configuredPort < 65536
        ? configuredPort
        : DEFAULT_GATEWAY_PORT),
    bind: typeof bind === "string" ? short(bind) : "loopback",
    authMode,
    secret: secretValue ? new Secret(secretValue) : null,
    logFile: typeof logFile === "string" && logFile.trim() ? substitute(logFile, env).trim() : null,
    autoApproveLocal: typeof autoApprove === "boolean" ? autoApprove : null,
    mode: typeof gatewayMode === "string" ? short(gatewayMode) : null,
    configProblem: null,
    source,
    lastTouchedVersion: typeof touched === "string" && touched.trim() ? short(touched.trim()) : null,
  };
}

/** Reads openclaw.json (JSON5, like OpenClaw). A missing file means OpenClaw's defaults. */
export async function readGatewaySettings(
  configPath: string,
  env: NodeJS.ProcessEnv,
  portOverride: number | null,
): Promise<{ settings: GatewaySettings; problems: StateProblem[] }> {
  const read = await readStateFile(configPath, 4 * 1024 * 1024);
  if (!read.ok) {
    const problems: StateProblem[] = read.missing
      ? []
      : [{ file: configPath, problem: read.problem, ...(read.hint ? { hint: read.hint } : {}) }];
    const settings = resolveGatewaySettings({}, env, portOverride, null);
    // only a file that is provably absent means OpenClaw's defaults; one that cannot be read blocks healing
    return { settings: { ...settings, configProblem: read.missing ? null : read.problem }, problems };
  }
  try {
    const raw = await parseJson5(read.value.toString("utf8"));
    return { settings: resolveGatewaySettings(raw, env, portOverride, configPath), problems: [] };
  } catch (err) {
    return {
      settings: {
        ...resolveGatewaySettings({}, env, portOverride, null),
        configProblem: "is not valid JSON5",
      },
      problems: [
        {
          file: configPath,
          problem: `is not valid JSON5 (${cleanField(errorMessage(err), 200)}); using OpenClaw's defaults (port ${portOverride ?? DEFAULT_GATEWAY_PORT})`,
          severity: "info",
        },
      ],
    };
  }
}
