// Remediation policy: (pairing state, policy config, history, now) -> decisions as data. Pure: the guards of
// DESIGN §5 (detect/guards.ts) decide each request, the bounds and fail-closed rules (remediate-bounds.ts) what
// may run at all, and the interpreter (src/actions/remediate/) re-runs the guards on every request it is about
// to approve.

import { approvedBaseline, localPaired, pendingExpiresInMs, rolesOf, shortId } from "../common/pairing.js";
import { CLI_DEFAULT_SCOPES_2026_4, formatScopes, missingScopes, normalizeScopes } from "../common/scopes.js";
import type { PairedDevice, PairingSnapshot, PendingRequest } from "../common/types.js";
import { refusedRequestFix } from "../detect/explain.js";
import { approvalVerdict, checkRequest, type GuardContext, type Refusal } from "../detect/guards.js";
import { CLI_LEAST_PRIVILEGE_SINCE, cliApproveChurns, isBefore } from "../detect/version.js";
import { type BlockInput, backoffWait, blockedBy } from "./remediate-bounds.js";

export type RemediationAction = "approve" | "request-repair" | "notify" | "skip";

/** One thing the policy wants done (or deliberately not done), with the reasons a user reads. */
export interface Decision {
  action: RemediationAction;
  requestId?: string;
  deviceId?: string;
  /** approve: what the request asks for; request-repair: what OpenClaw is expected to request. */
  scopes?: string[];
  reasons: string[];
  /** The command a person can run instead (notify, skip). */
  command?: string;
}

export interface RemediationInput extends BlockInput {
  snapshot: PairingSnapshot;
  requiredScopes: readonly string[];
}

/** The scopes the 2026.4.x CLI connects with (CLI_DEFAULT_OPERATOR_SCOPES) until 2026.4.27. */
export const CLI_DEFAULT_SCOPES = normalizeScopes(CLI_DEFAULT_SCOPES_2026_4);

/** Scopes the local device still lacks (all of them when its record has no operator role). */
export function missingForDevice(paired: PairedDevice | undefined, required: readonly string[]): string[] {
  if (!paired) return normalizeScopes(required);
  return rolesOf(paired).includes("operator")
    ? missingScopes(approvedBaseline(paired), required)
    : normalizeScopes(required);
}

/** How many other devices' requests a decision names; the rest are counted (a flood stays one small entry). */
const OTHER_REQUESTS_NAMED = 5;

/** Every other device's request in one decision: the watchdog never approves them, and never lists them all. */
function otherDevicesDecision(requests: readonly PendingRequest[], input: RemediationInput): Decision {
  const named = requests.slice(0, OTHER_REQUESTS_NAMED).map((req) => {
    const who = [req.clientId && `client ${req.clientId}`, req.remoteIp && `from ${req.remoteIp}`]
      .filter(Boolean)
      .join(", ");
    return `${req.requestId} (device ${shortId(req.deviceId)}${who ? `, ${who}` : ""})`;
  });
  const more = requests.length - named.length;
  const only = requests.length === 1 ? requests[0] : undefined;
  return {
    action: "skip",
    ...(only
      ? { requestId: only.requestId, deviceId: only.deviceId, scopes: normalizeScopes(only.scopes) }
      : {}),
    reasons: [
      `${requests.length === 1 ? "A request is" : `${requests.length} requests are`} for other devices: ${named.join("; ")}${more > 0 ? `; and ${more} more` : ""}. The watchdog never approves other devices.`,
      "Do not approve them from here: nothing vouches for them. If you did not start pairing a device yourself, reject its request.",
    ],
    command: only ? commandFor(only, input) : "openclaw devices list",
  };
}

/** The command a person is shown for a request: approve only when approvalVerdict allows it, else review or reject. */
function commandFor(req: PendingRequest, input: Pick<RemediationInput, "snapshot" | "nowMs">): string {
  const v = approvalVerdict(req.requestId, input.snapshot, input.nowMs);
  return v.safe ? `openclaw devices approve ${req.requestId}` : refusedRequestFix(v).command;
}

