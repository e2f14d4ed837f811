// The log-line parser against real gateway lines (4.18 shapes, 4.20, 9.6), bad input and secrets.

import { describe, expect, it, vi } from "vitest";
import type { Observation } from "../../src/common/types.js";
import { MAX_TEXT_CHARS, mayMatter, parseLogLine, scrubSecrets } from "../../src/sources/log/lines.js";
import { fixtureLine, fixtureLines } from "../fixtures/logs/real-lines.js";

const V418 = "openclaw-2026.4.18-derived.jsonl";
const V420 = "openclaw-2026.4.20.jsonl";
const V96 = "openclaw-2026.9.6.jsonl";
const NOW = Date.parse("2026-11-27T06:00:00Z");
const DEV_420 = "37cc8075d08f39b27c9a3509ef4a8500b0c05b5f4e21c37246a3614289e8e1aa";
const DEV_420B = "0575b8b2804b35410b854e6c0f0c223a2fedc317654511d08195cc341cb8de8c";
const DEV_96 = "7c6f3fea690b7d79d6311d1efad7947e0b935d31629019223f1517e0d56ed3d5";
const CLI_SCOPES = [
  "operator.admin",
  "operator.approvals",
  "operator.pairing",
  "operator.read",
  "operator.talk.secrets",
  "operator.write",
];

function observe(line: string, opts?: Parameters<typeof parseLogLine>[2]): Observation {
  const r = parseLogLine(line, NOW, opts);
  if (r.kind !== "observation") throw new Error(`expected an observation, got ${JSON.stringify(r)}`);
  return r.observation;
}

/** A structurally real gateway/ws close line with the given reason and meta. */
function closeLine(
  reason: string,
  meta: Record<string, unknown>,
  time = "2026-11-27T05:26:39.081+00:00",
): string {
  return JSON.stringify({
    "0": '{"subsystem":"gateway/ws"}',
    "1": { handshake: "failed", lastFrameMethod: "connect", ...meta },
    "2": `closed before connect conn=37434e8f-3c3d-47f3-a3bd-0567b2f295c9 peer=127.0.0.1:53194->127.0.0.1:18796 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18796 ua=n/a code=1008 reason=${reason}`,
    _meta: { name: '{"subsystem":"gateway/ws"}', date: "2026-11-27T05:26:39.079Z", logLevelName: "WARN" },
    time,
  });
}

