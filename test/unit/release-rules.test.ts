// The rules per release, as real gateways showed them (the e2e matrix records each in the README's version
// table): the seed's narrowing (approvals only) with the device's own pending upgrade, on every release line.

import { describe, expect, it } from "vitest";
import { detectFindings } from "../../src/detect/findings.js";
import {
  cliApproveChurns,
  parseOpenClawVersion,
  requiredScopesForVersion,
} from "../../src/detect/version.js";
import { CLI_SCOPES, paired, pending, REF_NOW, snapshot } from "../helpers/records.js";

function seedOn(
  version: string,
  store: "files" | "sqlite" = "files",
  autoApproveLocal: boolean | null = null,
  requested: string[] = CLI_SCOPES,
) {
  const v = parseOpenClawVersion(version);
  const snap = snapshot({
    store,
    paired: [paired(["operator.approvals"])],
    pending: [pending(requested)],
  });
  const findings = detectFindings({
    nowMs: REF_NOW,
    version: v,
    store,
    snapshot: snap,
    requiredScopes: requiredScopesForVersion(v),
    autoApproveLocal,
  });
  const get = (code: string) => findings.find((f) => f.code === code);
  return { baseline: get("baseline-missing-scope"), upgrade: get("scope-upgrade-pending") };
}

describe("the seed's narrowing, release by release", () => {
  it.each([
    ["2026.4.18", "critical", "openclaw devices approve req-1", /sessions_spawn/],
    ["2026.4.20", "critical", "openclaw devices approve req-1", /sessions_spawn/],
    ["2026.4.24", "critical", "openclaw devices approve req-1", /cron/],
    ["2026.4.29", "warning", "openclaw dashboard", /CLI commands, the TUI/],
    ["2026.5.28", "warning", "openclaw dashboard", /CLI commands, the TUI/],
    ["2026.6.35", "warning", "openclaw dashboard", /CLI commands, the TUI/],
    ["2026.7.35", "warning", "openclaw devices approve req-1", /^The TUI .* from 2026\.7\.35/],
  ] as const)("%s (files): baseline-missing-scope %s, fix %s", (version, severity, command, impact) => {
    const { baseline, upgrade } = seedOn(version);
    expect(baseline?.severity).toBe(severity);
    expect(baseline?.impact).toMatch(impact);
    expect(baseline?.fix?.command).toBe(command);
    // check, status and notifications show the pending upgrade's fix from the same place
    expect(upgrade?.fix?.command).toBe(command);
  });

  it("on 2026.4.25 to 2026.7.34 the fix says why the CLI cannot approve it", () => {
    const { baseline } = seedOn("2026.5.28");
    expect(baseline?.fix?.explanation).toContain(
      '`openclaw devices approve req-1` fails on this OpenClaw ("unknown requestId")',
    );
    expect(baseline?.fix?.explanation).toContain("Control UI");
    expect(baseline?.fix?.durable).toMatch(/^Upgrade OpenClaw to 2026\.7\.35 or later/);
  });

  it("2026.8.2 approves from the CLI; 2026.9.6 wants the Control UI when the device holds more than the request", () => {
    // the TUI's request on 2026.8+: read and write, not the approvals the device already holds
    const tui = ["operator.read", "operator.write"];
    expect(seedOn("2026.8.2", "sqlite", false, tui).upgrade?.fix?.command).toBe(
      "openclaw devices approve req-1",
    );
    const on96 = seedOn("2026.9.6", "sqlite", false, tui).upgrade?.fix;
    expect(on96?.command).toBe("openclaw dashboard");
    expect(on96?.explanation).toContain('"missing scope: operator.approvals"');
  });

  it("request churn is 2026.4.25 up to, not including, 2026.7.35", () => {
    const churns = (v: string) => cliApproveChurns(parseOpenClawVersion(v));
    expect(["2026.4.24", "2026.4.25", "2026.6.35", "2026.7.34", "2026.7.35", "2026.9.6"].map(churns)).toEqual(
      [false, true, true, true, false, false],
    );
    expect(cliApproveChurns(null)).toBe(false);
  });
});
