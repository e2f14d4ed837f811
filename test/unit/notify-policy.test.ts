// The notification policy as tables: grouping, dedupe, escalation, repeats, recovery, flapping, silences and
// the rate limit, with time passed in (no timers, no mocks).

import { describe, expect, it } from "vitest";
import type { Finding, FindingCode, Severity } from "../../src/common/types.js";
import { defaultNotifyConfig, type NotifyConfigInput, notifySchema } from "../../src/config/schema-notify.js";
import {
  decide,
  emptyNotifyState,
  groupKey,
  type Notification,
  type NotifyInput,
  type NotifyState,
  type Silence,
  type Suppression,
} from "../../src/policy/notify.js";

const DEV = "a".repeat(64);
const OTHER = "b".repeat(64);
const REQ = "6f1c2f0e-1b7a-4f0e-9d3e-7f8e1c2a3b4c";
const S = 1_000;
const MIN = 60_000;
const H = 3_600_000;

function finding(code: FindingCode, severity: Severity, over: Partial<Finding> = {}): Finding {
  return {
    code,
    severity,
    message: `${code} on ${over.deviceId ?? DEV}`,
    deviceId: DEV,
    ...over,
  };
}

const regression = (deviceId = DEV) =>
  finding("scope-regression", "critical", { deviceId, scopes: ["operator.admin"] });
const baseline = (deviceId = DEV) =>
  finding("baseline-missing-scope", "warning", {
    deviceId,
    scopes: ["operator.admin"],
    requestId: REQ,
    fix: { command: `openclaw devices approve ${REQ}`, explanation: "approves it" },
  });
const pending = (deviceId = DEV) =>
  finding("scope-upgrade-pending", "warning", {
    deviceId,
    requestId: REQ,
    scopes: ["operator.admin", "operator.read"],
    fix: { command: `openclaw devices approve ${REQ}`, explanation: "approves it" },
  });
const refused = (deviceId = DEV) =>
  finding("pairing-required-close", "warning", { deviceId, requestId: REQ });

interface Step {
  at: number;
  /** undefined: a timer tick. */
  findings?: Finding[];
  silences?: Silence[];
  device?: NotifyInput["device"];
}

interface Run {
  sent: Notification[];
  suppressed: Suppression[];
  wakes: (number | null)[];
  state: NotifyState;
}

function run(steps: Step[], cfg: NotifyConfigInput = {}): Run {
  const config = defaultNotifyConfig(cfg);
  let state = emptyNotifyState();
  const out: Run = { sent: [], suppressed: [], wakes: [], state };
  for (const s of steps) {
    const input: NotifyInput = {
      findings: s.findings ?? null,
      silences: s.silences ?? [],
      device: s.device ?? null,
    };
    const d = decide(state, input, s.at, config);
    state = d.next;
    out.sent.push(...d.notifications);
    out.suppressed.push(...d.suppressed);
    out.wakes.push(d.wakeAtMs);
  }
  out.state = state;
  return out;
}

const kinds = (r: Run) => r.sent.map((n) => `${n.kind}@${n.atMs}`);