describe("parseLogLine: real lines", () => {
  const cases: Array<{ name: string; line: () => string; expected: Partial<Observation> }> = [
    {
      name: "4.20 security audit (CLI asking for its full default set)",
      line: () => fixtureLine(V420, "security audit", "conn=7c8c8082"),
      expected: {
        kind: "upgrade-requested",
        atMs: Date.parse("2026-11-27T05:26:35.814+00:00"),
        deviceId: DEV_420,
        reason: "scope-upgrade",
        scopes: CLI_SCOPES,
        scopesFrom: ["operator.approvals"],
        clientId: "cli",
      },
    },
    {
      name: "4.20 security audit (subagent-like gateway-client asking for operator.write)",
      line: () => fixtureLine(V420, "security audit", "client=gateway-client", DEV_420),
      expected: {
        kind: "upgrade-requested",
        deviceId: DEV_420,
        reason: "scope-upgrade",
        scopes: ["operator.write"],
        scopesFrom: ["operator.approvals"],
        clientId: "gateway-client",
      },
    },
    {
      name: "4.20 close sent by the gateway: reason cut inside the request id, the meta has it whole",
      line: () => fixtureLine(V420, "closed before connect", 'b2e279cd-94f2-42a8-a99a-83ff195b1"'),
      expected: {
        kind: "pairing-required-close",
        atMs: Date.parse("2026-11-27T05:26:39.081+00:00"),
        deviceId: DEV_420,
        requestId: "b2e279cd-94f2-42a8-a99a-83ff195b1e04",
        reason: "scope-upgrade",
        code: 1008,
        closeReason:
          "pairing required: device is asking for more scopes than currently approved (requestId: b2e279cd-94f2-42a8-a99a-83ff195b1",
      },
    },
    {
      name: "4.20 close after OpenClaw's own client hung up first (logged reason 'connect failed')",
      line: () => fixtureLine(V420, "closed before connect", "conn=7c8c8082"),
      expected: {
        kind: "pairing-required-close",
        deviceId: DEV_420,
        requestId: "0db6002d-d5fc-4ed2-9184-3605b4cd7e22",
        reason: "scope-upgrade",
        code: 1008,
        closeReason:
          "pairing required: device is asking for more scopes than currently approved (requestId: 0db6002d-d5fc-4ed2-9184-3605b4cd7e22)",
      },
    },
    {
      name: "4.20 CLI: gateway connect failed … scope upgrade pending approval",
      line: () => fixtureLine(V420, "gateway connect failed"),
      expected: {
        kind: "gateway-connect-failed",
        requestId: "0db6002d-d5fc-4ed2-9184-3605b4cd7e22",
        reason: "scope-upgrade",
      },
    },
    {
      name: "4.20 CLI: Gateway call failed … gateway closed (1008): pairing required (cut request id not taken; the port from `Gateway target`)",
      line: () => fixtureLine(V420, "Gateway call failed"),
      expected: {
        kind: "gateway-connect-failed",
        reason: "scope-upgrade",
        code: 1008,
        gatewayPort: 18796,
        closeReason:
          "pairing required: device is asking for more scopes than currently approved (requestId: 0db6002d-d5fc-4ed2-9184-3605b4cd7",
      },
    },
    {
      name: "4.20 wrong gateway token",
      line: () => fixtureLine(V420, "closed before connect", '"authReason":"token_mismatch"'),
      expected: {
        kind: "gateway-auth-failure",
        reason: "token_mismatch",
        clientId: "cli",
        code: 1008,
        closeReason:
          "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)",
      },
    },
    {
      name: "4.20 bogus device token",
      line: () => fixtureLine(V420, "closed before connect", "device_token_mismatch"),
      expected: {
        kind: "device-token-mismatch",
        reason: "device_token_mismatch",
        code: 1008,
        closeReason: "unauthorized: device token mismatch (rotate/reissue device token)",
      },
    },
    {
      name: "4.20 device pairing auto-approved",
      line: () => fixtureLine(V420, "device pairing auto-approved", DEV_420B),
      expected: { kind: "pairing-resolved", deviceId: DEV_420B, reason: "auto-approved" },
    },
    {
      name: "4.20 device pairing approved (device.pair.approve)",
      line: () => fixtureLine(V420, "device pairing approved"),
      expected: { kind: "pairing-resolved", deviceId: DEV_420B, reason: "approved" },
    },
    {
      name: "4.20 device pairing removed",
      line: () => fixtureLine(V420, "device pairing removed", DEV_420),
      expected: { kind: "device-removed", deviceId: DEV_420 },
    },
    {
      name: "4.18 bare close reason, no request id anywhere",
      line: () => fixtureLine(V418, "closed before connect"),
      expected: {
        kind: "pairing-required-close",
        deviceId: DEV_420,
        code: 1008,
        closeReason: "pairing required",
      },
    },
    {
      name: "4.18 CLI: GatewayClientRequestError: pairing required",
      line: () => fixtureLine(V418, "gateway connect failed"),
      expected: { kind: "gateway-connect-failed" },
    },
    {
      name: "4.18 Gateway call failed: gateway closed (1008): pairing required",
      line: () => fixtureLine(V418, "Gateway call failed"),
      expected: {
        kind: "gateway-connect-failed",
        code: 1008,
        closeReason: "pairing required",
        gatewayPort: 18790,
      },
    },
    {
      name: "9.6 close with ` phase=…` after the reason (not-paired)",
      line: () => fixtureLine(V96, "closed before connect", "not approved yet"),
      expected: {
        kind: "pairing-required-close",
        deviceId: DEV_96,
        requestId: "a1ca0b38-d3c4-4696-be68-1d259f9ab8b7",
        reason: "not-paired",
        code: 1008,
        closeReason:
          "pairing required: device is not approved yet (requestId: a1ca0b38-d3c4-4696-be68-1d259f9ab8b7)",
      },
    },
    {
      name: "9.6 device token scope mismatch",
      line: () => fixtureLine(V96, "closed before connect", "scope_mismatch"),
      expected: {
        kind: "device-token-mismatch",
        reason: "scope_mismatch",
        code: 1008,
        closeReason: "unauthorized: device token scope mismatch (re-pair or approve scope upgrade)",
      },
    },
    {
      name: "9.6 wrong gateway token",
      line: () => fixtureLine(V96, "closed before connect", '"authReason":"token_mismatch"'),
      expected: {
        kind: "gateway-auth-failure",
        reason: "token_mismatch",
        code: 1008,
        closeReason:
          "unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or pair the device)",
      },
    },
    {
      name: "9.6 security audit",
      line: () => fixtureLine(V96, "security audit"),
      expected: {
        kind: "upgrade-requested",
        deviceId: DEV_96,
        reason: "scope-upgrade",
        scopes: ["operator.admin"],
        scopesFrom: ["operator.approvals"],
        clientId: "cli",
      },
    },
  ];

  it.each(cases)("$name", ({ line, expected }) => {
    const o = observe(line());
    expect(o).toMatchObject({ source: "log", ...expected });
    for (const key of ["requestId", "reason", "code", "closeReason", "deviceId"] as const) {
      if (!(key in expected)) expect(o[key], key).toBeUndefined();
    }
    expect(o.text.length).toBeLessThanOrEqual(MAX_TEXT_CHARS);
  });

  it("turns every real fixture line into the expected number of observations per kind", () => {
    const count = (file: string) => {
      const kinds: Record<string, number> = {};
      for (const line of fixtureLines(file)) {
        const r = parseLogLine(line, NOW);
        expect(r.kind, line.slice(0, 120)).not.toBe("skipped");
        if (r.kind === "observation") kinds[r.observation.kind] = (kinds[r.observation.kind] ?? 0) + 1;
      }
      return kinds;
    };
    expect(count(V420)).toEqual({
      "device-removed": 2,
      "pairing-resolved": 3,
      "upgrade-requested": 7,
      // five refused CLI calls: each logged twice (console capture + file logger), plus one "Gateway call failed"
      "gateway-connect-failed": 11,
      "pairing-required-close": 7,
      "gateway-auth-failure": 1,
      "device-token-mismatch": 2,
    });
    expect(count(V96)).toEqual({
      "pairing-required-close": 2,
      "pairing-resolved": 4,
      "device-removed": 2,
      "device-token-mismatch": 3,
      "upgrade-requested": 1,
      "gateway-auth-failure": 1,
    });
  });

  it("ignores `unauthorized conn=…`: its `closed before connect` companion is the one observation", () => {
    expect(parseLogLine(fixtureLine(V420, "unauthorized conn=", "device_token_mismatch"), NOW)).toEqual({
      kind: "ignored",
    });
    expect(parseLogLine(fixtureLine(V96, "unauthorized conn=", "scope_mismatch"), NOW)).toEqual({
      kind: "ignored",
    });
  });

  it("ignores closes that are not pairing or auth refusals (device identity required)", () => {
    expect(parseLogLine(fixtureLine(V420, "reason=device identity required"), NOW)).toEqual({
      kind: "ignored",
    });
  });

  it("reads a 4001 `gateway auth changed` close as a gateway auth failure", () => {
    const line = closeLine("gateway auth changed", { cause: "gateway-auth-rotated", client: "cli" }).replace(
      "code=1008",
      "code=4001",
    );
    expect(observe(line)).toMatchObject({
      kind: "gateway-auth-failure",
      code: 4001,
      closeReason: "gateway auth changed",
    });
  });
});

