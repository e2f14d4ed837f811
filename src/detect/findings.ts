// Detection: (pairing snapshot, version, requirements, last good state, now) -> findings. Pure.

import { approvedBaseline, localPaired, shortId } from "../common/pairing.js";
import { formatScopes, missingScopes, normalizeScopes, scopeSatisfied } from "../common/scopes.js";
import type {
  Finding,
  LastGoodState,
  PairedDevice,
  PairingSnapshot,
  PairingStore,
  PendingRequest,
  RemediationHalt,
  Severity,
  UnsafePath,
  VersionSighting,
} from "../common/types.js";
import { eraOf, impactOfNarrowBaseline, PAIRING_REQUIRED, requestFix, requestRepairFix } from "./explain.js";
import { approvalVerdict } from "./guards.js";
import { localPendingFindings, otherPendingFindings, rolesOf } from "./pending-findings.js";
import { haltFindings, unsafePathFindings } from "./safety-findings.js";
import { identityConflictFindings, migrationFindings, storeSchemaFindings } from "./store-findings.js";
import type { OpenClawVersion } from "./version.js";
import { versionMismatchFindings } from "./version-findings.js";

export interface DetectInput {
  nowMs: number;
  /** Every source that told the OpenClaw version; the running gateway's sighting decides (version is its). */
  versionsSeen?: readonly VersionSighting[];
  version: OpenClawVersion | null;
  store: PairingStore;
  snapshot: PairingSnapshot;
  /** Scopes the local device's baseline must satisfy (from the config, else by version). */
  requiredScopes: readonly string[];
  autoApproveLocal: boolean | null;
  lastGood?: LastGoodState | null;
  /** State folders that are not this user's own (sources/state/path-safety.ts). */
  unsafePaths?: readonly UnsafePath[];
  /** The kill switch the watchdog engaged itself, when it did. */
  remediationHalt?: RemediationHalt | null;
}