describe("grouping and dedupe", () => {
  it("a burst of one device's findings inside the group wait is ONE notification naming all of them", () => {
    const r = run([
      { at: 0, findings: [baseline()] },
      { at: 40, findings: [baseline(), pending()] },
      { at: 120, findings: [regression(), baseline(), pending()] },
      { at: 300, findings: [regression(), baseline(), pending(), refused()] },
      { at: 500 }, // the timer the first decision asked for
      { at: 900, findings: [regression(), baseline(), pending(), refused()] },
    ]);
    expect(r.wakes[0]).toBe(500);
    expect(kinds(r)).toEqual(["new@500"]);
    const n = r.sent[0];
    expect(n?.severity).toBe("critical");
    expect(n?.members.map((m) => m.code)).toEqual([
      "scope-regression",
      "baseline-missing-scope",
      "scope-upgrade-pending",
      "pairing-required-close",
    ]);
    expect(n?.key).toBe(`device:${DEV}`);
    expect(n?.requestId).toBe(REQ);
  });

  it.each([
    ["the same findings re-read 20 times", 20, 1],
    ["the same findings read once", 1, 1],
  ])("%s notify once", (_name, reads, expected) => {
    const steps: Step[] = Array.from({ length: reads }, (_, i) => ({
      at: i * 1000,
      findings: [regression()],
    }));
    steps.push({ at: reads * 1000 + 1000 });
    expect(run(steps).sent).toHaveLength(expected);
  });

  it("different devices are different notifications; findings without a device group by fingerprint", () => {
    const unreachable = finding("gateway-unreachable", "warning", { deviceId: undefined });
    const r = run([{ at: 0, findings: [regression(DEV), regression(OTHER), unreachable] }, { at: 500 }]);
    expect(r.sent.map((n) => n.key).sort()).toEqual(
      [`device:${DEV}`, `device:${OTHER}`, groupKey(unreachable)].sort(),
    );
    expect(groupKey(unreachable)).toBe("finding:gateway-unreachable|");
  });

  it.each([
    ["warning", "info", 0],
    ["warning", "warning", 1],
    ["info", "info", 1],
    ["critical", "warning", 0],
  ] as const)("minSeverity %s with a %s finding sends %i", (minSeverity, severity, count) => {
    const r = run([{ at: 0, findings: [finding("token-scope-drift", severity)] }, { at: 500 }], {
      minSeverity,
    });
    expect(r.sent).toHaveLength(count);
  });

  it("asks for no timer once everything is said", () => {
    const r = run([{ at: 0, findings: [pending()] }, { at: 500 }, { at: 10 * MIN, findings: [pending()] }]);
    expect(r.wakes).toEqual([500, null, null]);
  });
});

describe("escalation", () => {
  it("a notified warning that becomes critical is reported once as escalated, after the group wait", () => {
    const r = run([
      { at: 0, findings: [pending()] },
      { at: 500 },
      { at: 10 * S, findings: [regression(), pending()] },
      { at: 10 * S + 200, findings: [regression(), pending()] },
      { at: 10 * S + 500 },
      { at: 20 * S, findings: [regression(), pending()] },
    ]);
    expect(kinds(r)).toEqual(["new@500", `escalated@${10 * S + 500}`]);
    expect(r.sent[1]?.previousSeverity).toBe("warning");
    expect(r.sent[1]?.severity).toBe("critical");
  });

  it("a new member that is not more severe than what was sent is not a new notification", () => {
    const r = run([
      { at: 0, findings: [pending()] },
      { at: 500 },
      { at: 5 * S, findings: [pending(), refused()] },
      { at: 6 * S },
    ]);
    expect(kinds(r)).toEqual(["new@500"]);
  });
});

describe("updated: the fix becomes available", () => {
  const narrowed = finding("baseline-missing-scope", "critical", { scopes: ["operator.admin"] });
  const other = "7a9d0c4e-2b1f-4c3d-8e5f-6a7b8c9d0e1f";

  it("a notified incident without a request is updated once when its pending request appears, not on id churn", () => {
    const r = run([
      { at: 0, findings: [narrowed, regression()] },
      { at: 600 },
      { at: 5 * S, findings: [narrowed, regression(), pending()] },
      { at: 5 * S + 600 },
      // `openclaw devices list` churns the request id: nothing more is sent
      { at: 9 * S, findings: [narrowed, regression(), { ...pending(), requestId: other }] },
      { at: 10 * S },
    ]);
    expect(r.sent.map((n) => n.kind)).toEqual(["new", "updated"]);
    expect(r.sent[0]?.requestId).toBeUndefined();
    expect(r.sent[1]?.requestId).toBe(REQ);
  });

  it("nothing is updated when the first notification already named the request", () => {
    const r = run([
      { at: 0, findings: [baseline(), pending()] },
      { at: 600 },
      { at: 5 * S, findings: [baseline(), pending()] },
    ]);
    expect(r.sent.map((n) => n.kind)).toEqual(["new"]);
  });
});

