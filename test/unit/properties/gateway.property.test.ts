// Property tests of what the gateway sends (issue 11, item 11): WebSocket frames as text or bytes, hello-ok,
// refusals with their details, pairing events, close codes and reasons, and what the end of a connection becomes.
// Whatever arrives gives a typed value whose text is clean and bounded and holds no known secret in any form.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { observationKinds } from "../../../src/actions/stored-state.js";
import type { ObservationKind } from "../../../src/common/types.js";
import { classifyEnd, decidePause, parseCloseReason } from "../../../src/sources/gateway/close.js";
import {
  frameText,
  MAX_FRAME_FIELD_CHARS,
  MAX_FRAME_LIST_ITEMS,
  MAX_TEXT_CHARS,
  observeEvent,
  parseConnectError,
  parseFrame,
  parseHelloOk,
} from "../../../src/sources/gateway/protocol.js";
import {
  anyValue,
  expectClean,
  hostileText,
  jsonValue,
  longText,
  RUNS,
  recordWith,
  uuid,
} from "./arbitraries.js";

const SECRET = 'gw "sec"/ret?&= ü-4242';
const FORMS = [SECRET, JSON.stringify(SECRET).slice(1, -1), encodeURIComponent(SECRET)];
const text = fc.oneof(
  hostileText(200),
  fc.constantFrom(...FORMS).map((f) => `x ${f} y`),
  longText(3000),
);
const KINDS: readonly ObservationKind[] = observationKinds;

const noSecret = (v: unknown) => {
  const out = JSON.stringify(v) ?? "";
  for (const f of FORMS) expect(out).not.toContain(f);
};

const details = recordWith(
  [
    "code",
    "reason",
    "requestId",
    "deviceId",
    "requestedScopes",
    "approvedScopes",
    "authReason",
    "recommendedNextStep",
    "pauseReconnect",
  ],
  {
    code: fc.constantFrom("PAIRING_REQUIRED", "AUTH_TOKEN_MISMATCH", "AUTH_SCOPE_MISMATCH", "X"),
    requestId: uuid,
    reason: fc.oneof(text, fc.constantFrom("scope-upgrade", "not-paired")),
  },
);
const errorValue = fc.oneof(
  recordWith(["code", "message", "details"], { details, message: text }),
  anyValue(),
);

describe("property: WebSocket frames", () => {
  it("any text or bytes is a typed frame or invalid with a short clean reason", () => {
    const frame = fc.oneof(
      hostileText(500),
      recordWith(["type", "event", "id", "ok", "payload", "error", "seq"], {
        type: fc.constantFrom("event", "res", "req", "x\u202e"),
        event: fc.constantFrom("device.pair.requested", "tick"),
        id: uuid,
        ok: fc.boolean(),
      }).map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          frame,
          frame.map((s) => Buffer.from(s)),
          fc.array(
            fc.uint8Array().map((u) => Buffer.from(u)),
            { maxLength: 3 },
          ),
        ),
        (data) => {
          const t = frameText(data);
          expect(typeof t).toBe("string");
          const f = parseFrame(t ?? "");
          expect(["event", "res", "invalid"]).toContain(f.type);
          if (f.type === "invalid") expectClean(f.why, 100, "why");
          if (f.type === "event") expect(f.event.trim()).not.toBe("");
          if (f.type === "res") expect(typeof f.ok).toBe("boolean");
        },
      ),
      RUNS,
    );
    expect(frameText(42)).toBeNull();
  });

  it("hello-ok and refusals read into clean bounded fields", () => {
    const hello = recordWith(["protocol", "server", "auth", "policy", "features"], {
      server: recordWith(["version", "connId"]),
      auth: recordWith(["role", "scopes"]),
      policy: recordWith(["tickIntervalMs"]),
      features: recordWith(["methods", "events"], {
        methods: fc.array(hostileText(30), { maxLength: 2000 }),
      }),
    });
    fc.assert(
      fc.property(hello, errorValue, (h, e) => {
        const info = parseHelloOk(h);
        if (info) {
          for (const k of ["serverVersion", "connId", "role"] as const)
            if (info[k] !== null) expectClean(info[k], MAX_FRAME_FIELD_CHARS, k);
          for (const list of [info.scopes, info.methods, info.events]) {
            expect(list.length).toBeLessThanOrEqual(MAX_FRAME_LIST_ITEMS);
            for (const s of list) expectClean(s, MAX_FRAME_FIELD_CHARS, "item");
          }
        }
        const ce = parseConnectError(e);
        for (const k of [
          "code",
          "detailCode",
          "reason",
          "deviceId",
          "authReason",
          "recommendedNextStep",
        ] as const)
          if (ce[k] !== null) expectClean(ce[k], MAX_FRAME_FIELD_CHARS, k);
        expect(ce.message.length).toBeLessThanOrEqual(4096);
        if (ce.requestId !== null) expect(ce.requestId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
      }),
      RUNS,
    );
  });

  it("pairing events become clean observations without the secret", () => {
    const payload = recordWith(
      [
        "requestId",
        "deviceId",
        "decision",
        "scopes",
        "clientId",
        "clientMode",
        "role",
        "remoteIp",
        "isRepair",
      ],
      { requestId: uuid, deviceId: text, clientId: text, scopes: fc.array(text, { maxLength: 5 }) },
    );
    fc.assert(
      fc.property(
        fc.constantFrom("device.pair.requested", "device.pair.resolved", "tick", "x"),
        fc.oneof(payload, jsonValue),
        (event, p) => {
          const o = observeEvent(event, p, 1, [SECRET]);
          if (!o) return;
          expect(KINDS).toContain(o.kind);
          expectClean(o.text, MAX_TEXT_CHARS, "text");
          for (const s of o.scopes ?? []) expectClean(s, MAX_TEXT_CHARS, "scope");
          noSecret(o);
        },
      ),
      RUNS,
    );
  });
});