export interface DeviceSummary {
  deviceId: string;
  paired: boolean;
  approvedScopes: string[];
  tokenScopes: string[];
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
export function severityAtLeast(s: Severity, min: Severity): boolean {
  return SEVERITY_RANK[s] >= SEVERITY_RANK[min];
}

function operatorToken<T extends { role: string }>(tokens: readonly T[]): T | undefined {
  return tokens.find((t) => t.role === "operator");
}

export function summarizeDevice(snapshot: PairingSnapshot): DeviceSummary | null {
  const identity = snapshot.identity;
  if (!identity) return null;
  const paired = localPaired(snapshot);
  const cache = snapshot.deviceAuth?.deviceId === identity.deviceId ? snapshot.deviceAuth : null;
  const token = operatorToken(cache?.tokens ?? []) ?? operatorToken(paired?.tokens ?? []);
  return {
    deviceId: identity.deviceId,
    paired: paired !== undefined,
    approvedScopes: paired ? approvedBaseline(paired) : [],
    tokenScopes: normalizeScopes(token?.scopes ?? []),
  };
}

function timeText(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

function stateFindings(snapshot: PairingSnapshot): Finding[] {
  return snapshot.problems.map((p) => {
    const f: Finding = {
      code: "state-unreadable",
      severity: p.severity ?? "warning",
      message: `${p.file} ${p.problem}.`,
      impact:
        "The watchdog cannot see this part of OpenClaw's pairing state, so problems in it may go unreported.",
      file: p.file,
    };
    if (p.command) f.fix = { command: p.command, explanation: p.hint ?? "Shows the same state another way." };
    else if (p.hint) f.impact = `${f.impact} What to do: ${p.hint}.`;
    return f;
  });
}

function legacyDeviceAuthFinding(input: DetectInput): Finding[] {
  if (input.store !== "sqlite" || !input.snapshot.legacyDeviceAuthFile) return [];
  return [
    {
      code: "legacy-device-auth-present",
      severity: "critical",
      message: `identity/device-auth.json exists, but OpenClaw ${input.version?.raw ?? "2026.8+"} keeps device tokens in state/openclaw.sqlite.`,
      impact:
        'While the file exists every device-auth operation fails with "Legacy device auth requires migration; stop the Gateway and run `openclaw doctor --fix`."',
      file: "identity/device-auth.json",
      fix: {
        command: "openclaw gateway stop && openclaw doctor --fix && openclaw gateway start",
        explanation:
          "doctor imports the legacy file into SQLite and deletes it. If it comes back within a minute of a clean doctor --fix (openclaw#134509), a client older than the SQLite token store is still writing it (a long-running `openclaw mcp serve` started before the upgrade, or an OpenClaw macOS app older than the SQLite store): stop or update that client, then run doctor --fix again.",
      },
    },
  ];
}

function baselineFindings(
  input: DetectInput,
  paired: PairedDevice | undefined,
  localPending: PendingRequest[],
): Finding[] {
  const identity = input.snapshot.identity;
  if (!identity) return [];
  const era = eraOf(input.version);
  const out: Finding[] = [];
  if (!paired) {
    if (localPending.length > 0) return [];
    const fix = era === "sqlite" ? undefined : requestRepairFix(input.version, identity.deviceId);
    out.push({
      code: "device-not-paired",
      severity: "info",
      message: `The gateway has no pairing record for this machine's device ${shortId(identity.deviceId)}.`,
      impact:
        era === "sqlite"
          ? "Normal on 2026.8+: local CLI calls use the shared token without a device identity."
          : "The next local OpenClaw client pairs it silently with whatever scopes that client asks for; a narrow one (a status probe asks only for operator.read) leaves the device stuck with a narrow baseline.",
      deviceId: identity.deviceId,
      ...(fix ? { fix } : {}),
    });
    return out;
  }
  if (paired.publicKey !== identity.publicKey) {
    out.push({
      code: "device-identity-changed",
      severity: "critical",
      message: `The gateway's record for device ${shortId(identity.deviceId)} has a different public key than this machine's identity.`,
      impact: `Connections signed with this machine's key are treated as a new device and refused with ${PAIRING_REQUIRED}.`,
      deviceId: identity.deviceId,
      fix: {
        command: `openclaw devices remove ${identity.deviceId}`,
        explanation:
          "Removes the stale record so the device can pair again; then run `openclaw devices list` and approve the new request.",
      },
    });
    return out;
  }
  const baseline = approvedBaseline(paired);
  const roles = rolesOf(paired);
  const missing = roles.includes("operator")
    ? missingScopes(baseline, input.requiredScopes)
    : normalizeScopes(input.requiredScopes);
  if (missing.length > 0) {
    // the request to approve: one that covers what is missing and that a person may approve (approvalVerdict);
    // a covering request the guards refuse is named with why not, never offered
    const verdicts = localPending
      .filter((req) => missing.every((s) => scopeSatisfied(req.scopes, s)))
      .map((req) => approvalVerdict(req.requestId, input.snapshot, input.nowMs));
    const covering = verdicts.find((v) => v.safe) ?? verdicts[0];
    const severity: Severity =
      era === "pre-4.25"
        ? "critical"
        : era === "files" || input.autoApproveLocal === false
          ? "warning"
          : "info";
    const fix = covering
      ? requestFix(covering, input.version, baseline)
      : era === "sqlite" && input.autoApproveLocal !== false
        ? undefined
        : requestRepairFix(input.version, identity.deviceId);
    out.push({
      code: "baseline-missing-scope",
      severity,
      message:
        `The gateway approved ${formatScopes(baseline)}${roles.includes("operator") ? "" : " (no operator role)"} for this machine's device ${shortId(identity.deviceId)}; OpenClaw ${input.version?.raw ?? ""} needs ${formatScopes(missing)} too.`.replace(
          "OpenClaw  needs",
          "this OpenClaw needs",
        ),
      impact: impactOfNarrowBaseline(era, input.autoApproveLocal, input.version),
      deviceId: identity.deviceId,
      scopes: missing,
      ...(covering ? { requestId: covering.safe ? covering.request.requestId : covering.requestId } : {}),
      ...(fix ? { fix } : {}),
    });
  }
  return out;
}

function tokenDriftFindings(input: DetectInput, paired: PairedDevice | undefined): Finding[] {
  const { identity, deviceAuth } = input.snapshot;
  if (!identity || !deviceAuth) return [];
  if (deviceAuth.deviceId !== identity.deviceId) {
    return [
      {
        code: "token-scope-drift",
        severity: "info",
        message: `The cached device token (${deviceAuth.source}) belongs to device ${shortId(deviceAuth.deviceId)}, not this machine's ${shortId(identity.deviceId)}.`,
        impact: "None by itself: OpenClaw ignores the stale entry and replaces it on the next connect.",
        deviceId: identity.deviceId,
      },
    ];
  }
  const token = operatorToken(deviceAuth.tokens);
  if (!token || !paired) return [];
  const baseline = approvedBaseline(paired);
  const tokenMissing = missingScopes(token.scopes, input.requiredScopes);
  if (tokenMissing.length === 0 || missingScopes(baseline, input.requiredScopes).length > 0) return [];
  return [
    {
      code: "token-scope-drift",
      severity: "info",
      message: `The cached device token carries ${formatScopes(normalizeScopes(token.scopes))}, narrower than the approved ${formatScopes(baseline)}.`,
      impact:
        "None by itself: the cache holds the last token issued, and OpenClaw re-mints it with the scopes a client asks for, within the approved baseline. Deleting device-auth.json does not change the baseline.",
      deviceId: identity.deviceId,
      scopes: tokenMissing,
    },
  ];
}

function memoryFindings(input: DetectInput, paired: PairedDevice | undefined): Finding[] {
  const { lastGood } = input;
  const identity = input.snapshot.identity;
  if (!lastGood || !identity) return [];
  const since = timeText(lastGood.recordedAtMs);
  if (lastGood.deviceId !== identity.deviceId) {
    return [
      {
        code: "device-identity-changed",
        severity: "warning",
        message: `This machine's device identity changed from ${shortId(lastGood.deviceId)} to ${shortId(identity.deviceId)} since ${since}.`,
        impact:
          "OpenClaw regenerates identity/device.json when it is deleted or unreadable; the new device is paired silently with whatever the next local client asks for, which can be too narrow for subagents and cron.",
        deviceId: identity.deviceId,
        fix: {
          command: "openclaw devices list",
          explanation: `Shows how the new device is paired. Once nothing uses the old device, remove its record: openclaw devices remove ${lastGood.deviceId}.`,
        },
      },
    ];
  }
  // a removed record is device-not-paired (the next local client pairs it again); a regression is a narrowing
  if (!paired) return [];
  const now = approvedBaseline(paired);
  const lost = missingScopes(now, lastGood.approvedScopes);
  if (lost.length === 0) return [];
  const breaks = missingScopes(now, input.requiredScopes).length > 0;
  const f: Finding = {
    code: "scope-regression",
    severity: breaks ? "critical" : "warning",
    message: `The gateway's approved scopes for this machine's device narrowed from ${formatScopes(lastGood.approvedScopes)} to ${formatScopes(now)} (lost ${formatScopes(lost)}) since ${since}.`,
    impact: breaks
      ? impactOfNarrowBaseline(eraOf(input.version), input.autoApproveLocal, input.version)
      : "Calls that needed the lost scopes are refused with 1008 pairing required.",
    deviceId: identity.deviceId,
    scopes: lost,
  };
  f.fix = requestRepairFix(input.version, identity.deviceId);
  return [f];
}

function sortFindings(findings: Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_RANK[b.f.severity] - SEVERITY_RANK[a.f.severity] || a.i - b.i)
    .map((x) => x.f);
}

export function detectFindings(input: DetectInput): Finding[] {
  const { snapshot } = input;
  const identity = snapshot.identity;
  const paired = localPaired(snapshot);
  const mine = (r: PendingRequest) =>
    identity !== null && r.deviceId === identity.deviceId && r.publicKey === identity.publicKey;
  const localPending = snapshot.pending.filter(mine);
  const otherPending = snapshot.pending.filter((r) => !mine(r));
  const findings: Finding[] = [
    ...haltFindings(input.remediationHalt),
    ...unsafePathFindings(input.unsafePaths ?? []),
    ...stateFindings(snapshot),
    ...legacyDeviceAuthFinding(input),
    ...storeSchemaFindings(snapshot),
    ...migrationFindings(snapshot),
    ...identityConflictFindings(snapshot),
    ...versionMismatchFindings(input.versionsSeen),
  ];
  if (!input.version) {
    findings.push({
      code: "openclaw-version-unknown",
      severity: "info",
      message:
        "The OpenClaw version is unknown (no openclaw.bin, no `openclaw` on PATH, no meta.lastTouchedVersion in openclaw.json, no gateway service, process or global install that tells it); using the rules of 2026.4.25 to 2026.7.x.",
      impact: "Which scopes are required depends on the version (operator.admin before 2026.4.25).",
      fix: {
        command: "scope-watchdog config validate",
        explanation:
          "Set openclaw.bin in the watchdog's config to the openclaw executable (or put it on PATH), or set requiredScopes.",
      },
    });
  }
  if (identity?.storedDeviceId && identity.storedDeviceId !== identity.deviceId) {
    findings.push({
      code: "device-identity-changed",
      severity: "warning",
      message: `${identity.source} says deviceId ${shortId(identity.storedDeviceId)}, but its public key gives ${shortId(identity.deviceId)}.`,
      impact:
        "OpenClaw rewrites the id from the key on its next start, so the gateway will see the device under the derived id.",
      deviceId: identity.deviceId,
    });
  }
  findings.push(
    ...memoryFindings(input, paired),
    ...baselineFindings(input, paired, localPending),
    ...localPendingFindings(input, localPending, paired),
    ...tokenDriftFindings(input, paired),
    ...otherPendingFindings(input, otherPending),
  );
  return sortFindings(findings);
}

export function isHealthy(findings: readonly Finding[]): boolean {
  return !findings.some((f) => severityAtLeast(f.severity, "warning"));
}