describe("repeat", () => {
  it.each([
    ["critical, 4h default", regression(), {}, 9 * H, [4 * H + 500, 8 * H + 500]],
    [
      "critical, repeatAfter 30m",
      regression(),
      { repeatAfter: "30m" },
      70 * MIN,
      [30 * MIN + 500, 60 * MIN + 500],
    ],
    ["warning never repeats", pending(), {}, 9 * H, []],
  ] as const)("%s", (_name, f, cfg, untilMs, repeats) => {
    const steps: Step[] = [{ at: 0, findings: [f] }, { at: 500 }];
    for (let t = 10 * MIN; t <= untilMs; t += 10 * MIN) steps.push({ at: t + 500, findings: [f] });
    const r = run(steps, cfg);
    expect(r.sent.filter((n) => n.kind === "repeat").map((n) => n.atMs)).toEqual(repeats);
  });

  it("the first decision after sending asks to wake for the repeat", () => {
    const r = run([{ at: 0, findings: [regression()] }, { at: 500 }]);
    expect(r.wakes[1]).toBe(500 + 4 * H);
  });
});

describe("recovery", () => {
  const healed = { deviceId: DEV, approvedScopes: ["operator.admin"] };

  it("says it healed by approval of the request, once, after the group wait", () => {
    const r = run([
      { at: 0, findings: [regression(), baseline(), pending()] },
      { at: 500 },
      { at: 60 * S, findings: [], device: healed },
      { at: 60 * S + 500 },
      { at: 70 * S, findings: [], device: healed },
      { at: 80 * S, findings: [], device: healed },
    ]);
    expect(kinds(r)).toEqual(["new@500", `recovered@${60 * S + 500}`]);
    const rec = r.sent[1];
    expect(rec?.recovery).toEqual({
      atMs: 60 * S,
      cause: { kind: "approved", requestId: REQ, scopes: ["operator.admin", "operator.read"] },
      afterFlapping: false,
    });
    expect(rec?.severity).toBe("critical");
    expect(rec?.members.map((m) => m.code)).toContain("scope-regression");
    // the group is forgotten once its toggles have aged out of the flapping window
    const later = decide(r.state, { findings: [], silences: [] }, 30 * MIN, defaultNotifyConfig());
    expect(later.next.groups).toEqual({});
  });

  it("names the approved request even when the request cleared a read before the scopes did, and lists it cleared", () => {
    // OpenClaw's approve removes the request from pending.json a moment before paired.json holds its scopes
    const narrow = { deviceId: DEV, approvedScopes: ["operator.approvals"] };
    const r = run([
      { at: 0, findings: [regression(), baseline(), pending()] },
      { at: 500 },
      { at: 60 * S, findings: [regression(), baseline()], device: narrow },
      { at: 60 * S + 50, findings: [], device: healed },
      { at: 60 * S + 550 },
    ]);
    expect(kinds(r)).toEqual(["new@500", `recovered@${60 * S + 550}`]);
    const rec = r.sent[1];
    expect(rec?.recovery?.cause).toEqual({
      kind: "approved",
      requestId: REQ,
      scopes: ["operator.admin", "operator.read"],
    });
    expect(rec?.members.map((m) => m.code)).toEqual([
      "scope-regression",
      "baseline-missing-scope",
      "scope-upgrade-pending",
    ]);
    // a new incident of the same group starts from its own members
    const again = run([
      { at: 0, findings: [regression(), pending()] },
      { at: 500 },
      { at: 60 * S, findings: [], device: healed },
      { at: 60 * S + 500 },
      { at: 2 * H, findings: [baseline()], device: narrow },
      { at: 2 * H + 500 },
      { at: 2 * H + 60 * S, findings: [], device: healed },
      { at: 2 * H + 60 * S + 500 },
    ]);
    expect(again.sent.map((n) => [n.kind, n.members.map((m) => m.code)])).toEqual([
      ["new", ["scope-regression", "scope-upgrade-pending"]],
      ["recovered", ["scope-regression", "scope-upgrade-pending"]],
      ["new", ["baseline-missing-scope"]],
      ["recovered", ["baseline-missing-scope"]],
    ]);
  });

  it.each([
    [
      "scopes restored without a request",
      [regression()],
      { deviceId: DEV, approvedScopes: ["operator.admin"] },
      { kind: "scopes-restored", scopes: ["operator.admin"] },
    ],
    ["nothing known about the device", [regression()], null, { kind: "cleared" }],
    [
      "the request went away but the scopes did not come back",
      [pending()],
      { deviceId: DEV, approvedScopes: ["operator.approvals"] },
      { kind: "cleared" },
    ],
  ] as const)("cause: %s", (_name, findings, device, cause) => {
    const r = run([
      { at: 0, findings: [...findings] },
      { at: 500 },
      { at: 10 * S, findings: [], device },
      { at: 10 * S + 500 },
    ]);
    expect(r.sent[1]?.recovery?.cause).toEqual(cause);
  });

  it.each([
    ["resolved inside the group wait: never told, so no recovery either", [0, 200], {}, []],
    ["sendResolved false", [0, 10 * S], { sendResolved: false }, ["new@500"]],
  ] as const)("%s", (_name, [openAt, closeAt], cfg, expected) => {
    const r = run(
      [
        { at: openAt, findings: [regression()] },
        { at: closeAt, findings: [] },
        { at: openAt + 500 },
        { at: closeAt + 500 },
        { at: closeAt + 5 * S },
      ].sort((a, b) => a.at - b.at),
      cfg,
    );
    expect(kinds(r)).toEqual(expected);
  });

  it("a blip (resolved, then open again within the group wait) sends nothing", () => {
    const r = run([
      { at: 0, findings: [regression()] },
      { at: 500 },
      { at: 10 * S, findings: [] },
      { at: 10 * S + 300, findings: [regression()] },
      { at: 10 * S + 500 },
      { at: 11 * S, findings: [regression()] },
    ]);
    expect(kinds(r)).toEqual(["new@500"]);
  });
});