/** What to do about the local device's pairing: one decision per pending request and per problem. */
export function decideRemediation(input: RemediationInput): Decision[] {
  const { snapshot } = input;
  const identity = snapshot.identity;
  const local = (r: PendingRequest) => identity !== null && r.deviceId === identity.deviceId;
  const others = snapshot.pending.filter((r) => !local(r));
  const decisions: Decision[] = others.length > 0 ? [otherDevicesDecision(others, input)] : [];
  if (!identity) return decisions;
  const deviceId = identity.deviceId;
  const paired = localPaired(snapshot);
  const requests = snapshot.pending.filter(local).sort((a, b) => b.ts - a.ts);
  if (paired && paired.publicKey !== identity.publicKey) {
    decisions.push({
      action: "notify",
      deviceId,
      reasons: [
        `The gateway's record for device ${shortId(deviceId)} has a different public key than this machine's identity; the watchdog never removes or re-pairs a device.`,
        "Check which process owns the other key before removing the record yourself.",
      ],
      command: `openclaw devices remove ${deviceId}`,
    });
    for (const r of requests)
      decisions.push(refusedDecision(r, checkRequest(r, guardContext(input, paired)), input));
    return decisions;
  }
  const missing = paired ? missingForDevice(paired, input.requiredScopes) : [];
  if (missing.length === 0 && requests.length === 0) return decisions;
  const notify = (reasons: string[], command?: string, req?: PendingRequest): Decision => ({
    action: "notify",
    deviceId,
    ...(req ? { requestId: req.requestId, scopes: normalizeScopes(req.scopes) } : { scopes: missing }),
    reasons,
    ...(command ? { command } : {}),
  });
  const what = missing.length
    ? `This machine's device ${shortId(deviceId)} lacks ${formatScopes(missing)}.`
    : `This machine's device ${shortId(deviceId)} has a pending request.`;

  const ctx = guardContext(input, paired);
  const blocked = blockedBy(input, deviceId, missing.length > 0);
  const wait = blocked ? null : backoffWait(input, deviceId);
  if (blocked || wait) {
    // Nothing runs now; tell the user what they could run themselves, never an approve of a hostile request.
    const why = blocked ?? [wait ?? ""];
    if (requests.length === 0)
      return [
        ...decisions,
        { ...notify([what, ...why], "openclaw devices list"), action: blocked ? "notify" : "skip" },
      ];
    for (const req of requests) {
      const verdict = approvalVerdict(req.requestId, snapshot, input.nowMs);
      decisions.push(
        verdict.safe
          ? { ...notify([what, ...why], commandFor(req, input), req), action: blocked ? "notify" : "skip" }
          : refusedDecision(req, verdict.refusals, input),
      );
    }
    return decisions;
  }

  let chosen = false;
  for (const req of requests) {
    const refusals = checkRequest(req, ctx);
    if (refusals.length > 0) {
      decisions.push(refusedDecision(req, refusals, input));
    } else if (chosen) {
      decisions.push({
        action: "skip",
        requestId: req.requestId,
        deviceId,
        reasons: ["A newer request for the same device is approved instead; OpenClaw merges them."],
      });
    } else if (cliApproveChurns(input.version)) {
      // 2026.4.25 to 2026.7.34: `openclaw devices approve` fails for this device's own request (the CLI's own
      // refused connect replaces it with a new id first, seen on real 4.29, 5.28 and 6.35 gateways)
      chosen = true;
      decisions.push({
        action: "notify",
        requestId: req.requestId,
        deviceId,
        scopes: normalizeScopes(req.scopes),
        reasons: [
          `This machine's device ${shortId(deviceId)} has its own request ${req.requestId} pending, and it passes every guard.`,
          `On OpenClaw ${input.version?.raw ?? ""} \`openclaw devices approve\` fails for it ("unknown requestId": the CLI connects as this same device, is refused, and the gateway replaces the request), so the watchdog does not try; approve it in the Control UI (openclaw dashboard, Devices).`,
        ],
        command: "openclaw dashboard",
      });
    } else {
      chosen = true;
      decisions.push(approveDecision(req, paired, missing, ctx));
    }
  }
  if (chosen || requests.length > 0 || missing.length === 0) return decisions;
  decisions.push(repairOrNotify(input, deviceId, missing, what));
  return decisions;
}

function guardContext(input: RemediationInput, paired: PairedDevice | undefined): GuardContext {
  return {
    nowMs: input.nowMs,
    identity: input.snapshot.identity,
    paired,
    allowScopes: input.config.allowScopes,
    expiryMarginMs: input.config.expiryMargin,
  };
}

function refusedDecision(req: PendingRequest, refusals: Refusal[], input: RemediationInput): Decision {
  // Only too close to expiry: the next refused call creates a fresh request, and the next pass takes that.
  const onlyExpiry = refusals.every((r) => r.guard === "expiry");
  const command = commandFor(req, input);
  return {
    action: onlyExpiry ? "skip" : "notify",
    requestId: req.requestId,
    deviceId: req.deviceId,
    scopes: normalizeScopes(req.scopes),
    reasons: [
      `Request ${req.requestId} is not approved automatically: ${refusals.map((r) => r.reason).join("; ")}.`,
      onlyExpiry
        ? "The next refused connection creates a fresh request; the watchdog takes that one."
        : command.startsWith("openclaw devices approve ")
          ? "It passes every guard but remediation.allowScopes: approve it yourself if you want it to have those scopes."
          : "Do not approve it: review it, and reject it if you did not start it yourself.",
    ],
    command,
  };
}

