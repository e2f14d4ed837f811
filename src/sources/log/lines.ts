// OpenClaw gateway log lines (JSON, src/logging/logger.ts) turned into observations: pure, no I/O, no clock.

import { cleanField, cleanText } from "../../common/clean-text.js";
import { type KnownSecret, REDACTED, redact } from "../../common/redact.js";
import type { Observation, ObservationKind } from "../../common/types.js";

/** Substrings every line that can matter contains; lines without any of them are ignored unparsed. */
export const LOG_LINE_NEEDLES: readonly string[] = [
  "pairing",
  "unauthorized",
  "security audit",
  "device",
  // 4.20's client line `gateway connect failed: …: scope upgrade pending approval (requestId: …)` has none of the above
  "pending approval",
  // close 4001 after the shared token was rotated
  "gateway auth changed",
];

/** Every watched message contains one of these; a line with a needle but none of them is not parsed either. */
const MESSAGE_MARKERS: readonly string[] = [
  "security audit: device access upgrade requested",
  "closed before connect ",
  "device pairing ",
  "gateway connect failed:",
  "gateway closed (",
  "failed to start native approval handler:",
];

/** Longer lines are skipped: OpenClaw clamps messages to 4 KiB, so these are not its records. */
export const MAX_LINE_CHARS = 64 * 1024;
/** Observation.text is cut to this many characters. */
export const MAX_TEXT_CHARS = 500;

export type SkipReason = "not-json" | "invalid-utf8" | "too-long";

export type ParsedLine =
  | { kind: "observation"; observation: Observation }
  | { kind: "ignored" }
  | { kind: "skipped"; why: SkipReason };

export interface ParseOptions {
  /** Values that must never appear in an observation (gateway token, password), besides the registered ones. */
  secrets?: readonly KnownSecret[];
  maxLineChars?: number;
}

type Rec = Record<string, unknown>;

const REQUEST_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const DEVICE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const UUID_PREFIX_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{0,12}$/i;
const TOKEN_RUN_RE = /[A-Za-z0-9_-]{32,}/g;
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** OpenClaw's pairing reasons and how their close reasons and client errors phrase them (connect-error-details.ts). */
const PAIRING_REASONS: ReadonlyArray<{ reason: string; requirement: string; pending: string }> = [
  { reason: "not-paired", requirement: "device is not approved yet", pending: "device pairing required" },
  {
    reason: "role-upgrade",
    requirement: "device is asking for a higher role than currently approved",
    pending: "role upgrade pending approval",
  },
  {
    reason: "scope-upgrade",
    requirement: "device is asking for more scopes than currently approved",
    pending: "scope upgrade pending approval",
  },
  {
    reason: "metadata-upgrade",
    requirement: "device identity changed and must be re-approved",
    pending: "device metadata change pending approval",
  },
];

const DEVICE_AUTH_REASONS = new Set(["device_token_mismatch", "scope_mismatch"]);

function isRecord(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

/** True when the line contains one of LOG_LINE_NEEDLES (the cheap test before JSON.parse). */
export function mayMatter(line: string): boolean {
  for (const n of LOG_LINE_NEEDLES) if (line.includes(n)) return true;
  return false;
}

function hasMarker(line: string): boolean {
  for (const m of MESSAGE_MARKERS) if (line.includes(m)) return true;
  return false;
}

/**
 * The one redactor (known secrets in every form, credentials) and, stricter for a gateway's lines, every token-like
 * run (32+ base64url/hex characters with letters and digits) but UUIDs and the ids in `keep`.
 */
export function scrubSecrets(
  text: string,
  secrets: readonly KnownSecret[] = [],
  keep: readonly string[] = [],
): string {
  const out = redact(text, { extra: secrets });
  return out.replace(TOKEN_RUN_RE, (run) => {
    // request and connection ids are UUIDs (a close reason may cut one short); device ids are kept when named
    if (UUID_PREFIX_RE.test(run) || keep.includes(run)) return run;
    return /[0-9]/.test(run) && /[A-Za-z]/.test(run) ? REDACTED : run;
  });
}

/**
 * Free text of a line (message, close reason), already scrubbed: one line (a JSON-escaped newline or tab becomes a
 * space), without control, bidi and invisible characters, cut at MAX_TEXT_CHARS.
 */
function cut(text: string): string {
  return cleanText(text.replace(/[\t\n]+/g, " "), MAX_TEXT_CHARS);
}

/** Longest short field kept (client id, reason, one scope), and the most scopes kept of a line. */
const MAX_FIELD_CHARS = 128;
const MAX_SCOPES = 64;

/** A short field of a line (client id, reason, a scope): scrubbed, unsafe characters replaced, capped. */
function short(text: string, secrets: readonly KnownSecret[] | undefined): string {
  return cleanField(scrubSecrets(text, secrets), MAX_FIELD_CHARS);
}

function field(message: string, key: string): string | undefined {
  const m = new RegExp(`(?:^| )${key}=(\\S+)`).exec(message);
  return m?.[1];
}

function scopeList(csv: string | undefined): string[] | undefined {
  if (csv === undefined) return undefined;
  if (csv === "<none>") return [];
  return csv.split(",").filter((s) => s !== "");
}

function requestIdIn(text: string): string | undefined {
  // only a complete "(requestId: …)": close reasons are cut at 123 bytes, often inside the id
  const id = /\(requestId:\s*([^\s)]+)\)/i.exec(text)?.[1];
  return id && REQUEST_ID_RE.test(id) ? id : undefined;
}

