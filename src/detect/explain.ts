// Version-dependent explanations: what breaks while the local device lacks scopes, and how to fix it. Pure.

import { shortId } from "../common/pairing.js";
import { formatScopes, missingScopes, normalizeScopes, OPERATOR_PAIRING } from "../common/scopes.js";
import type { Fix } from "../common/types.js";
import { type ApprovalVerdict, SAFE_REQUEST_ID } from "./guards.js";
import {
  APPROVER_NEEDS_BASELINE_SINCE,
  BACKEND_DEVICELESS_SINCE,
  CLI_DEVICELESS_SINCE,
  CLI_LEAST_PRIVILEGE_SINCE,
  cliApproveChurns,
  isBefore,
  type OpenClawVersion,
  SQLITE_STORE_SINCE,
} from "./version.js";

export const PAIRING_REQUIRED = '"gateway closed (1008): pairing required"';

export type Era = "pre-4.25" | "files" | "sqlite";

export function eraOf(version: OpenClawVersion | null): Era {
  if (!version) return "files";
  if (isBefore(version, BACKEND_DEVICELESS_SINCE)) return "pre-4.25";
  return isBefore(version, SQLITE_STORE_SINCE) ? "files" : "sqlite";
}

/** What fails while the local device's approved baseline lacks scopes (as seen on each release's real gateway). */
export function impactOfNarrowBaseline(
  era: Era,
  autoApproveLocal: boolean | null,
  version: OpenClawVersion | null = null,
): string {
  switch (era) {
    case "pre-4.25":
      return `Subagent spawns (sessions_spawn), cron isolated sessions, the cron tool and CLI calls fail with ${PAIRING_REQUIRED}: on this OpenClaw they sign with this device and need operator.admin.`;
    case "files":
      return version && !isBefore(version, CLI_DEVICELESS_SINCE)
        ? `The TUI and other clients that sign with this device fail with ${PAIRING_REQUIRED}; the CLI, subagents and cron connect without it on loopback from 2026.7.35.`
        : `CLI commands, the TUI, status probes and the exec-approval handler fail with ${PAIRING_REQUIRED} (subagents and cron no longer use this device from 2026.4.25).`;
    case "sqlite":
      return autoApproveLocal === false
        ? `Local clients are refused with ${PAIRING_REQUIRED} until you approve them, because gateway.nodes.pairing.autoApproveLocal is false.`
        : "Local clients using the shared token are re-approved silently on their next connect (gateway.nodes.pairing.autoApproveLocal); clients that connect with a device token only still fail with 1008 until approved.";
  }
}

export const DURABLE_UPGRADE =
  "Upgrade OpenClaw to 2026.4.25 or later (npm install -g openclaw@latest): from that release subagents and cron call the gateway without the shared device identity, so a narrow pairing can no longer break them (openclaw#63548).";

export function durableFixFor(version: OpenClawVersion | null): string | undefined {
  return version && isBefore(version, BACKEND_DEVICELESS_SINCE) ? DURABLE_UPGRADE : undefined;
}

/**
 * The fix for a pending request of this machine's device, the one that works on that release. On 2026.4.25 to
 * 2026.7.34 the CLI's own refused connect replaces the request (Control UI instead). On OpenClaw 2026.9+ `openclaw devices approve`
 * connects with only the requested scopes (plus operator.pairing) but the gateway wants the approver to hold
 * the device's whole merged baseline, so approving from the CLI is refused ("missing scope: …") whenever
 * the device already has a scope the request does not imply; the Control UI can still approve it.
 */
