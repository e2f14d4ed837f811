// The 2026.4.x file readers against real files: good shapes, and every kind of bad input.

import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  readDeviceAuthFile,
  readIdentityFile,
  readPairedFile,
  readPendingFile,
} from "../../src/sources/state/files-store.js";
import { readJsonFile } from "../../src/sources/state/safe-read.js";
import { readPairingSnapshot } from "../../src/sources/state/snapshot.js";
import {
  CLI_DEFAULT_SCOPES_4_20,
  LegacyStateDir,
  makeIdentity,
  pairedRecord,
  pendingRecord,
  tempDir,
  writeSeedState,
} from "../helpers/openclaw-state.js";

async function state() {
  return new LegacyStateDir(await tempDir());
}

describe("2026.4.x state files", () => {
  it("reads the seed's state: identity, token cache metadata, paired baseline and the live pending request", async () => {
    const s = await state();
    const seed = await writeSeedState(s);
    const snap = await readPairingSnapshot({ stateDir: s.dir, store: "files", nowMs: Date.now() });
    expect(snap.problems).toEqual([]);
    expect(snap.identity).toMatchObject({ deviceId: seed.id.deviceId, publicKey: seed.id.publicKey });
    expect(snap.paired).toHaveLength(1);
    expect(snap.paired[0]?.approvedScopes).toEqual(["operator.approvals"]);
    expect(snap.pending.map((p) => p.requestId)).toEqual([seed.requestId]);
    expect(snap.deviceAuth?.tokens).toEqual([
      expect.objectContaining({ role: "operator", scopes: ["operator.approvals"] }),
    ]);
    // token strings are dropped by the reader
    expect(JSON.stringify(snap)).not.toContain(seed.deviceToken);
  });

  it("derives the device id from the PEM and keeps the stored id for comparison", async () => {
    const s = await state();
    const id = makeIdentity();
    await s.writeIdentity(id, "f".repeat(64));
    const r = await readIdentityFile(s.dir);
    expect(r.value).toMatchObject({
      deviceId: id.deviceId,
      storedDeviceId: "f".repeat(64),
      publicKey: id.publicKey,
    });
  });

  it("drops pending requests past OpenClaw's 5-minute TTL", async () => {
    const s = await state();
    const id = makeIdentity();
    const now = Date.now();
    await s.writePending([
      pendingRecord(id, { requestId: "fresh", scopes: ["operator.admin"], ts: now - 299_000 }),
      pendingRecord(id, { requestId: "stale", scopes: ["operator.admin"], ts: now - 301_000 }),
    ]);
    const r = await readPendingFile(s.dir, now);
    expect(r.value.map((p) => p.requestId)).toEqual(["fresh"]);
  });

  it("treats missing paired and pending files as empty, and a missing identity as an info-level problem", async () => {
    const s = await state();
    expect(await readPairedFile(s.dir)).toEqual({ value: [], problems: [] });
    expect(await readPendingFile(s.dir, Date.now())).toEqual({ value: [], problems: [] });
    const id = await readIdentityFile(s.dir);
    expect(id.value).toBeNull();
    expect(id.problems[0]).toMatchObject({ file: s.file("identity/device.json"), severity: "info" });
    expect(id.problems[0]?.problem).toMatch(/does not exist/);
  });

  it("retries a half-written file instead of reporting corruption on the first read", async () => {
    const s = await state();
    const file = s.file("devices/paired.json");
    const full = JSON.stringify({
      [makeIdentity().deviceId]: pairedRecord(makeIdentity(), { scopes: ["operator.read"] }),
    });
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, full.slice(0, full.length / 2));
    let sleeps = 0;
    const r = await readJsonFile(file, {
      sleep: async () => {
        sleeps++;
        await writeFile(file, full); // the writer finishes while the reader waits
      },
    });
    expect(sleeps).toBe(1);
    expect(r.ok).toBe(true);
  });

  it.each([
    ["malformed JSON", "{ not json", /is not valid JSON.*also after 3 re-reads/],
    ["truncated JSON", '{"a": {"deviceId": "x", "publicKey"', /is not valid JSON/],
    ["an empty file", "", /is empty, also after 3 re-reads/],
    ["an array", "[]", /expected an object keyed by deviceId, got an array/],
  ])("reports %s in paired.json as a problem naming the file", async (_what, content, problem) => {
    const s = await state();
    await mkdir(s.file("devices"), { recursive: true });
    await writeFile(s.file("devices/paired.json"), content);
    const r = await readPairedFile(s.dir, { retryDelayMs: 1 });
    expect(r.value).toEqual([]);
    expect(r.problems[0]?.file).toBe(s.file("devices/paired.json"));
    expect(r.problems[0]?.problem).toMatch(problem);
  });

  it("keeps good entries and reports the bad one when one record is malformed", async () => {
    const s = await state();
    const good = pairedRecord(makeIdentity(), { scopes: CLI_DEFAULT_SCOPES_4_20 });
    await s.writePaired([good, { deviceId: "bad", publicKey: 7, scopes: "x" }]);
    const r = await readPairedFile(s.dir);
    expect(r.value.map((d) => d.deviceId)).toEqual([good.deviceId]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]?.problem).toMatch(/entry bad: publicKey/);
  });

  it("refuses a file far too large", async () => {
    const s = await state();
    await mkdir(s.file("devices"), { recursive: true });
    await writeFile(s.file("devices/paired.json"), Buffer.alloc(9 * 1024 * 1024, 0x20));
    const r = await readPairedFile(s.dir);
    expect(r.problems[0]?.problem).toMatch(/is 9\.0 MiB, larger than the 8 MiB/);
  });

  it("refuses a symlink where a file should be", async () => {
    const s = await state();
    const id = makeIdentity();
    const elsewhere = path.join(s.dir, "elsewhere.json");
    await writeFile(
      elsewhere,
      JSON.stringify({ [id.deviceId]: pairedRecord(id, { scopes: ["operator.admin"] }) }),
    );
    await mkdir(s.file("devices"), { recursive: true });
    await symlink(elsewhere, s.file("devices/paired.json"));
    const r = await readPairedFile(s.dir);
    expect(r.value).toEqual([]);
    expect(r.problems[0]?.problem).toMatch(/symbolic link/);
  });

  it("reports an unknown schema version instead of guessing", async () => {
    const s = await state();
    const id = makeIdentity();
    await mkdir(s.file("identity"), { recursive: true });
    await writeFile(
      s.file("identity/device.json"),
      JSON.stringify({ version: 2, deviceId: id.deviceId, publicKeyPem: id.publicKeyPem }),
    );
    await writeFile(
      s.file("identity/device-auth.json"),
      JSON.stringify({ version: 3, deviceId: id.deviceId, tokens: {} }),
    );
    expect((await readIdentityFile(s.dir)).problems[0]?.problem).toMatch(
      /schema version 2; this watchdog understands version 1/,
    );
    expect((await readDeviceAuthFile(s.dir)).problems[0]?.problem).toMatch(/schema version 3/);
  });

  it("reports a public key that is not Ed25519", async () => {
    const s = await state();
    await mkdir(s.file("identity"), { recursive: true });
    await writeFile(
      s.file("identity/device.json"),
      JSON.stringify({
        version: 1,
        deviceId: "x",
        publicKeyPem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
      }),
    );
    expect((await readIdentityFile(s.dir)).problems[0]?.problem).toMatch(
      /publicKeyPem is not a valid public key/,
    );
  });

  it("reports a directory where a file should be", async () => {
    const s = await state();
    await mkdir(s.file("devices/pending.json"), { recursive: true });
    const r = await readPendingFile(s.dir, Date.now());
    expect(r.problems[0]?.problem).toBe("is not a regular file");
  });
});