function pairingReasonIn(text: string): string | undefined {
  const lower = text.toLowerCase();
  for (const p of PAIRING_REASONS)
    if (lower.includes(p.requirement) || lower.includes(p.pending)) return p.reason;
  return undefined;
}

/** The close reason OpenClaw 4.20+ sends for a pairing refusal (buildPairingConnectCloseReason). */
function pairingCloseReason(reason: string | undefined, requestId: string | undefined): string {
  const requirement = PAIRING_REASONS.find((p) => p.reason === reason)?.requirement;
  const base = requirement ? `pairing required: ${requirement}` : "pairing required";
  return requestId ? `${base} (requestId: ${requestId})` : base;
}

interface LineParts {
  atMs: number;
  message: string;
  meta: Rec | undefined;
}

function lineTime(rec: Rec, nowMs: number): number {
  const meta = isRecord(rec._meta) ? rec._meta : undefined;
  for (const raw of [rec.time, meta?.date]) {
    if (typeof raw === "string") {
      const ms = Date.parse(raw);
      if (Number.isFinite(ms)) return ms;
    }
  }
  return nowMs;
}

function isBindingPrefix(arg: string, metaName: unknown): boolean {
  if (arg === metaName) return true;
  if (!arg.startsWith("{")) return false;
  try {
    const parsed: unknown = JSON.parse(arg);
    return isRecord(parsed) && (typeof parsed.subsystem === "string" || typeof parsed.module === "string");
  } catch {
    return false;
  }
}

/** tslog records: "0","1",… are the arguments; a leading '{"subsystem":…}' string is the logger's prefix. */
function lineParts(rec: Rec, nowMs: number): LineParts {
  const keys = Object.keys(rec)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b));
  let args = keys.map((k) => rec[k]);
  const metaName = isRecord(rec._meta) ? rec._meta.name : undefined;
  const first = args[0];
  if (typeof first === "string" && args.length > 1 && isBindingPrefix(first, metaName)) args = args.slice(1);
  const meta = args.find(isRecord);
  const parts: string[] = [];
  for (const a of args) {
    if (typeof a === "string") parts.push(a);
    else if (typeof a === "number" || typeof a === "boolean") parts.push(String(a));
  }
  let message = parts.join(" ");
  if (message === "" && typeof rec.message === "string") message = rec.message;
  return { atMs: lineTime(rec, nowMs), message, meta };
}

type Fields = Omit<Observation, "kind" | "source" | "atMs" | "text">;

function observation(
  kind: ObservationKind,
  p: LineParts,
  fields: Fields,
  opts: ParseOptions | undefined,
): ParsedLine {
  const keep = fields.deviceId ? [fields.deviceId] : [];
  const o: Observation = { kind, source: "log", atMs: p.atMs, text: "" };
  // ids and scopes are matched to strict shapes above; free text goes through the scrubber
  if (fields.deviceId) o.deviceId = fields.deviceId;
  if (fields.requestId) o.requestId = fields.requestId;
  if (fields.reason) o.reason = short(fields.reason, opts?.secrets);
  if (fields.scopes) o.scopes = fields.scopes.slice(0, MAX_SCOPES).map((s) => short(s, opts?.secrets));
  if (fields.scopesFrom)
    o.scopesFrom = fields.scopesFrom.slice(0, MAX_SCOPES).map((s) => short(s, opts?.secrets));
  if (fields.clientId) o.clientId = short(fields.clientId, opts?.secrets);
  if (fields.code !== undefined) o.code = fields.code;
  if (fields.gatewayPort !== undefined) o.gatewayPort = fields.gatewayPort;
  if (fields.closeReason) o.closeReason = cut(scrubSecrets(fields.closeReason, opts?.secrets, keep));
  o.text = cut(scrubSecrets(p.message, opts?.secrets, keep));
  return { kind: "observation", observation: o };
}