export function approveFix(
  requestId: string,
  scopes: readonly string[],
  version: OpenClawVersion | null,
  baseline: readonly string[] = [],
): Fix {
  const uncovered = missingScopes([...scopes, OPERATOR_PAIRING], baseline);
  if (cliApproveChurns(version)) {
    return {
      command: "openclaw dashboard",
      explanation: `Opens the Control UI with your gateway token; approve request ${requestId} of this machine's device under Devices (the Control UI is its own device, so it can). \`openclaw devices approve ${requestId}\` fails on this OpenClaw ("unknown requestId"): the CLI connects as this same narrowed device, the gateway refuses it and replaces the pending request with a new id before the approval runs. Approve within 5 minutes, before the request expires.`,
      durable:
        "Upgrade OpenClaw to 2026.7.35 or later (npm install -g openclaw@latest): from that release the CLI connects without this device on loopback, so a narrowed device breaks only the TUI and `openclaw devices approve` works again.",
    };
  }
  if (version && !isBefore(version, APPROVER_NEEDS_BASELINE_SINCE) && uncovered.length > 0) {
    return {
      command: "openclaw dashboard",
      explanation: `Opens the Control UI with your gateway token; approve request ${requestId} of this machine's device under Devices. \`openclaw devices approve ${requestId}\` is refused on this OpenClaw ("missing scope: ${uncovered[0]}"): its CLI asks only for the requested scopes, while the gateway wants the approver to also hold what the device already has (${formatScopes(baseline)}).`,
    };
  }
  const fix: Fix = {
    command: `openclaw devices approve ${requestId}`,
    explanation: `Approves this machine's own pending request (same device id and public key as its identity), which grants ${scopes.join(", ") || "the requested access"}. Request ids change when another local client reconnects: if it answers "unknown requestId", run \`openclaw devices list\` and approve the new id for the same device.`,
  };
  const durable = durableFixFor(version);
  if (durable) fix.durable = durable;
  return fix;
}

/**
 * The fix a person is shown for one pending request: `openclaw devices approve <id>` only when the guards allow
 * it (approvalVerdict), else why not, not to approve it, and how to review or reject it.
 */
export function requestFix(
  verdict: ApprovalVerdict,
  version: OpenClawVersion | null,
  baseline: readonly string[] = [],
): Fix {
  if (verdict.safe)
    return approveFix(verdict.request.requestId, normalizeScopes(verdict.request.scopes), version, baseline);
  return refusedRequestFix(verdict);
}

/** Why a request must not be approved, and the commands to review or reject it instead. */
export function refusedRequestFix(v: Extract<ApprovalVerdict, { safe: false }>): Fix {
  const rejectable = v.request !== null && SAFE_REQUEST_ID.test(v.requestId);
  return rejectable
    ? {
        command: `openclaw devices reject ${v.requestId}`,
        explanation: `Do not approve request ${v.requestId}: ${v.refusals.map((r) => r.reason).join("; ")}. Review it with \`openclaw devices list\`; if you did not start it yourself, reject it with the command above.`,
      }
    : {
        command: "openclaw devices list",
        explanation: `Do not approve request ${v.requestId}: ${v.refusals.map((r) => r.reason).join("; ")}. \`openclaw devices list\` shows what is pending now; \`scope-watchdog check\` offers an approve command only for a request it has checked.`,
      };
}

/** How to get a pending request created for the local device when none exists yet. */
export function requestRepairFix(version: OpenClawVersion | null, deviceId: string): Fix {
  const cliAsksForAll = !version || isBefore(version, CLI_LEAST_PRIVILEGE_SINCE);
  const approveHow = cliApproveChurns(version)
    ? 'approve it in the Control UI (`openclaw dashboard`, Devices): `openclaw devices approve` fails on this OpenClaw with "unknown requestId"'
    : "approve it with openclaw devices approve <requestId>";
  const fix: Fix = cliAsksForAll
    ? {
        command: "openclaw devices list",
        explanation: `On this OpenClaw the CLI connects with its full scope set, so the gateway records a scope-upgrade request for this device (${shortId(deviceId)}) and the command lists it. Approve that request within 5 minutes: ${cliApproveChurns(version) ? "in the Control UI (`openclaw dashboard`, Devices)" : "openclaw devices approve <requestId>"}.`,
      }
    : {
        command: "openclaw devices list",
        explanation: `Shows the pairing records. The next OpenClaw client on this machine that needs more scope creates a request for this device (${shortId(deviceId)}); ${approveHow}.`,
      };
  const durable = durableFixFor(version);
  if (durable) fix.durable = durable;
  return fix;
}