describe("flapping", () => {
  /** open/closed toggles at the given minutes, then a tick every minute until `until` minutes. */
  function toggles(openClosed: [number, boolean][], untilMin: number, cfg: NotifyConfigInput = {}): Run {
    const steps: Step[] = [];
    for (const [m, open] of openClosed) {
      steps.push({ at: m * MIN, findings: open ? [regression()] : [] });
      steps.push({ at: m * MIN + 500 });
    }
    for (let m = Math.ceil(openClosed.at(-1)?.[0] ?? 0) + 1; m <= untilMin; m++)
      steps.push({ at: m * MIN + 1 });
    return run(steps, cfg);
  }

  it.each([
    [
      "open, resolve, reopen, resolve in 3 min: flapping once, recovery only after 10 stable minutes",
      [
        [0, true],
        [1, false],
        [2, true],
        [3, false],
        [3.5, true],
        [4, false],
      ] as [number, boolean][],
      20,
      {},
      ["new", "recovered", "new", "flapping", "recovered"],
    ],
    [
      "toggles further apart than the window are not flapping",
      [
        [0, true],
        [20, false],
        [40, true],
        [60, false],
      ] as [number, boolean][],
      61,
      {},
      ["new", "recovered", "new", "recovered"],
    ],
    [
      "transitions 5: the same toggles are not flapping",
      [
        [0, true],
        [1, false],
        [2, true],
        [3, false],
      ] as [number, boolean][],
      20,
      { flapping: { transitions: 5 } },
      ["new", "recovered", "new", "recovered"],
    ],
  ] as const)("%s", (_name, steps, untilMin, cfg, expected) => {
    const r = toggles([...steps], untilMin, cfg);
    expect(r.sent.map((n) => n.kind)).toEqual(expected);
  });

  it("the flapping notification counts the toggles, and the stable recovery says it followed flapping", () => {
    const r = toggles(
      [
        [0, true],
        [1, false],
        [2, true],
        [3, false],
        [3.5, true],
        [4, false],
      ],
      20,
    );
    const flap = r.sent.find((n) => n.kind === "flapping");
    expect(flap?.flap).toMatchObject({
      transitions: 3,
      open: false,
      withinMs: 15 * MIN,
      stableForMs: 10 * MIN,
    });
    expect(flap?.atMs).toBe(3 * MIN);
    const last = r.sent.at(-1);
    expect(last?.kind).toBe("recovered");
    expect(last?.recovery?.afterFlapping).toBe(true);
    expect(last?.atMs).toBeGreaterThanOrEqual(14 * MIN);
    expect(last?.atMs).toBeLessThan(15 * MIN);
  });

  it("a flapping incident that settles open is not reported as recovered", () => {
    const r = toggles(
      [
        [0, true],
        [1, false],
        [2, true],
        [3, false],
        [4, true],
      ],
      30,
    );
    expect(r.sent.map((n) => n.kind)).toEqual(["new", "recovered", "new", "flapping"]);
  });
});