describe("parseLogLine: what is not an observation", () => {
  it("ignores lines without any needle, without parsing them", () => {
    const parse = vi.spyOn(JSON, "parse");
    const line = fixtureLine(V420, "starting HTTP server");
    expect(mayMatter(line)).toBe(false);
    expect(parseLogLine(line, NOW)).toEqual({ kind: "ignored" });
    expect(parseLogLine("plain text, nothing relevant", NOW)).toEqual({ kind: "ignored" });
    expect(parse).not.toHaveBeenCalled();
  });

  it("parses a line with a needle (the 4.20 `pending approval` wording has no other)", () => {
    const parse = vi.spyOn(JSON, "parse");
    expect(
      mayMatter("gateway connect failed: GatewayClientRequestError: scope upgrade pending approval"),
    ).toBe(true);
    expect(parseLogLine(fixtureLine(V420, "gateway connect failed"), NOW).kind).toBe("observation");
    expect(parse).toHaveBeenCalled();
  });

  it.each([
    { line: "pairing required but this is not JSON", why: "not-json" },
    { line: '{"0":"device pairing removed device=ab", truncated', why: "not-json" },
    { line: '["device pairing removed device=ab"]', why: "not-json" },
    { line: `{"0":"device pairing removed device=ab\uD800"}`, why: "invalid-utf8" },
    { line: `{"0":"device pairing removed device=ab","pad":"${"x".repeat(70_000)}"}`, why: "too-long" },
  ])("skips $why: $line", ({ line, why }) => {
    expect(parseLogLine(line.slice(0, 200_000), NOW)).toEqual({ kind: "skipped", why });
  });

  it("ignores JSON records that mention a needle but none of the watched messages, without parsing them", () => {
    const parse = vi.spyOn(JSON, "parse");
    expect(parseLogLine(fixtureLine(V96, "config hot reload applied (gateway.nodes.pairing)"), NOW)).toEqual({
      kind: "ignored",
    });
    expect(parseLogLine(fixtureLine(V420, "device.pair.approve 108ms"), NOW)).toEqual({ kind: "ignored" });
    expect(parse).not.toHaveBeenCalled();
  });
});

