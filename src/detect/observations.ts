// Findings from what the live sources saw (gateway log lines, the watchdog's own connection): pure.

import { approvedBaseline, localPaired, shortId } from "../common/pairing.js";
import { formatScopes, normalizeScopes } from "../common/scopes.js";
import type { Finding, Observation, PairingSnapshot } from "../common/types.js";
import { PAIRING_REQUIRED, requestFix } from "./explain.js";
import { type ApprovalVerdict, approvalVerdict } from "./guards.js";
import type { OpenClawVersion } from "./version.js";

export interface ObservationContext {
  nowMs: number;
  /** How long a refused connect counts as an open problem. */
  windowMs: number;
  /** This machine's OpenClaw device, when known. */
  localDeviceId: string | null;
  /** The watchdog's own device: its refusals are about the watchdog's pairing, reported by `status`. */
  watchdogDeviceId: string | null;
  /** When the pairing state last read as healthy: refusals before it were healed since. */
  healthySinceMs: number | null;
  version: OpenClawVersion | null;
  /** How long the gateway must stay unreachable before it is a finding. */
  unreachableAfterMs: number;
  /** The pairing state now: a request id from a log line is offered for approval only when it is pending here. */
  snapshot: PairingSnapshot | null;
}

const REFUSALS = new Set(["pairing-required-close", "gateway-connect-failed"]);

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/**
 * The newest observation per key, with how many distinct events there were: one refused call shows up as a
 * close, a `gateway connect failed` and a `Gateway call failed` line, all with the same request id.
 */
function latestBy(
  obs: readonly Observation[],
  key: (o: Observation) => string,
): Map<string, { last: Observation; count: number }> {
  const out = new Map<string, { last: Observation; events: Set<string> }>();
  for (const o of obs) {
    const k = key(o);
    const event = o.requestId ?? String(Math.floor(o.atMs / 1000));
    const prev = out.get(k);
    if (!prev) out.set(k, { last: o, events: new Set([event]) });
    else {
      prev.events.add(event);
      if (o.atMs >= prev.last.atMs) prev.last = o;
    }
  }
  return new Map([...out].map(([k, v]) => [k, { last: v.last, count: v.events.size }]));
}

/** How far apart a calling process's refusal line and its gateway's close line of the same refusal may be. */
const SAME_REFUSAL_MS = 10_000;

/** What this state's own gateway is known to have: request ids (pending here or on its lines), bare refusals. */
interface OwnEvidence {
  requestIds: Set<string>;
  /** When it refused a connect with a reason naming no request. */
  refusedAtMs: number[];
}

function ownEvidence(obs: readonly Observation[], snapshot: PairingSnapshot | null): OwnEvidence {
  const requestIds = new Set(snapshot?.pending.map((p) => p.requestId));
  const refusedAtMs: number[] = [];
  for (const o of obs) {
    if (o.gatewayPort === undefined && o.deviceId === undefined) continue;
    if (o.requestId) requestIds.add(o.requestId);
    // a bare refusal of this gateway (its reason names no request: 2026.4.18, 3.x) vouches for a bare caller line;
    // one that names a request has a caller line naming it too
    if (o.kind === "pairing-required-close" && !/requestId/i.test(o.closeReason ?? o.text))
      refusedAtMs.push(o.atMs);
  }
  return { requestIds, refusedAtMs };
}

/**
 * A calling process's `gateway connect failed: …` line names neither a device nor a gateway port. On OpenClaw
 * 2026.4.x every gateway of the machine logs to the same /tmp/openclaw file, so such a line is this state's only
 * when this state's gateway shows the same refusal: its request pending here or named on this gateway's own
 * lines, or, for a line without a request id (2026.4.18 and 2026.3.x log a bare `pairing required`), this
 * gateway's own bare close line within SAME_REFUSAL_MS (a 2026.4.20 refusal names its request on both lines: a
 * bare caller line beside it is another gateway's).
 */