describe("property: close codes and reasons, and the end of a connection", () => {
  const code = fc.oneof(
    fc.constantFrom(1000, 1006, 1008, 1012, 4000, 4001),
    fc.integer({ min: 0, max: 70000 }),
  );
  const reason = fc.oneof(
    text,
    fc.constantFrom(
      "pairing required: device is asking for more scopes than currently approved (requestId: 6a1f0c1e-1111-4111-8111-111111111111)",
      "unauthorized: gateway token mismatch",
      "device removed",
    ),
    fc
      .tuple(fc.constantFrom("pairing required (requestId: ", "unauthorized: "), text)
      .map(([a, b]) => `${a}${b})`),
  );

  it("any code and reason are classified; a request id is taken only in OpenClaw's shape", () => {
    fc.assert(
      fc.property(code, reason, (c, r) => {
        const cls = parseCloseReason(c, r);
        expect(KINDS).toContain(cls.kind);
        if (cls.requestId !== undefined) expect(cls.requestId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
      }),
      RUNS,
    );
  });

  it("the end of a connection is one clean observation, and a pause reason is clean, both without the secret", () => {
    fc.assert(
      fc.property(
        code,
        reason,
        fc.option(errorValue.map(parseConnectError), { nil: null }),
        fc.option(text, { nil: null }),
        fc.option(text, { nil: null }),
        fc.boolean(),
        (c, r, ce, unreachable, untrusted, pauseOnDeviceRemoved) => {
          const o = classifyEnd({
            atMs: 1,
            url: "ws://127.0.0.1:18789",
            deviceId: "d".repeat(64),
            secrets: [SECRET],
            code: c,
            reason: r,
            connectError: ce,
            unreachable,
            untrusted,
          });
          expect(KINDS).toContain(o.kind);
          expectClean(o.text, MAX_TEXT_CHARS, "text");
          for (const k of ["closeReason", "reason"] as const)
            if (o[k] !== undefined) expectClean(o[k], MAX_TEXT_CHARS, k);
          noSecret(o);
          const pause = decidePause({
            code: c,
            reason: r,
            connectError: ce,
            pauseOnDeviceRemoved,
            secrets: [SECRET],
          });
          if (pause !== null) {
            expectClean(pause, 1200, "pause");
            noSecret(pause);
          }
        },
      ),
      RUNS,
    );
  });
});
