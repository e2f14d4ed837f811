// The audit log on a real temp dir: rotated by size into audit.jsonl.1 … .keep (all 0600), every entry cleaned
// and capped, secrets scrubbed, a planted symlink refused.

import { readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type AuditEntry, createAuditLog } from "../../src/actions/remediate/audit-log.js";
import { tempDir } from "../helpers/openclaw-state.js";

const entry = (n: number, reasons: string[] = [`entry ${n}`]): AuditEntry => ({
  at: new Date(1_800_000_000_000 + n).toISOString(),
  atMs: 1_800_000_000_000 + n,
  pass: `p-${n}`,
  phase: "decided",
  kind: "decision",
  action: "skip",
  policy: "approve-local",
  dryRun: false,
  stateDir: "/home/u/.openclaw",
  reasons,
});

describe("the audit log", () => {
  it("rotates by size: the newest in audit.jsonl, then .1 to .3, the oldest dropped, all 0600", async () => {
    const dir = await tempDir("sw-audit-");
    const file = path.join(dir, "audit.jsonl");
    const log = createAuditLog(file, { maxBytes: 1_000, keep: 3 });
    for (let n = 0; n < 40; n++) await log.append(entry(n, ["x".repeat(150)]));
    expect((await readdir(dir)).sort()).toEqual([
      "audit.jsonl",
      "audit.jsonl.1",
      "audit.jsonl.2",
      "audit.jsonl.3",
    ]);
    const passes: string[] = [];
    for (const f of ["audit.jsonl.3", "audit.jsonl.2", "audit.jsonl.1", "audit.jsonl"]) {
      const st = await stat(path.join(dir, f));
      expect(st.mode & 0o777).toBe(0o600);
      expect(st.size).toBeLessThanOrEqual(1_000);
      const text = await readFile(path.join(dir, f), "utf8");
      for (const l of text.split("\n").filter(Boolean)) passes.push((JSON.parse(l) as AuditEntry).pass);
    }
    // consecutive and ending with the last one: nothing lost in between, only the oldest files dropped
    const numbers = passes.map((p) => Number(p.slice(2)));
    expect(numbers.at(-1)).toBe(39);
    expect(numbers).toEqual(numbers.map((_, i) => (numbers[0] ?? 0) + i));
    expect(numbers[0]).toBeGreaterThan(0);
  });

  it("cleans and caps every text and list, and scrubs secrets", async () => {
    const dir = await tempDir("sw-audit-");
    const file = path.join(dir, "audit.jsonl");
    const secret = "gw-token-not-printed-0123456789";
    const log = createAuditLog(file, { secrets: () => [secret] });
    await log.append({
      ...entry(1, [`name \u202eexe.txt\u0007 ${secret}`, "y".repeat(5_000)]),
      scopes: Array.from({ length: 80 }, (_, i) => `scope.${i}`),
    });
    const text = await readFile(file, "utf8");
    const e = JSON.parse(text) as AuditEntry;
    expect(e.reasons?.[0]).toBe("name exe.txt [redacted]");
    expect(e.reasons?.[1]).toHaveLength(1_000);
    expect(e.scopes).toHaveLength(51);
    expect(e.scopes?.at(-1)).toBe("… and 30 more");
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/\\u202e|\\u0007/i);
  });

  it("refuses a planted symlink (check and append), leaving its target untouched", async () => {
    const dir = await tempDir("sw-audit-");
    const target = path.join(dir, "elsewhere");
    await writeFile(target, "untouched\n");
    await symlink(target, path.join(dir, "audit.jsonl"));
    const log = createAuditLog(path.join(dir, "audit.jsonl"));
    await expect(log.check()).rejects.toThrow(/is not a regular file/);
    await expect(log.append(entry(1))).rejects.toThrow(/is not a regular file/);
    expect(await readFile(target, "utf8")).toBe("untouched\n");
  });
});