function deviceIdOf(v: string | undefined): string | undefined {
  return v && DEVICE_ID_RE.test(v) ? v : undefined;
}

/** `security audit: device access upgrade requested reason=… device=… scopesFrom=… scopesTo=… client=…`. */
function upgradeRequested(p: LineParts, opts: ParseOptions | undefined): ParsedLine {
  const m = p.message;
  return observation(
    "upgrade-requested",
    p,
    {
      deviceId: deviceIdOf(field(m, "device")),
      reason: field(m, "reason"),
      scopes: scopeList(field(m, "scopesTo")),
      scopesFrom: scopeList(field(m, "scopesFrom")),
      clientId: field(m, "client"),
    },
    opts,
  );
}

/** Which kind an `unauthorized…` refusal is: the device token's, or the gateway's shared secret's. */
function authKind(closeReason: string, authReason: string | undefined): ObservationKind {
  if (authReason && DEVICE_AUTH_REASONS.has(authReason)) return "device-token-mismatch";
  return /^unauthorized: device token/i.test(closeReason) ? "device-token-mismatch" : "gateway-auth-failure";
}

/**
 * The gateway's own port on a connection line: the meta's localPort, else the message's `host=127.0.0.1:PORT`
 * (every `closed before connect` line has it on every release): how lines of several gateways sharing one log
 * file are told apart.
 */
function portOf(localPort: unknown, message: string): number | undefined {
  if (typeof localPort === "number" && Number.isInteger(localPort) && localPort > 0 && localPort < 65536)
    return localPort;
  return portIn(/ host=(?:\[[^\]]*\]|[^\s:]+):(\d{1,5})(?:\s|$)/.exec(message));
}

/** A TCP port from a regex match's first group, or undefined. */
function portIn(m: RegExpExecArray | null): number | undefined {
  const port = m ? Number(m[1]) : Number.NaN;
  return port > 0 && port < 65536 ? port : undefined;
}

/** `closed before connect conn=… code=1008 reason=…[ phase=…]` from gateway/ws, with its structured meta. */
function closedBeforeConnect(p: LineParts, opts: ParseOptions | undefined): ParsedLine {
  const m = / code=(\S+) reason=(.*)$/s.exec(p.message);
  if (!m) return { kind: "ignored" };
  const code = /^\d+$/.test(m[1] ?? "") ? Number(m[1]) : undefined;
  // 9.x appends ` phase=<handshake phase>` and sometimes ` suppressed=<n>` after the reason
  const logged = (m[2] ?? "")
    .replace(/ phase=[a-z_]+( suppressed=\d+)?$/, "")
    .replace(/ suppressed=\d+$/, "");
  const reasonText = logged === "n/a" ? "" : logged;
  const cause = str(p.meta?.cause);
  const metaDevice = deviceIdOf(str(p.meta?.deviceId));
  const clientId = str(p.meta?.client);
  const gatewayPort = portOf(p.meta?.localPort, p.message);
  if (cause === "pairing-required" || (!cause && /^pairing required/i.test(reasonText))) {
    const requestId = (() => {
      const id = str(p.meta?.requestId);
      return id && REQUEST_ID_RE.test(id) ? id : requestIdIn(reasonText);
    })();
    const reason = str(p.meta?.reason) ?? pairingReasonIn(reasonText);
    // OpenClaw's own clients close first with "connect failed", so the logged reason is theirs, not the gateway's
    const closeReason = /^pairing required/i.test(reasonText)
      ? reasonText
      : pairingCloseReason(reason, requestId);
    return observation(
      "pairing-required-close",
      p,
      { deviceId: metaDevice, requestId, reason, clientId, code, closeReason, gatewayPort },
      opts,
    );
  }
  if (cause === "unauthorized" || (!cause && /^unauthorized/i.test(reasonText))) {
    const authReason = str(p.meta?.authReason);
    return observation(
      authKind(reasonText, authReason),
      p,
      {
        deviceId: metaDevice,
        reason: authReason,
        clientId,
        code,
        closeReason: reasonText || undefined,
        gatewayPort,
      },
      opts,
    );
  }
  if (cause === "gateway-auth-rotated" || reasonText === "gateway auth changed") {
    return observation(
      "gateway-auth-failure",
      p,
      { clientId, code, closeReason: reasonText || undefined, gatewayPort },
      opts,
    );
  }
  return { kind: "ignored" };
}

