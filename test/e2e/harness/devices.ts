// Typed view of `openclaw devices list --json` ({pending, paired}) on 2026.4.x and 2026.9.x.

export interface PendingRequest {
  requestId: string;
  deviceId: string;
  publicKey?: string;
  clientId?: string;
  clientMode?: string;
  role?: string;
  scopes: string[];
  isRepair?: boolean;
  silent?: boolean;
  ts?: number;
}

export interface PairedDevice {
  deviceId: string;
  publicKey?: string;
  clientId?: string;
  clientMode?: string;
  role?: string;
  scopes: string[];
  /** Present in the CLI's local-file fallback (4.x) and on 9.x; the RPC on 4.x redacts it (use `scopes`). */
  approvedScopes?: string[];
  /** 9.x: "silent" or "owner". */
  approvedVia?: string;
  tokens: { role: string; scopes: string[] }[];
}

export interface DeviceList {
  pending: PendingRequest[];
  paired: PairedDevice[];
}

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
const optStr = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** Parse the first JSON object printed on stdout (the 4.20 CLI may print warnings around it). */
export function parseJsonOutput(stdout: string): unknown {
  const trimmed = stdout.trim();
  try {
    return JSON.parse(trimmed);
  } catch {
    const start = trimmed.search(/^[{[]/m);
    if (start < 0) throw new Error(`no JSON in CLI output: ${trimmed.slice(0, 500)}`);
    return JSON.parse(trimmed.slice(start));
  }
}

function toPending(value: unknown): PendingRequest | null {
  if (!isRecord(value) || typeof value.requestId !== "string" || typeof value.deviceId !== "string")
    return null;
  return {
    requestId: value.requestId,
    deviceId: value.deviceId,
    publicKey: optStr(value.publicKey),
    clientId: optStr(value.clientId),
    clientMode: optStr(value.clientMode),
    role: optStr(value.role),
    scopes: strings(value.scopes),
    isRepair: typeof value.isRepair === "boolean" ? value.isRepair : undefined,
    silent: typeof value.silent === "boolean" ? value.silent : undefined,
    ts: typeof value.ts === "number" ? value.ts : undefined,
  };
}

function toPaired(value: unknown): PairedDevice | null {
  if (!isRecord(value) || typeof value.deviceId !== "string") return null;
  const tokens = Array.isArray(value.tokens) ? value.tokens.filter(isRecord) : [];
  return {
    deviceId: value.deviceId,
    publicKey: optStr(value.publicKey),
    clientId: optStr(value.clientId),
    clientMode: optStr(value.clientMode),
    role: optStr(value.role),
    scopes: strings(value.scopes),
    approvedScopes: Array.isArray(value.approvedScopes) ? strings(value.approvedScopes) : undefined,
    approvedVia: optStr(value.approvedVia),
    tokens: tokens.map((t) => ({ role: optStr(t.role) ?? "", scopes: strings(t.scopes) })),
  };
}

export function parseDeviceList(stdout: string): DeviceList {
  const value = parseJsonOutput(stdout);
  if (!isRecord(value) || !Array.isArray(value.pending) || !Array.isArray(value.paired)) {
    throw new Error(`not a devices list: ${stdout.slice(0, 500)}`);
  }
  return {
    pending: value.pending.map(toPending).filter((p): p is PendingRequest => p !== null),
    paired: value.paired.map(toPaired).filter((p): p is PairedDevice => p !== null),
  };
}

/** The approved scope baseline OpenClaw uses: approvedScopes ?? scopes. */
export function baselineOf(device: PairedDevice): string[] {
  return device.approvedScopes ?? device.scopes;
}
