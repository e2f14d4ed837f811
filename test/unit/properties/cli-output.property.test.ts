// Property tests of what OpenClaw's CLI prints (issue 11, item 11): `openclaw devices list --json` (warnings
// before the JSON, garbage, hostile requests, floods), `openclaw --version`, and the excerpt of its output that
// reaches the log and the audit. Any output gives typed requests or a problem; an excerpt is bounded, clean and
// free of the token in any form.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseListOutput } from "../../../src/actions/remediate/openclaw-cli.js";
import { excerpt } from "../../../src/common/redact.js";
import { parseOpenClawVersion } from "../../../src/detect/version.js";
import { MAX_FIELD_CHARS, MAX_RECORDS } from "../../../src/sources/state/records.js";
import {
  anyValue,
  expectClean,
  hexId,
  hostileText,
  longText,
  RUNS,
  recordWith,
  scopeList,
  uuid,
  validDescriptor,
} from "./arbitraries.js";

const TOKEN = 'cli "tok"/en?&= ü-5150';
const FORMS = [TOKEN, JSON.stringify(TOKEN).slice(1, -1), encodeURIComponent(TOKEN)];

const pending = fc.oneof(
  validDescriptor({ requestId: uuid, ts: fc.nat() }),
  recordWith(
    [
      "requestId",
      "deviceId",
      "publicKey",
      "displayName",
      "clientId",
      "clientMode",
      "role",
      "roles",
      "scopes",
      "ts",
      "isRepair",
    ],
    {
      requestId: uuid,
      deviceId: hexId,
      publicKey: fc.base64String({ minLength: 4, maxLength: 44 }),
      scopes: scopeList,
      ts: fc.nat(),
    },
  ),
);
const listJson = recordWith(["pending", "paired"], { pending: fc.array(pending, { maxLength: 12 }) }).map(
  (v) => JSON.stringify(v),
);
const stdout = fc.oneof(
  listJson,
  fc.tuple(hostileText(200), listJson).map(([warn, json]) => `${warn}\n${json}`),
  fc.tuple(listJson, hostileText(100)).map(([json, tail]) => `${json}\n${tail}`),
  hostileText(500),
  anyValue().map((v) => JSON.stringify(v) ?? ""),
);

describe("property: CLI output", () => {
  it("`devices list --json` output is clean typed requests or a problem", () => {
    let parsed = 0;
    fc.assert(
      fc.property(stdout, (out) => {
        const r = parseListOutput(out);
        if (!r.ok) {
          expect(r.problem).toBe("the output is not the expected JSON");
          return;
        }
        parsed++;
        expect(r.pending.length).toBeLessThanOrEqual(MAX_RECORDS);
        for (const p of r.pending) {
          expect(p.requestId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,255}$/);
          for (const k of ["displayName", "clientId", "clientMode", "role"] as const)
            if (p[k] !== undefined) expectClean(p[k], MAX_FIELD_CHARS, k);
          for (const s of p.scopes) expectClean(s, MAX_FIELD_CHARS, "scope");
        }
      }),
      RUNS,
    );
    expect(parsed).toBeGreaterThan(RUNS.numRuns / 8);
    // a flood is cut to what the watchdog considers
    const flood = Array.from({ length: MAX_RECORDS + 3 }, (_, i) => ({
      requestId: `r${i}`,
      deviceId: "d",
      publicKey: "k",
      ts: 1,
    }));
    const r = parseListOutput(JSON.stringify({ pending: flood }));
    expect(r.ok && r.pending.length).toBe(MAX_RECORDS);
  });

  it("an excerpt of any output is bounded, clean of control and bidi characters, and without the token", () => {
    const out = fc.oneof(
      hostileText(800),
      longText(5000),
      fc.tuple(hostileText(300), fc.constantFrom(...FORMS), hostileText(300)).map((p) => p.join(" ")),
      fc.constantFrom(...FORMS).map((f) => `${"x".repeat(595)} ${f}`),
    );
    fc.assert(
      fc.property(out, fc.integer({ min: 20, max: 600 }), (text, max) => {
        const e = excerpt(text, [TOKEN], max);
        expect(e.length).toBeLessThanOrEqual(max + 1);
        // an excerpt is several lines of output: tab and newline may stay, nothing else unsafe
        expectClean(e.replace(/[\t\n]/g, " "), max + 1, "excerpt");
        for (const f of FORMS) expect(e).not.toContain(f);
      }),
      RUNS,
    );
  });

  it("`openclaw --version` text is a version with consistent parts, or null", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileText(60),
          fc
            .tuple(
              fc.integer({ min: 0, max: 99999 }),
              fc.integer({ min: 0, max: 999 }),
              fc.integer({ min: 0, max: 9999 }),
              fc.option(hostileText(12)),
            )
            .map(([y, m, p, pre]) => `${y}.${m}.${p}${pre ? `-${pre}` : ""}`),
        ),
        (raw) => {
          const v = parseOpenClawVersion(raw);
          if (!v) return;
          expect(v.raw).toBe(raw.trim().replace(/^v/, ""));
          expect(v.raw.startsWith(`${v.year}.${v.month}.${v.patch}`)).toBe(true);
          expect(Number.isInteger(v.year) && Number.isInteger(v.month) && Number.isInteger(v.patch)).toBe(
            true,
          );
          if (v.prerelease !== null) expect(v.prerelease).toMatch(/^[0-9A-Za-z.-]+$/);
        },
      ),
      RUNS,
    );
  });
});
