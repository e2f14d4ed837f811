// Property tests of the gateway-log parsers (issue 11, item 11): any line, and lines shaped like OpenClaw's with
// hostile fields, give an observation whose text is one clean line of at most 500 characters with no known secret
// in any form, or "ignored", or "skipped" with a reason; the splitter keeps at most one line's worth of bytes.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineSplitter } from "../../../src/sources/log/line-splitter.js";
import { MAX_TEXT_CHARS, parseLogLine } from "../../../src/sources/log/lines.js";
import { expectClean, hexId, hostileText, longText, RUNS, uuid } from "./arbitraries.js";

const NOW = 1_800_000_000_000;
const SECRET = 'lg "sec"/ret?&= ü-31337';
const FORMS = [SECRET, JSON.stringify(SECRET).slice(1, -1), encodeURIComponent(SECRET)];
const secretForm = fc.constantFrom(...FORMS);
const piece = fc.oneof(hostileText(60), secretForm, hexId, uuid);

const MESSAGES = [
  (f: string[]) =>
    `security audit: device access upgrade requested reason=${f[0]} device=${f[1]} scopesFrom=${f[2]} scopesTo=${f[3]} client=${f[4]}`,
  (f: string[]) =>
    `closed before connect conn=${f[0]} peer=127.0.0.1:1->127.0.0.1:2 remote=127.0.0.1 host=127.0.0.1:${f[1]} ua=n/a code=${f[2]} reason=${f[3]} ${f[4]}`,
  (f: string[]) => `device pairing approved device=${f[0]} ${f[1]}`,
  (f: string[]) => `device pairing removed device=${f[0]}`,
  (f: string[]) => `gateway connect failed: ${f[0]} pairing required (requestId: ${f[1]}) ${f[2]}`,
  (f: string[]) => `[openclaw] Failed: gateway closed (1008): ${f[0]} ${f[1]} unauthorized: ${f[2]}`,
  (f: string[]) => `failed to start native approval handler: ${f[0]} pending approval ${f[1]}`,
];

const openClawLine = fc
  .tuple(
    fc.integer({ min: 0, max: MESSAGES.length - 1 }),
    fc.array(piece, { minLength: 5, maxLength: 5 }),
    fc.record(
      {
        cause: fc.constantFrom("pairing-required", "unauthorized", "gateway-auth-rotated", "x"),
        deviceId: fc.oneof(hexId, hostileText(40)),
        client: piece,
        requestId: fc.oneof(uuid, hostileText(40)),
        reason: piece,
        authReason: fc.constantFrom("device_token_mismatch", "scope_mismatch", "x\u202e"),
        localPort: fc.oneof(fc.integer(), fc.double()),
      },
      { requiredKeys: [] },
    ),
    fc.oneof(fc.constant("2026-11-27T05:26:39.081+00:00"), hostileText(30)),
  )
  .map(([i, f, meta, time]) =>
    JSON.stringify({
      "0": '{"subsystem":"gateway/ws"}',
      "1": { handshake: "failed", ...meta },
      "2": (MESSAGES[i] ?? MESSAGES[0])?.(f),
      _meta: { name: '{"subsystem":"gateway/ws"}', date: time, logLevelName: "WARN" },
      time,
    }),
  );

describe("property: gateway log lines", () => {
  it("any line is an observation of clean bounded text without the secret, ignored, or skipped with a reason", () => {
    const seen = { observation: 0, ignored: 0, skipped: 0 };
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 4, arbitrary: openClawLine },
          { weight: 1, arbitrary: hostileText(2000) },
          { weight: 1, arbitrary: longText(70_000) },
        ),
        (line) => {
          const r = parseLogLine(line, NOW, { secrets: [SECRET] });
          expect(["observation", "ignored", "skipped"]).toContain(r.kind);
          seen[r.kind]++;
          if (r.kind === "skipped") expect(["not-json", "invalid-utf8", "too-long"]).toContain(r.why);
          if (r.kind !== "observation") return;
          const o = r.observation;
          expect(Number.isFinite(o.atMs)).toBe(true);
          expectClean(o.text, MAX_TEXT_CHARS, "text");
          if (o.closeReason !== undefined) expectClean(o.closeReason, MAX_TEXT_CHARS, "closeReason");
          for (const k of ["clientId", "reason"] as const) if (o[k] !== undefined) expectClean(o[k], 128, k);
          for (const list of [o.scopes, o.scopesFrom]) {
            expect((list ?? []).length).toBeLessThanOrEqual(64);
            for (const s of list ?? []) expectClean(s, 128, "scope");
          }
          for (const id of [o.deviceId, o.requestId])
            if (id !== undefined) expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
          if (o.gatewayPort !== undefined) expect(o.gatewayPort).toBeGreaterThan(0);
          if (o.gatewayPort !== undefined) expect(o.gatewayPort).toBeLessThan(65536);
          const out = JSON.stringify(o);
          for (const f of FORMS) expect(out).not.toContain(f);
        },
      ),
      RUNS,
    );
    // the generators reach every outcome, observations most of all
    expect(seen.observation).toBeGreaterThan(RUNS.numRuns / 10);
    expect(seen.ignored).toBeGreaterThan(0);
    expect(seen.skipped).toBeGreaterThan(0);
  });

  it("the splitter hands out every complete line and keeps at most one line's bytes, however the bytes arrive", () => {
    const MAX = 256;
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 600 }),
            hostileText(300).map((s) => new Uint8Array(Buffer.from(s))),
          ),
          {
            maxLength: 20,
          },
        ),
        (chunks) => {
          const counters = { linesRead: 0, skipped: { notJson: 0, invalidUtf8: 0, tooLong: 0 } };
          const s = new LineSplitter(0, MAX, counters);
          let handed = 0;
          let bytes = 0;
          for (const c of chunks) {
            const b = Buffer.from(c);
            bytes += b.length;
            s.consume(b, (line) => {
              handed++;
              expect(line.includes(0x0a)).toBe(false);
            });
            expect(s.offset).toBe(bytes);
            expect(s.lineStart).toBeLessThanOrEqual(s.offset);
            expect(s.offset - s.lineStart).toBeLessThanOrEqual(Math.max(MAX, b.length) + MAX + 1);
          }
          const all = Buffer.concat(chunks.map((c) => Buffer.from(c)));
          const newlines = all.filter((x) => x === 0x0a).length;
          expect(handed).toBeLessThanOrEqual(newlines);
        },
      ),
      RUNS,
    );
  });
});
