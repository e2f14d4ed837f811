// Property tests of the new outside input version discovery and store detection read: a systemd unit's ExecStart,
// a launchd plist's ProgramArguments, openclaw.json's meta.lastTouchedVersion, and state/openclaw.sqlite with its
// -wal as arbitrary bytes on disk (a header that claims anything, a log of any frames). Each gives typed values
// or a problem, never throws, and the user_version is only ever a uint32 read from where SQLite keeps it.

import { writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { execStartArgs, plistProgramArguments } from "../../../src/sources/host/openclaw-version.js";
import { resolveGatewaySettings } from "../../../src/sources/state/openclaw-config.js";
import { readSqliteUserVersion } from "../../../src/sources/state/sqlite-header.js";
import { tempDir } from "../../helpers/openclaw-state.js";
import { anyValue, hostileText, RUNS } from "./arbitraries.js";

const unitText = fc.oneof(
  hostileText(400),
  fc
    .tuple(
      hostileText(80),
      fc.array(fc.oneof(hostileText(40), fc.constantFrom('"', "'", "\\", " ")), { maxLength: 12 }),
    )
    .map(([head, words]) => `[Unit]\n${head}\n[Service]\nExecStart=${words.join(" ")}\n[Install]\n`),
);

describe("property: service files", () => {
  it("ExecStart gives a list of strings from the [Service] section only, whatever the unit holds", () => {
    fc.assert(
      fc.property(unitText, (text) => {
        const args = execStartArgs(text);
        expect(Array.isArray(args)).toBe(true);
        for (const a of args) expect(typeof a).toBe("string");
        if (!/^\s*\[Service\]\s*$/m.test(text)) expect(args).toEqual([]);
      }),
      RUNS,
    );
  });

  it("ProgramArguments gives the array's strings, entities decoded, and nothing outside it", () => {
    const word = hostileText(40).map((s) => s.replace(/[<>]/g, ""));
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), hostileText(200), (words, noise) => {
        const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
        const plist = `${noise.replace(/[<>]/g, "")}<key>ProgramArguments</key><array>${words.map((w) => `<string>${esc(w)}</string>`).join("")}</array><string>after</string>`;
        expect(plistProgramArguments(plist)).toEqual(words);
        expect(plistProgramArguments(noise)).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe("property: meta.lastTouchedVersion", () => {
  it("is a trimmed non-empty string or null, whatever openclaw.json holds", () => {
    fc.assert(
      fc.property(anyValue(), anyValue(), (meta, raw) => {
        for (const value of [{ meta: { lastTouchedVersion: meta } }, raw]) {
          const v = resolveGatewaySettings(value, {}, null, null).lastTouchedVersion;
          if (v !== null) {
            expect(typeof v).toBe("string");
            expect(v).toBe(v?.trim());
            expect(v).not.toBe("");
          }
        }
      }),
      RUNS,
    );
  });
});

describe("property: state/openclaw.sqlite and its -wal as bytes", () => {
  it("gives a uint32 from byte 60 of the header or of a committed page-1 frame, or a problem; never throws", async () => {
    const dir = await tempDir("sw-prop-sqlite-");
    const file = path.join(dir, "openclaw.sqlite");
    const MAGIC = Buffer.from("SQLite format 3\0", "latin1");
    const header = fc
      .tuple(fc.boolean(), fc.uint8Array({ minLength: 0, maxLength: 300 }))
      .map(([magic, rest]) => (magic ? Buffer.concat([MAGIC, Buffer.from(rest)]) : Buffer.from(rest)));
    const wal = fc.oneof(
      fc.constant(null),
      fc.uint8Array({ maxLength: 2000 }).map((u) => Buffer.from(u)),
      // a well-formed log header with frames of any content
      fc
        .tuple(fc.constantFrom(0x377f0682, 0x377f0683), fc.uint8Array({ maxLength: 3000 }))
        .map(([magic, frames]) => {
          const h = Buffer.alloc(32);
          h.writeUInt32BE(magic, 0);
          h.writeUInt32BE(512, 8);
          return Buffer.concat([h, Buffer.from(frames)]);
        }),
    );
    await fc.assert(
      fc.asyncProperty(header, wal, async (db, log) => {
        await writeFile(file, db);
        if (log) await writeFile(`${file}-wal`, log);
        else await writeFile(`${file}-wal`, "");
        const r = await readSqliteUserVersion(file);
        if (r.ok) {
          expect(Number.isInteger(r.userVersion)).toBe(true);
          expect(r.userVersion).toBeGreaterThanOrEqual(0);
          expect(r.userVersion).toBeLessThanOrEqual(0xffffffff);
          if (!r.fromWal && db.length >= 100) expect(r.userVersion).toBe(db.readUInt32BE(60));
        } else {
          expect(r.problem).toMatch(/^(is not a SQLite database|cannot be read)/);
        }
      }),
      RUNS,
    );
  });
});