describe("silences", () => {
  const silence = (code: FindingCode, untilMs: number): Silence => ({ code, untilMs });

  it("a silenced code is not sent, is reported as suppressed once, and notifies when the silence ends", () => {
    const s = [silence("scope-regression", 2 * H)];
    const r = run([
      { at: 0, findings: [regression()], silences: s },
      { at: 500, silences: s },
      { at: 10 * MIN, findings: [regression()], silences: s },
      { at: 2 * H, silences: s },
    ]);
    expect(kinds(r)).toEqual([`new@${2 * H}`]);
    expect(r.suppressed).toEqual([
      { key: `device:${DEV}`, kind: "new", codes: ["scope-regression"], reason: "silenced", atMs: 500 },
    ]);
    expect(r.wakes[1]).toBe(2 * H);
  });

  it("a group with silenced and unsilenced codes names only the unsilenced ones", () => {
    const s = [silence("scope-regression", 2 * H)];
    const r = run([
      { at: 0, findings: [regression(), pending()], silences: s },
      { at: 500, silences: s },
    ]);
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0]?.members.map((m) => m.code)).toEqual(["scope-upgrade-pending"]);
    expect(r.sent[0]?.severity).toBe("warning");
  });

  it("an expired silence does not mute", () => {
    const r = run([
      { at: 3 * H, findings: [regression()], silences: [silence("scope-regression", 2 * H)] },
      { at: 3 * H + 500, silences: [silence("scope-regression", 2 * H)] },
    ]);
    expect(kinds(r)).toEqual([`new@${3 * H + 500}`]);
  });
});

describe("rate limit", () => {
  const devices = Array.from({ length: 5 }, (_, i) => String(i).repeat(64));

  it("sends up to max per window, holds back the rest, and summarises them once when there is room", () => {
    const findings = devices.map((d) => regression(d));
    const r = run(
      [
        { at: 0, findings },
        { at: 500 },
        { at: 30 * MIN, findings },
        { at: H + 500 },
        { at: H + 10 * MIN, findings },
      ],
      { rateLimit: { max: 2, per: "1h" } },
    );
    expect(r.sent.map((n) => n.kind)).toEqual(["new", "new", "rate-limited"]);
    expect(r.suppressed.map((s) => s.reason)).toEqual(["rate-limited", "rate-limited", "rate-limited"]);
    const summary = r.sent[2];
    expect(summary?.held).toEqual({
      count: 3,
      sinceMs: 500,
      severity: "critical",
      codes: ["scope-regression"],
    });
    expect(summary?.atMs).toBe(H + 500);
    expect(r.wakes[1]).toBe(H + 500);
  });

  it("held-back incidents are not retried one by one later", () => {
    const findings = devices.map((d) => regression(d));
    const r = run([{ at: 0, findings }, { at: 500 }, { at: 2 * H, findings }], {
      rateLimit: { max: 1, per: "1h" },
      repeatAfter: "24h",
    });
    expect(r.sent.map((n) => n.kind)).toEqual(["new", "rate-limited"]);
    expect(r.sent[1]?.held?.count).toBe(4);
  });
});

describe("state", () => {
  it("decide does not change the state it was given", () => {
    const state = emptyNotifyState();
    const before = structuredClone(state);
    decide(state, { findings: [regression()], silences: [] }, 0, defaultNotifyConfig());
    expect(state).toEqual(before);
  });
});

describe("the notify config section", () => {
  it("has the contract's keys with their defaults", () => {
    const c = defaultNotifyConfig();
    expect(c).toMatchObject({
      minSeverity: "warning",
      repeatAfter: 4 * H,
      groupWait: 500,
      desktop: { enabled: true },
      webhook: { url: null },
      ntfy: { url: null },
    });
  });

  it.each([
    [{ webhook: { url: "ftp://example.org/x" } }, "webhook.url"],
    [{ ntfy: { url: "ntfy.sh/topic" } }, "ntfy.url"],
    [{ minSeverity: "error" }, "minSeverity"],
    [{ repeatAfter: "4 hours" }, "repeatAfter"],
    [{ rateLimit: { max: 0 } }, "rateLimit.max"],
    [{ desktop: { enable: true } }, "desktop"],
  ])("rejects %j at %s", (raw, field) => {
    const r = notifySchema().safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path.join(".")).toBe(field);
  });
});