function isStrayClientLine(o: Observation, own: OwnEvidence): boolean {
  if (o.source !== "log" || o.deviceId !== undefined || o.gatewayPort !== undefined) return false;
  if (o.requestId !== undefined) return !own.requestIds.has(o.requestId);
  return !own.refusedAtMs.some((t) => Math.abs(t - o.atMs) <= SAME_REFUSAL_MS);
}

function refusalFindings(obs: readonly Observation[], ctx: ObservationContext): Finding[] {
  const resolvedAt = new Map<string, number>();
  for (const o of obs) {
    if ((o.kind === "pairing-resolved" || o.kind === "device-removed") && o.deviceId) {
      resolvedAt.set(o.deviceId, Math.max(resolvedAt.get(o.deviceId) ?? 0, o.atMs));
    }
  }
  const own = ownEvidence(obs, ctx.snapshot);
  const refusals = obs.filter((o) => {
    if (!REFUSALS.has(o.kind) || o.deviceId === ctx.watchdogDeviceId) return false;
    if (isStrayClientLine(o, own)) return false;
    // a calling process's line that is this state's names no device: it is the local device's
    const device = o.deviceId ?? ctx.localDeviceId ?? "";
    if ((resolvedAt.get(device) ?? 0) > o.atMs) return false;
    return !(device === ctx.localDeviceId && ctx.healthySinceMs !== null && ctx.healthySinceMs > o.atMs);
  });
  const out: Finding[] = [];
  for (const [device, { last, count }] of latestBy(refusals, (o) => o.deviceId ?? ctx.localDeviceId ?? "")) {
    const local = device !== "" && device === ctx.localDeviceId;
    const who = local ? "this machine's device" : device ? `device ${shortId(device)}` : "a local client";
    const why = last.closeReason ?? last.text;
    const f: Finding = {
      code: "pairing-required-close",
      severity: "warning",
      message: `The gateway refused ${who}${last.clientId ? ` (client ${last.clientId})` : ""} at ${clock(last.atMs)}: ${why}${count > 1 ? ` (${count} times in the last ${Math.round(ctx.windowMs / 60_000)} min)` : ""}.`,
      impact: local
        ? `Calls from this machine that need ${last.scopes?.length ? formatScopes(normalizeScopes(last.scopes)) : "more scope"} fail with ${PAIRING_REQUIRED}.`
        : `That client's calls fail with ${PAIRING_REQUIRED}.`,
    };
    if (device) f.deviceId = device;
    if (last.requestId) f.requestId = last.requestId;
    if (last.scopes?.length) f.scopes = normalizeScopes(last.scopes);
    if (local && last.requestId) {
      const verdict: ApprovalVerdict = ctx.snapshot
        ? approvalVerdict(last.requestId, ctx.snapshot, ctx.nowMs)
        : {
            safe: false,
            requestId: last.requestId,
            request: null,
            refusals: [{ guard: "present", reason: "the pairing state could not be read" }],
          };
      const paired = ctx.snapshot ? localPaired(ctx.snapshot) : undefined;
      f.fix = requestFix(verdict, ctx.version, paired ? approvedBaseline(paired) : []);
    }
    out.push(f);
  }
  return out;
}