/**
 * The port of the gateway a calling process talked to, from `Gateway call failed`'s `Gateway target: ws://…:PORT`
 * line: on the 2026.4.x log every gateway of the machine shares, it says whose refusal it was.
 */
function targetPortOf(message: string): number | undefined {
  return portIn(/\nGateway target: wss?:\/\/(?:\[[^\]]*\]|[^\s:/]+):(\d{1,5})(?:[/\s]|$)/.exec(message));
}

/** A calling process's view: `gateway connect failed: …`, `… gateway closed (1008): …`, the approval handler. */
function clientFailure(p: LineParts, opts: ParseOptions | undefined): ParsedLine {
  const m = p.message;
  const closed = /gateway closed \((\d{4})\): ([^\n]*)/.exec(m);
  const code = closed ? Number(closed[1]) : undefined;
  const closeReason = closed?.[2]?.trim() || undefined;
  const gatewayPort = targetPortOf(m);
  const lower = m.toLowerCase();
  if (lower.includes("pairing required") || lower.includes("pending approval")) {
    return observation(
      "gateway-connect-failed",
      p,
      { requestId: requestIdIn(m), reason: pairingReasonIn(m), code, closeReason, gatewayPort },
      opts,
    );
  }
  const auth = /unauthorized(?::[^\n(]*)?/i.exec(m)?.[0];
  if (auth) return observation(authKind(auth, undefined), p, { code, closeReason, gatewayPort }, opts);
  return { kind: "ignored" };
}

function classify(p: LineParts, opts: ParseOptions | undefined): ParsedLine {
  const m = p.message;
  if (m.startsWith("security audit: device access upgrade requested")) return upgradeRequested(p, opts);
  if (m.startsWith("closed before connect ")) return closedBeforeConnect(p, opts);
  const pairing = /^device pairing (approved|auto-approved|removed) device=(\S+)/.exec(m);
  if (pairing) {
    const removed = pairing[1] === "removed";
    return observation(
      removed ? "device-removed" : "pairing-resolved",
      p,
      { deviceId: deviceIdOf(pairing[2]), reason: removed ? undefined : pairing[1] },
      opts,
    );
  }
  // `unauthorized conn=…` is always followed by `closed before connect … cause:"unauthorized"` for the same
  // connection, which carries the close reason: that line is the one observation of the refusal
  if (m.startsWith("unauthorized conn=")) return { kind: "ignored" };
  if (
    m.startsWith("gateway connect failed:") ||
    m.includes("gateway closed (") ||
    m.startsWith("failed to start native approval handler:")
  ) {
    return clientFailure(p, opts);
  }
  return { kind: "ignored" };
}

/** Parses one log line (without its newline) into an observation, or says why it was ignored or skipped. */
export function parseLogLine(line: string, nowMs: number, opts?: ParseOptions): ParsedLine {
  if (line.length > (opts?.maxLineChars ?? MAX_LINE_CHARS)) return { kind: "skipped", why: "too-long" };
  if (!mayMatter(line)) return { kind: "ignored" };
  if (LONE_SURROGATE_RE.test(line)) return { kind: "skipped", why: "invalid-utf8" };
  // "device.pair.list 12ms", "gateway.nodes.pairing" reloads, …: a needle but none of the watched messages.
  // A line that is not JSON at all is still reported as such, so garbage is counted.
  if (!hasMarker(line) && line.trimStart().startsWith("{")) return { kind: "ignored" };
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch {
    return { kind: "skipped", why: "not-json" };
  }
  if (!isRecord(rec)) return { kind: "skipped", why: "not-json" };
  return classify(lineParts(rec, nowMs), opts);
}
