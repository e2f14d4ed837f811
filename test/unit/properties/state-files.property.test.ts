// Property test of the pairing-state files as bytes on disk (issue 11, item 11): whatever identity/device.json,
// identity/device-auth.json, devices/paired.json and devices/pending.json hold (garbage, half-written JSON, hostile
// records, bytes that are not UTF-8), each reader gives typed values and problems that name the file, are one clean
// bounded line, and never quote the file's text.

import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonErrorWhere } from "../../../src/common/errors.js";
import type { StateProblem } from "../../../src/common/types.js";
import {
  readDeviceAuthFile,
  readIdentityFile,
  readPairedFile,
  readPendingFile,
} from "../../../src/sources/state/files-store.js";
import { tempDir } from "../../helpers/openclaw-state.js";
import { anyValue, expectClean, hexId, hostileText, uuid, validDescriptor } from "./arbitraries.js";

const SECRET_TOKEN = "tok-must-not-be-quoted-0123456789";

const record = fc.oneof(
  validDescriptor({ requestId: uuid, ts: fc.nat() }),
  validDescriptor({ tokens: fc.constant({ operator: { token: SECRET_TOKEN, scopes: [] } }) }),
  anyValue(),
);
const fileText = fc.oneof(
  fc.dictionary(fc.oneof(hexId, hostileText(20)), record, { maxKeys: 6 }).map((v) => JSON.stringify(v)),
  // half-written: cut anywhere, tokens and all
  fc
    .tuple(
      fc.dictionary(hexId, record, { minKeys: 1, maxKeys: 4 }).map((v) => JSON.stringify(v)),
      fc.double({ min: 0, max: 1, noNaN: true }),
    )
    .map(([t, f]) => t.slice(0, Math.floor(t.length * f))),
  hostileText(300),
  anyValue().map((v) => JSON.stringify(v) ?? ""),
);
const bytes = fc.oneof(
  fileText.map((t) => Buffer.from(t)),
  fc.uint8Array({ maxLength: 200 }).map((u) => Buffer.from(u)),
);

describe("property: the pairing-state files as bytes on disk", () => {
  it("each reader gives typed values or problems naming the file, one clean line that never quotes the file", async () => {
    const dir = await tempDir("sw-prop-state-");
    await mkdir(path.join(dir, "identity"), { recursive: true });
    await mkdir(path.join(dir, "devices"), { recursive: true });
    const noSleep = { retries: 1, sleep: async () => {} };
    const check = (problems: StateProblem[], rel: string, text: string) => {
      for (const p of problems) {
        expect(p.file.endsWith(rel)).toBe(true);
        expectClean(p.problem, 2000, "problem");
        expect(p.problem).not.toContain(SECRET_TOKEN.slice(4, 20));
        // the file's own text is never quoted: no 16-character run of it appears in the problem
        if (text.length >= 16 && !/^[\w\s{}":,.[\]-]*$/.test(text.slice(0, 16)))
          expect(p.problem).not.toContain(text.slice(0, 16));
      }
    };
    await fc.assert(
      fc.asyncProperty(bytes, bytes, bytes, bytes, async (id, auth, paired, pending) => {
        await writeFile(path.join(dir, "identity/device.json"), id);
        await writeFile(path.join(dir, "identity/device-auth.json"), auth);
        await writeFile(path.join(dir, "devices/paired.json"), paired);
        await writeFile(path.join(dir, "devices/pending.json"), pending);
        const i = await readIdentityFile(dir, noSleep);
        check(i.problems, "identity/device.json", id.toString());
        const a = await readDeviceAuthFile(dir, noSleep);
        check(a.problems, "identity/device-auth.json", auth.toString());
        const p = await readPairedFile(dir, noSleep);
        check(p.problems, "devices/paired.json", paired.toString());
        for (const d of p.value) expect(JSON.stringify(d)).not.toContain(SECRET_TOKEN);
        const q = await readPendingFile(dir, 0, noSleep);
        check(q.problems, "devices/pending.json", pending.toString());
      }),
      { numRuns: 120 },
    );
  });

  it("a JSON error says where, never what the text there was (Node 22+ quotes it)", () => {
    expect(
      jsonErrorWhere(new SyntaxError(`Unexpected token 'o', "{"a":"tok-secret-123"} x" is not valid JSON`)),
    ).toBe("unexpected text");
    expect(jsonErrorWhere(new SyntaxError("Unexpected token } in JSON at position 42"))).toBe(
      "at character 42",
    );
    expect(jsonErrorWhere(new SyntaxError("Unexpected end of JSON input"))).toBe("it ends too early");
  });
});
