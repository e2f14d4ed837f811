// The release matrix's focused scenario, one gateway per release shared by its tests (test/e2e/release-*.e2e.test.ts):
// the seed's narrowing with real clients, what it breaks, the daemon seeing it from events, `check --json` and its
// fix, run for real, after which the subagent-shaped and TUI calls succeed. Every observation is asserted against
// the release's row in harness/releases.ts, which the README's version table is rendered from.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { expectLoopbackOnly } from "./assertions.js";
import {
  approveAsControlUi,
  probeBreaks,
  refused,
  releaseSubagentCall,
  sqliteUserVersion,
  tuiCall,
} from "./clients.js";
import { startWatchdogDaemon } from "./daemon.js";
import type { DeviceIdentity } from "./device-identity.js";
import { baselineOf } from "./devices.js";
import { expectNoSecrets, knownSecrets, useFileGateway } from "./fixture.js";
import type { Gateway } from "./gateway.js";
import { compareReleases, type OpenClawVersion, PROJECT_ROOT } from "./paths.js";
import { hasAutoApproveLocal, releaseFacts, storeOf, versionTableRow } from "./releases.js";
import {
  cliDefaultScopes,
  connectLocalClient,
  listDevices,
  removeDevice,
  requireLocalIdentity,
  setGatewayConfig,
} from "./scenarios.js";
import { checkAsService, checkGateway, type Finding, problems } from "./watchdog.js";

/** A reconcile schedule that cannot fire during a test: whatever the daemon finds, it found from events. */
const NEVER = { reconcile: { schedule: "0 0 1 1 *" } };
const APPROVALS_ONLY = ["operator.approvals"];

/** The close reason's text before " (requestId: ...)" (the id itself is cut at 120 bytes). */
const reasonText = (reason: string): string => reason.split(" (requestId: ")[0] ?? reason;

/**
 * Pair the local device with everything its clients ask for, the way the release's own clients do: the CLI
 * (`devices list`) where it pairs with all its scopes, else a local `cli` client asking for the CLI's scopes
 * (after removing a least-privilege CLI pairing). Returns the identity and how the release's CLI paired.
 */
async function pairWithEverything(gateway: Gateway): Promise<{ identity: DeviceIdentity; cliPairs: string }> {
  const { list } = await listDevices(gateway);
  const identity = await requireLocalIdentity(gateway);
  const byCli = list.paired.find((d) => d.deviceId === identity.deviceId);
  const all = cliDefaultScopes(gateway.version);
  const cliPairs = !byCli
    ? "no (device-less on loopback)"
    : all.every((s) => baselineOf(byCli).includes(s))
      ? "all CLI scopes"
      : "least privilege";
  if (cliPairs !== "all CLI scopes") {
    if (byCli) await removeDevice(gateway, identity.deviceId);
    const paired = await connectLocalClient(gateway, identity, all);
    expect(paired.hello?.scopes.toSorted(), "the first local pairing is silent with what it asks").toEqual(
      all.toSorted(),
    );
  }
  return { identity, cliPairs };
}

/** The README's version table rows (between the table header and the next blank line). */
function readmeVersionRows(): string[] {
  const readme = readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
  return readme.split("\n").filter((line) => /^\| 2026\.\d+\.\d+ \|/.test(line));
}