describe("parseLogLine: time", () => {
  const base = JSON.parse(fixtureLine(V420, "device pairing removed", DEV_420)) as Record<string, unknown>;

  it("uses `time`, then `_meta.date`, then the caller's now", () => {
    const withTime = { ...base, time: "2026-11-27T07:26:34.140+02:00" };
    expect(observe(JSON.stringify(withTime)).atMs).toBe(Date.parse("2026-11-27T05:26:34.140Z"));
    const metaOnly = {
      ...base,
      time: undefined,
      _meta: { name: '{"subsystem":"gateway"}', date: "2026-11-27T05:00:00.000Z" },
    };
    expect(observe(JSON.stringify(metaOnly)).atMs).toBe(Date.parse("2026-11-27T05:00:00.000Z"));
    const none = { ...base, time: "not a time", _meta: {} };
    expect(observe(JSON.stringify(none)).atMs).toBe(NOW);
  });
});

describe("secrets never reach an observation", () => {
  const token = "Qm9ndXNUb2tlbl9mb3JfdGVzdHNfb25seV8xMjM0NTY3"; // 43 chars, base64url like a device token
  const gatewayToken = "8f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a"; // 48 hex like the lab's
  const password = "hunter2-correct-horse";

  it("strips token-like runs, key=value credentials, bearer tokens and the known secrets", () => {
    const reason = `unauthorized: device token mismatch token=${token} Authorization: Bearer ${gatewayToken} pw ${password}`;
    const o = observe(closeLine(reason, { cause: "unauthorized", authReason: "device_token_mismatch" }), {
      secrets: [password, { reveal: () => gatewayToken }],
    });
    const all = JSON.stringify(o);
    for (const secret of [token, gatewayToken, password]) expect(all).not.toContain(secret);
    expect(o.kind).toBe("device-token-mismatch");
    expect(o.closeReason).toContain("[redacted]");
    expect(o.closeReason).toMatch(/^unauthorized: device token mismatch/);
  });

  it("strips a bare token run even without a label", () => {
    const o = observe(
      closeLine(`unauthorized: gateway token mismatch (${token})`, { cause: "unauthorized" }),
    );
    expect(JSON.stringify(o)).not.toContain(token);
  });

  it("keeps device ids, request ids and connection ids, which are needed to explain and fix", () => {
    const o = observe(fixtureLine(V420, "device pairing removed", DEV_420));
    expect(o.text).toBe(`device pairing removed device=${DEV_420}`);
    const c = observe(fixtureLine(V420, "closed before connect", "conn=7c8c8082"));
    expect(c.text).toContain("conn=7c8c8082-cb49-4d6c-9dfc-cb25e7baad64");
  });

  it("scrubs a 64-hex run that is not the line's device id", () => {
    const other = "a".repeat(32) + "1".repeat(32);
    expect(scrubSecrets(`x ${other} y`)).toBe("x [redacted] y");
    expect(scrubSecrets(`x ${other} y`, [], [other])).toBe(`x ${other} y`);
  });

  it("leaves ordinary words, scopes and short ids alone", () => {
    const text =
      "scopesTo=operator.admin,operator.talk.secrets auth=token reason=token_mismatch client=gateway-client";
    expect(scrubSecrets(text)).toBe(text);
  });

  it("cuts text to 500 characters", () => {
    const o = observe(closeLine(`unauthorized: ${"word ".repeat(300)}`, { cause: "unauthorized" }));
    expect(o.text.length).toBe(MAX_TEXT_CHARS);
    expect(o.closeReason?.length).toBe(MAX_TEXT_CHARS);
  });
});
