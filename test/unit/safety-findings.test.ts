// The findings about the ground healing stands on (pure): unsafe state folders and the watchdog's own halt,
// and text from outside made safe to store.

import { describe, expect, it } from "vitest";
import { cleanText, cleanValue } from "../../src/common/clean-text.js";
import type { UnsafePath } from "../../src/common/types.js";
import { detectFindings } from "../../src/detect/findings.js";
import { haltFindings, shellQuote, unsafePathFindings } from "../../src/detect/safety-findings.js";
import { parseOpenClawVersion } from "../../src/detect/version.js";
import { CLI_SCOPES, paired, REF_NOW, snapshot } from "../helpers/records.js";

describe("state-path-unsafe", () => {
  it.each<[string, UnsafePath, RegExp, string]>([
    [
      "group-writable",
      { path: "/home/u/.openclaw", problem: "writable", mode: 0o775 },
      /is writable by its group \(mode 0775\)/,
      "chmod go-w '/home/u/.openclaw'",
    ],
    [
      "world-writable",
      { path: "/home/u/.openclaw/devices", problem: "writable", mode: 0o777 },
      /writable by every account on this machine \(mode 0777\)/,
      "chmod go-w '/home/u/.openclaw/devices'",
    ],
    [
      "another owner",
      { path: "/home/u/.openclaw", problem: "owner", uid: 1001 },
      /belongs to another account \(uid 1001\)/,
      `sudo chown -R "$(id -u):$(id -g)" '/home/u/.openclaw'`,
    ],
    [
      "a symlink",
      { path: "/home/u/.openclaw", problem: "symlink" },
      /is a symbolic link/,
      "readlink -f '/home/u/.openclaw'",
    ],
    [
      "unexaminable",
      { path: "/home/u/.openclaw/state", problem: "unchecked", error: "EACCES" },
      /cannot be examined \(EACCES\)/,
      "ls -ld '/home/u/.openclaw/state'",
    ],
  ])("%s: a warning naming the folder and the command that fixes it", (_n, u, message, command) => {
    const [f] = unsafePathFindings([u]);
    expect(f).toMatchObject({ code: "state-path-unsafe", severity: "warning", file: u.path });
    expect(f?.message).toMatch(message);
    expect(f?.message).toContain(u.path);
    expect(f?.impact).toMatch(/automatic healing is off/);
    expect(f?.fix?.command).toBe(command);
  });

  it("quotes a path with a quote in it for the shell", () => {
    expect(shellQuote("/tmp/it's here")).toBe("'/tmp/it'\\''s here'");
  });

  it("detectFindings reports each unsafe folder, and none when there are none", () => {
    const base = {
      nowMs: REF_NOW,
      version: parseOpenClawVersion("2026.4.20"),
      store: "files" as const,
      snapshot: snapshot({ paired: [paired(CLI_SCOPES)] }),
      requiredScopes: ["operator.admin"],
      autoApproveLocal: null,
    };
    expect(detectFindings(base)).toEqual([]);
    const fs = detectFindings({
      ...base,
      unsafePaths: [
        { path: "/s", problem: "writable", mode: 0o770 },
        { path: "/s/devices", problem: "symlink" },
      ],
    });
    expect(fs.map((f) => `${f.code}:${f.file}`)).toEqual([
      "state-path-unsafe:/s",
      "state-path-unsafe:/s/devices",
    ]);
  });
});

describe("remediation-halted", () => {
  it("is critical while the watchdog's own kill switch holds a reason, and absent otherwise", () => {
    expect(haltFindings(null)).toEqual([]);
    const [f] = haltFindings({
      file: "/data/disable-remediation",
      reason: "the approve granted operator.questions",
      atMs: Date.UTC(2026, 11, 2, 9, 0, 0),
    });
    expect(f).toMatchObject({ code: "remediation-halted", severity: "critical" });
    expect(f?.message).toBe(
      "The watchdog stopped healing at 2026-12-02T09:00:00.000Z and engaged its kill switch /data/disable-remediation: the approve granted operator.questions",
    );
    expect(f?.fix?.explanation).toContain("rm '/data/disable-remediation'");
  });
});

describe("cleanText and cleanValue", () => {
  it("removes control, bidi and invisible characters, keeps tab and newline, and caps the length", () => {
    expect(cleanText("ok\u202egnp.exe\u0007\r\u200b", 100)).toBe("okgnp.exe");
    expect(cleanText("a\tb\nc", 100)).toBe("a\tb\nc");
    expect(cleanText("x".repeat(20), 10)).toBe(`${"x".repeat(9)}…`);
    expect(cleanText(`${"x".repeat(8)}😀`, 10)).toBe(`${"x".repeat(8)}😀`);
    expect(cleanText(`${"x".repeat(9)}😀y`, 11)).toBe(`${"x".repeat(9)}…`);
  });

  it("cleans every string of a structured value and caps every list", () => {
    const v = cleanValue(
      { reasons: ["a\u202eb", "c"], nested: { name: "n".repeat(50), n: 3 }, list: [1, 2, 3, 4] },
      { maxChars: 10, maxItems: 3 },
    );
    expect(v).toEqual({
      reasons: ["ab", "c"],
      nested: { name: `${"n".repeat(9)}…`, n: 3 },
      list: [1, 2, 3, "… and 1 more"],
    });
  });
});