export function describeReleaseMatrix(version: OpenClawVersion): void {
  const facts = releaseFacts(version);
  describe(`OpenClaw ${version}: release matrix`, () => {
    const gateway = useFileGateway({ version });
    let identity: DeviceIdentity | null = null;
    let upgradeFix: Finding["fix"];
    const local = (): DeviceIdentity => {
      if (!identity) throw new Error("the narrowing test did not run");
      return identity;
    };

    it("the seed's narrowing with real clients: what it breaks, the 1008 reason, the daemon sees it from events", async () => {
      const g = gateway();
      expectLoopbackOnly(g);
      expect(await sqliteUserVersion(g), "state/openclaw.sqlite at gateway start").toBe(facts.sqliteAtStart);
      const paired = await pairWithEverything(g);
      identity = paired.identity;
      expect(paired.cliPairs).toBe(facts.cliPairs);

      const daemon = await startWatchdogDaemon(g, NEVER);
      await daemon.waitFor((r) => r.msg === "recorded the local device's pairing as the last good state");
      await daemon.waitFor((r) => r.msg === "watching OpenClaw");

      // the seed: the record is removed and an approvals-only client with the same identity re-pairs first
      await removeDevice(g, local().deviceId);
      const narrow = await connectLocalClient(g, local(), APPROVALS_ONLY);
      expect(narrow.hello?.scopes).toEqual(APPROVALS_ONLY);
      expect(narrow.hello?.serverVersion).toBe(version);
      const regression = await daemon.waitFor((r) => r.code === "scope-regression", 60_000);
      expect(regression.deviceId).toBe(local().deviceId);
      // 2026.8.1+ approves local scope upgrades silently unless autoApproveLocal is off
      if (hasAutoApproveLocal(version)) {
        await setGatewayConfig(g, "gateway.nodes.pairing.autoApproveLocal", "false");
      }

      const probe = await probeBreaks(g, local());
      expect(probe.breaks).toEqual(facts.breaks);
      expect(probe.refusals.length).toBeGreaterThan(0);
      for (const outcome of probe.refusals) {
        expect(reasonText(outcome.close?.reason ?? "")).toBe(facts.closeReason);
        expect(outcome.connectError?.frame.details).toMatchObject({
          code: "PAIRING_REQUIRED",
          reason: "scope-upgrade",
        });
        // 2026.3.x's error frame names neither the device nor its approved scopes
        if (compareReleases(version, "2026.4.0") >= 0) {
          expect(outcome.connectError?.frame.details).toMatchObject({
            deviceId: local().deviceId,
            approvedScopes: APPROVALS_ONLY,
          });
        }
      }
      const pending = await daemon.waitFor(
        (r) => r.code === "scope-upgrade-pending" && r.deviceId === local().deviceId,
        60_000,
      );
      expect(typeof pending.requestId).toBe("string");
      // found from file, log or connection events: the reconcile schedule never fired
      expect(daemon.records.some((r) => r.trigger === "reconcile")).toBe(false);
      expect(await daemon.stop()).toBe(0);
      expectNoSecrets(daemon.output(), knownSecrets(g));
    });

    it("check --json reports the narrowed baseline, the pending upgrade and a fix, with and without openclaw on PATH", async () => {
      const g = gateway();
      const { list } = await listDevices(g);
      const pending = list.pending.filter((p) => p.deviceId === local().deviceId);
      expect(pending).toHaveLength(1);
      const requestId = pending[0]?.requestId ?? "";
      const { result, report } = await checkGateway(g);
      upgradeFix = report.findings.find((f) => f.code === "scope-upgrade-pending")?.fix;
      expect(pending[0]?.scopes.toSorted()).toEqual(facts.requested);

      expect(result.code).toBe(1);
      expect(report.openclaw).toMatchObject({ version, stateDir: g.stateDir, store: storeOf(version) });
      expect(report.device).toMatchObject({ deviceId: local().deviceId, approvedScopes: APPROVALS_ONLY });
      const codes = problems(report).map((f) => f.code);
      expect(codes).toEqual(expect.arrayContaining(["baseline-missing-scope", "scope-upgrade-pending"]));
      const upgrade = report.findings.find((f) => f.code === "scope-upgrade-pending");
      expect(upgrade).toMatchObject({ deviceId: local().deviceId, requestId });
      expect(upgrade?.fix?.command).toBeTruthy();

      // run as a service: no `openclaw` on PATH and no openclaw.bin in the config
      const service = await checkAsService(g);
      expect(service.report.openclaw.store).toBe(storeOf(version));
      expect(service.report.device).toMatchObject({
        deviceId: local().deviceId,
        approvedScopes: APPROVALS_ONLY,
      });
      expect(service.report.findings.map((f) => f.code)).toContain("baseline-missing-scope");
    });

    it("the fix check names works on this release; then the subagent-shaped and TUI calls succeed", async () => {
      const g = gateway();
      const { list } = await listDevices(g);
      const requestId = list.pending.find((p) => p.deviceId === local().deviceId)?.requestId ?? "";
      expect(requestId).not.toBe("");

      // what `openclaw devices approve <id>` does for the narrowed device's request on this release
      const cli = await g.openclaw(["devices", "approve", requestId, "--json"]);
      if (facts.cliApproveError === null) {
        expect(cli.code, cli.stderr).toBe(0);
      } else {
        expect(cli.code).not.toBe(0);
        expect(cli.stderr).toContain(facts.cliApproveError);
      }
      // the watchdog offers the CLI approval only where it works, else the Control UI (soft: the fix that works
      // is still run and verified below when the watchdog names the wrong one)
      const command = upgradeFix?.command ?? "";
      if (facts.cliApproveError === null) {
        expect.soft(command).toMatch(/^openclaw devices approve \S+$/);
      } else {
        expect.soft(command).toBe("openclaw dashboard");
        // the Control UI is its own (browser) device: it approves the request the CLI left pending
        const { list: now } = await listDevices(g);
        const current = now.pending.find((p) => p.deviceId === local().deviceId)?.requestId ?? "";
        const approved = await approveAsControlUi(g, current);
        expect(approved.call, JSON.stringify(approved.connectError ?? approved.call)).toMatchObject({
          ok: true,
        });
      }

      const subagent = await releaseSubagentCall(g, local());
      expect(subagent.call).toMatchObject({ ok: true, method: "sessions.list" });
      const tui = await tuiCall(g, local());
      expect(refused(tui)).toBe(false);
      expect(tui.call).toMatchObject({ ok: true, method: "sessions.list" });
      const after = await checkGateway(g);
      const left = after.report.findings.map((f) => f.code);
      expect(left).not.toContain("scope-upgrade-pending");
      expect(left).not.toContain("baseline-missing-scope");

      // the README's version table row is the one this run observed
      expect(readmeVersionRows()).toContain(versionTableRow(facts));
      expectLoopbackOnly(g);
    });
  });
}