function authFindings(obs: readonly Observation[]): Finding[] {
  const out: Finding[] = [];
  const kinds = obs.filter((o) => o.kind === "device-token-mismatch" || o.kind === "gateway-auth-failure");
  for (const { last, count } of latestBy(
    kinds,
    (o) => `${o.kind}|${o.deviceId ?? ""}|${o.source}`,
  ).values()) {
    const ours = last.source === "connection";
    const times = count > 1 ? ` (${count} times)` : "";
    if (last.kind === "device-token-mismatch") {
      out.push({
        code: "device-token-mismatch",
        severity: "warning",
        message: `The gateway rejected a device token${last.deviceId ? ` of device ${shortId(last.deviceId)}` : ""} at ${clock(last.atMs)}: ${last.closeReason ?? last.text}${times}.`,
        impact:
          "That client keeps a token the gateway no longer accepts (rotated, revoked or re-paired) and fails until it reconnects with the shared gateway token or gets a fresh device token.",
        ...(last.deviceId ? { deviceId: last.deviceId } : {}),
        fix: {
          command: "openclaw devices list",
          explanation:
            "Find the device and, if it is yours, restart the client so it reconnects with the gateway token; a long-running client started before a rotation holds the old token.",
        },
      });
    } else {
      out.push({
        code: "gateway-auth-failure",
        severity: "warning",
        message: `${ours ? "The watchdog's own connection was" : "A client was"} refused by the gateway at ${clock(last.atMs)}: ${last.closeReason ?? last.text}${times}.`,
        impact: ours
          ? "The watchdog cannot see pairing events live; it keeps watching files and the log."
          : "That client cannot talk to the gateway until its token or password matches gateway.auth in openclaw.json.",
        fix: {
          command: "openclaw gateway status",
          explanation:
            "Shows which token the gateway expects and where the client's comes from; a service unit with a baked-in OPENCLAW_GATEWAY_TOKEN goes stale after a rotation (`openclaw gateway install --force` rewrites it).",
        },
      });
    }
  }
  return out;
}

function unreachableFinding(obs: readonly Observation[], ctx: ObservationContext): Finding[] {
  const conn = obs.filter(
    (o) => o.source === "connection" && (o.kind === "gateway-unreachable" || o.kind === "connection-open"),
  );
  const last = conn.at(-1);
  if (last?.kind !== "gateway-unreachable") return [];
  let since = last.atMs;
  for (let i = conn.length - 1; i >= 0 && conn[i]?.kind === "gateway-unreachable"; i--)
    since = conn[i]?.atMs ?? since;
  if (ctx.nowMs - since < ctx.unreachableAfterMs) return [];
  return [
    {
      code: "gateway-unreachable",
      severity: "warning",
      message: `The OpenClaw gateway has not been reachable since ${clock(since)}: ${last.text}.`,
      impact:
        "Nothing on this machine can use OpenClaw until the gateway runs again; pairing findings may be out of date.",
      fix: {
        command: "openclaw gateway status",
        explanation: "Shows whether the gateway service is running and why it stopped.",
      },
    },
  ];
}

/** The watchdog did not connect because the listener on the gateway's port is not this user's. */
function untrustedFinding(obs: readonly Observation[]): Finding[] {
  const last = obs
    .filter(
      (o) =>
        o.source === "connection" &&
        (o.kind === "listener-untrusted" || o.kind === "connection-open" || o.kind === "gateway-unreachable"),
    )
    .at(-1);
  if (last?.kind !== "listener-untrusted") return [];
  return [
    {
      code: "gateway-listener-untrusted",
      severity: "critical",
      message: `The watchdog did not connect at ${clock(last.atMs)}: ${last.text.replace(/^did not connect to \S+: /, "")}; the gateway token was not sent.`,
      impact:
        "A program of another user holds the gateway's port (the gateway may have crashed and been replaced): every OpenClaw client on this machine would send it the gateway token.",
      fix: {
        command: "openclaw gateway status",
        explanation:
          "Shows what listens on the gateway's port. Stop the foreign listener (find it with `ss -ltnp`), restart the gateway (openclaw gateway restart), and rotate the gateway token if any client may have connected to it.",
      },
    },
  ];
}

/** Findings from the observations of the last `windowMs` (the caller keeps the recent ones, oldest first). */
export function detectObservationFindings(
  observations: readonly Observation[],
  ctx: ObservationContext,
): Finding[] {
  const recent = observations.filter((o) => ctx.nowMs - o.atMs <= ctx.windowMs);
  return [
    ...refusalFindings(recent, ctx),
    ...authFindings(recent),
    ...unreachableFinding(observations, ctx),
    ...untrustedFinding(observations),
  ];
}
