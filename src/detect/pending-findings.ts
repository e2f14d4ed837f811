// Findings about pending pairing requests: the local device's own (a new pairing, a scope, role or metadata
// upgrade) with the fix the approval verdict allows, and every other device's as one finding. Pure.

import { approvedBaseline, pendingExpiresInMs, shortId } from "../common/pairing.js";
import {
  formatScopes,
  missingScopes,
  normalizeScopes,
  OPERATOR_ADMIN,
  OPERATOR_PAIRING,
} from "../common/scopes.js";
import type { Finding, PairedDevice, PendingRequest } from "../common/types.js";
import { PAIRING_REQUIRED, refusedRequestFix, requestFix } from "./explain.js";
import type { DetectInput } from "./findings.js";
import { approvalVerdict } from "./guards.js";

export function rolesOf(x: { role?: string; roles: string[] }): string[] {
  return [...new Set([...(x.roles ?? []), ...(x.role ? [x.role] : [])])];
}

export function ageText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 90 ? `${s}s` : `${Math.floor(s / 60)}m`;
}

/** What a pending request for the local device is asking for, relative to the paired record. */
function requirementOf(
  req: PendingRequest,
  paired: PairedDevice | undefined,
): "new-pairing" | "role-upgrade" | "metadata-upgrade" | "scope-upgrade" | "re-approval" {
  if (!paired) return "new-pairing";
  const have = rolesOf(paired);
  if (rolesOf(req).some((r) => !have.includes(r))) return "role-upgrade";
  if (
    (req.platform && paired.platform && req.platform !== paired.platform) ||
    (req.deviceFamily && paired.deviceFamily && req.deviceFamily !== paired.deviceFamily)
  ) {
    return "metadata-upgrade";
  }
  return missingScopes(approvedBaseline(paired), req.scopes).length > 0 ? "scope-upgrade" : "re-approval";
}

export function localPendingFindings(
  input: DetectInput,
  requests: PendingRequest[],
  paired: PairedDevice | undefined,
): Finding[] {
  const out: Finding[] = [];
  for (const req of requests) {
    const kind = requirementOf(req, paired);
    const age = input.nowMs - req.ts;
    const left = pendingExpiresInMs(req, input.nowMs);
    const when = `${ageText(age)} old, expires in ${ageText(left)}`;
    const base: Pick<Finding, "deviceId" | "requestId" | "scopes" | "fix"> = {
      deviceId: req.deviceId,
      requestId: req.requestId,
      scopes: normalizeScopes(req.scopes),
      fix: requestFix(
        approvalVerdict(req.requestId, input.snapshot, input.nowMs),
        input.version,
        paired ? approvedBaseline(paired) : [],
      ),
    };
    if (kind === "new-pairing") {
      out.push({
        code: "device-not-paired",
        severity: "warning",
        message: `This machine's device ${shortId(req.deviceId)} is not paired; its pairing request ${req.requestId} (${when}) asks for ${formatScopes(req.scopes)}.`,
        impact: `Every OpenClaw client on this machine that signs with the device is refused with ${PAIRING_REQUIRED} until the request is approved.`,
        ...base,
      });
      continue;
    }
    const what =
      kind === "role-upgrade"
        ? `a higher role (${rolesOf(req).join(", ")})`
        : kind === "metadata-upgrade"
          ? `re-approval after its platform changed (${paired?.platform ?? "?"} -> ${req.platform ?? "?"})`
          : `${formatScopes(missingScopes(paired ? approvedBaseline(paired) : [], req.scopes))} on top of its approved ${formatScopes(paired ? approvedBaseline(paired) : [])}`;
    out.push({
      code: "scope-upgrade-pending",
      severity: "warning",
      message: `This machine's device ${shortId(req.deviceId)} asks for ${what}: request ${req.requestId} (${when}).`,
      impact: `Until it is approved the gateway refuses the calls that need it with ${PAIRING_REQUIRED}; the request expires after 5 minutes and the next refused call makes a new one.`,
      ...base,
    });
  }
  return out;
}

/** How many other devices' requests a finding names; the rest are counted. */
const OTHER_REQUESTS_NAMED = 5;

function describeOther(req: PendingRequest): string {
  const who = [
    req.displayName,
    req.clientId && `client ${req.clientId}${req.clientMode ? `/${req.clientMode}` : ""}`,
    req.remoteIp && `from ${req.remoteIp}`,
  ]
    .filter(Boolean)
    .join(", ");
  const roles = rolesOf(req);
  return `request ${req.requestId} of device ${shortId(req.deviceId)}${who ? ` (${who})` : ""} for ${formatScopes(req.scopes)}${roles.length ? ` as ${roles.join(", ")}` : ""}`;
}

/**
 * Every other device's pending request as one finding (one incident however many arrive: a flood of requests
 * stays one notification). The watchdog never approves them and never tells anyone to.
 */
export function otherPendingFindings(input: DetectInput, requests: PendingRequest[]): Finding[] {
  const first = requests[0];
  if (!first) return [];
  const identity = input.snapshot.identity;
  const impersonating = requests.filter((r) => identity !== null && r.deviceId === identity.deviceId);
  const powerful = requests.some(
    (r) =>
      r.scopes.some((s) => s === OPERATOR_ADMIN || s === OPERATOR_PAIRING) ||
      rolesOf(r).some((role) => role !== "operator"),
  );
  const named = requests.slice(0, OTHER_REQUESTS_NAMED).map(describeOther);
  const more = requests.length - named.length;
  const single = requests.length === 1;
  // another device's request never passes approvalVerdict (the own-device guard): this is always its "why not"
  const refusedFix = (id: string) => {
    const v = approvalVerdict(id, input.snapshot, input.nowMs);
    return v.safe
      ? { command: "openclaw devices list", explanation: "Review it before approving." }
      : refusedRequestFix(v);
  };
  const message = single
    ? impersonating.length > 0
      ? `A pairing request ${first.requestId} claims this machine's device id with a different public key.`
      : `Another device asks to pair: ${named[0]}.`
    : `${requests.length} pairing requests from other devices: ${named.join("; ")}${more > 0 ? `; and ${more} more` : ""}.${impersonating.length > 0 ? ` ${impersonating.length} of them claim this machine's device id with a different key.` : ""}`;
  const f: Finding = {
    code: "pairing-request-other-device",
    severity: impersonating.length > 0 || powerful ? "warning" : "info",
    message,
    impact:
      impersonating.length > 0
        ? "A request with this machine's device id and another key is not this machine: do not approve it. The watchdog never approves other devices."
        : "The watchdog never approves other devices, and nothing here vouches for them: do not approve a request you did not start yourself.",
    fix: single
      ? refusedFix(first.requestId)
      : {
          command: "openclaw devices list",
          explanation:
            "Do not approve these from here: they are not this machine's device. Review them; reject each one you did not start with openclaw devices reject <requestId>.",
        },
  };
  if (single) {
    f.deviceId = first.deviceId;
    f.requestId = first.requestId;
    f.scopes = normalizeScopes(first.scopes);
  }
  return [f];
}