function approveDecision(
  req: PendingRequest,
  paired: PairedDevice | undefined,
  missing: string[],
  ctx: GuardContext,
): Decision {
  const baseline = paired ? approvedBaseline(paired) : [];
  return {
    action: "approve",
    requestId: req.requestId,
    deviceId: req.deviceId,
    scopes: normalizeScopes(req.scopes),
    reasons: [
      missing.length
        ? `This machine's device ${shortId(req.deviceId)} lacks ${formatScopes(missing)}; its own request ${req.requestId} asks for ${formatScopes(normalizeScopes(req.scopes))} on top of ${formatScopes(baseline)}.`
        : `This machine's device ${shortId(req.deviceId)} asks for ${formatScopes(missingScopes(baseline, req.scopes))} on top of ${formatScopes(baseline)} (request ${req.requestId}).`,
      `Same device id and public key as this machine's identity, ${req.remoteIp ? `from ${req.remoteIp}` : "local"}, client ${req.clientId ?? "?"}, role operator, every scope within remediation.allowScopes, expires in ${Math.round(pendingExpiresInMs(req, ctx.nowMs) / 1000)}s.`,
    ],
  };
}

/**
 * Policy repair with no pending request. Of the triggers in reference §8.3, §13.3 and §13.4 this uses the one
 * with the fewest side effects: a single `openclaw devices list --json`. Before 2026.4.27 the CLI connects with
 * its whole default scope set, so its own refused connect records exactly one scope-upgrade request for this
 * device and the same command lists it (checked on a real 2026.4.20 gateway: CLI scopes, client cli/cli,
 * isRepair, exit 0 through the local fallback). It writes no OpenClaw file itself, mints and rotates no token (a
 * refused connect gets none), removes nothing, and asks only for what a person's own CLI asks for. Not used:
 * `devices remove` (the next narrow client re-pairs silently; remove has no fallback), connecting with the
 * device identity ourselves (re-mints the operator token and breaks other clients' cached tokens),
 * `gateway call health` (same request plus an RPC), posing as gateway-client/backend (an internal trust path,
 * openclaw#72418), editing paired.json (races the gateway). From 2026.4.27 the CLI asks for least privilege, so
 * no honest trigger exists and the watchdog notifies.
 */
function repairOrNotify(
  input: RemediationInput,
  deviceId: string,
  missing: string[],
  what: string,
): Decision {
  const base = { deviceId, scopes: missing };
  if (input.config.policy !== "repair")
    return {
      action: "notify",
      ...base,
      reasons: [
        what,
        "There is no pending request to approve, and remediation.policy approve-local never creates one.",
        "Run `openclaw devices list`: on 2026.4.x its own connect creates the request; then approve it, or set remediation.policy to repair.",
      ],
      command: "openclaw devices list",
    };
  const version = input.version;
  if (!version || !isBefore(version, CLI_LEAST_PRIVILEGE_SINCE))
    return {
      action: "notify",
      ...base,
      reasons: [
        what,
        `From 2026.4.27 the CLI asks only for the scopes each command needs, so the watchdog cannot make OpenClaw request ${formatScopes(missing)} without impersonating another client, which it never does.`,
        "Run the client that needs the scopes once, then approve its request with openclaw devices approve <requestId>.",
      ],
      command: "openclaw devices list",
    };
  const outside = CLI_DEFAULT_SCOPES.filter((s) => !input.config.allowScopes.includes(s));
  if (outside.length > 0)
    return {
      action: "notify",
      ...base,
      reasons: [
        what,
        `A re-pair request from this OpenClaw's CLI asks for ${formatScopes(CLI_DEFAULT_SCOPES)}; ${formatScopes(outside)} ${outside.length === 1 ? "is" : "are"} outside remediation.allowScopes, so the watchdog would have to refuse it.`,
      ],
      command: "openclaw devices list",
    };
  return {
    action: "request-repair",
    deviceId,
    scopes: CLI_DEFAULT_SCOPES,
    reasons: [
      what,
      `No pending request exists; one \`openclaw devices list --json\` makes OpenClaw ${version.raw} record a scope-upgrade request for this device with the CLI's default scopes (${formatScopes(CLI_DEFAULT_SCOPES)}), which is then approved under the same guards.`,
    ],
  };
}
