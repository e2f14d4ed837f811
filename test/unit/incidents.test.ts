import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/common/types.js";
import { emptyIncidents, fingerprint, updateIncidents, withUnseen } from "../../src/policy/incidents.js";

const f = (code: Finding["code"], severity: Finding["severity"], extra: Partial<Finding> = {}): Finding => ({
  code,
  severity,
  message: `${code} ${severity}`,
  deviceId: "dev",
  ...extra,
});

describe("incidents", () => {
  it("opens once, keeps a churning request id as the same incident, and resolves once", () => {
    let s = emptyIncidents();
    let r = updateIncidents(s, [f("scope-upgrade-pending", "warning", { requestId: "r1" })], 1);
    expect(r.events.map((e) => e.type)).toEqual(["opened"]);
    s = r.state;
    r = updateIncidents(s, [f("scope-upgrade-pending", "warning", { requestId: "r2" })], 2);
    expect(r.events).toEqual([]);
    expect(Object.values(r.state.open)[0]?.finding.requestId).toBe("r2");
    expect(Object.values(r.state.open)[0]?.openedAtMs).toBe(1);
    r = updateIncidents(r.state, [], 3);
    expect(r.events.map((e) => e.type)).toEqual(["resolved"]);
    expect(r.state.open).toEqual({});
  });

  it("carries an unseen device's open incidents over as they were, and nothing else", () => {
    const opened = updateIncidents(
      emptyIncidents(),
      [
        f("baseline-missing-scope", "critical"),
        f("scope-upgrade-pending", "warning", { requestId: "r1" }),
        f("pairing-request-other-device", "info", { deviceId: "d2" }),
      ],
      1,
    ).state;
    const now = [f("scope-upgrade-pending", "warning", { requestId: "r2" })];
    // this device unseen: its missing-scope incident is carried, its seen request is not doubled, d2's is not kept
    const carried = withUnseen(opened, now, "dev");
    expect(carried.map((x) => [x.code, x.requestId ?? x.severity])).toEqual([
      ["scope-upgrade-pending", "r2"],
      ["baseline-missing-scope", "critical"],
    ]);
    const r = updateIncidents(opened, carried, 2);
    expect(r.events.map((e) => [e.type, e.incident.code])).toEqual([
      ["resolved", "pairing-request-other-device"],
    ]);
    // every device seen: the findings as they are
    expect(withUnseen(opened, now, null)).toEqual(now);
  });

  it("reports escalation and easing of the same incident", () => {
    let r = updateIncidents(emptyIncidents(), [f("baseline-missing-scope", "info")], 1);
    r = updateIncidents(r.state, [f("baseline-missing-scope", "critical")], 2);
    expect(r.events).toMatchObject([{ type: "escalated", from: "info" }]);
    r = updateIncidents(r.state, [f("baseline-missing-scope", "warning")], 3);
    expect(r.events).toMatchObject([{ type: "eased", from: "critical" }]);
  });

  it("keeps different state files apart, and every other device's request in one incident", () => {
    expect(fingerprint(f("state-unreadable", "warning", { file: "/a" }))).not.toBe(
      fingerprint(f("state-unreadable", "warning", { file: "/b" })),
    );
    expect(fingerprint(f("pairing-request-other-device", "info", { requestId: "x", deviceId: "d1" }))).toBe(
      fingerprint(f("pairing-request-other-device", "info", { requestId: "y", deviceId: "d2" })),
    );
    expect(fingerprint(f("scope-upgrade-pending", "warning", { requestId: "x" }))).toBe(
      fingerprint(f("scope-upgrade-pending", "warning", { requestId: "y" })),
    );
  });
});
