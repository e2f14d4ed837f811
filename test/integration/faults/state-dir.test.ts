// OpenClaw's state folder deleted and re-created, and identity/ swapped for a symlink (issue 11, item 12), on the
// whole watchdog with real files and approve-local on. After each: the watchdog runs, its files parse, the
// incident is told once, and nothing but this machine's own request is ever approved.

import { mkdir, rename, rm, symlink } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LegacyStateDir, makeIdentity, writeSeedState } from "../../helpers/openclaw-state.js";
import { faultWorld } from "./world.js";

describe("the state folder", () => {
  it("deleted and re-created: the watchdog waits, picks the new one up, and tells its regression once", async () => {
    const t = await faultWorld({ control: { failApprove: { code: 1 } } });
    const w = await t.start();
    expect(await t.passEnded(w)).toBe("not-healed");
    await t.sink.waitFor(1);
    await rm(t.state.dir, { recursive: true, force: true });
    await expect.poll(() => w.daemon.status().mode, { timeout: 15_000 }).not.toBe("watching");
    // the same machine's state comes back, still regressed (a restore from backup); its incidents stayed open
    await mkdir(t.state.dir, { recursive: true, mode: 0o700 });
    await writeSeedState(new LegacyStateDir(t.state.dir), t.seed.id);
    await expect.poll(() => w.daemon.status().mode, { timeout: 15_000 }).toBe("watching");
    const seen = w.evaluations.length;
    await expect.poll(() => w.evaluations.length, { timeout: 10_000 }).toBeGreaterThan(seen);
    await new Promise((r) => setTimeout(r, 300)); // a group wait
    const files = await t.intact();
    expect(files.openCodes).toContain("baseline-missing-scope");
    expect(Object.values(t.newPerKey()).every((n) => n === 1)).toBe(true);
    await t.approvedNothingElse(files.audit);
    await t.restartAndHeal(w);
  });
});

describe("identity/ swapped for a symlink", () => {
  it("to another key's identity: no approve runs, and nothing is approved for it", async () => {
    const t = await faultWorld({ control: { hangBeforeApprove: true } });
    // a planted identity folder elsewhere, with its own key and a pending request of that key
    const planted = new LegacyStateDir(path.join(t.root, "planted"));
    const other = makeIdentity();
    await planted.writeIdentity(other);
    await rename(t.state.file("identity"), path.join(t.root, "identity.orig"));
    await symlink(planted.file("identity"), t.state.file("identity"));
    const w = await t.start();
    await t.sink.waitFor(1);
    const e = w.evaluations.at(-1);
    expect(e?.findings.some((f) => f.code === "state-path-unsafe")).toBe(true);
    expect((await t.fake.calls()).filter((c) => c.argv[1] === "approve")).toEqual([]);
    const files = await t.intact();
    await t.approvedNothingElse(files.audit);
    expect(await t.approvedScopes()).toEqual(["operator.approvals"]);
    expect(w.daemon.status().mode).toBe("watching");
    const unsafe = e?.findings.find((f) => f.code === "state-path-unsafe");
    expect(unsafe?.file ?? unsafe?.message).toContain(t.state.file("identity"));

    // a restart changes nothing of that: no approve, nothing told again
    await w.watchdog.stop();
    const told = t.sink.requests.length;
    const next = await t.start();
    await expect.poll(() => next.evaluations.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300)); // a group wait
    await next.watchdog.stop();
    expect(t.sink.requests.length).toBe(told);
    expect((await t.fake.calls()).filter((c) => c.argv[1] === "approve")).toEqual([]);
    expect(Object.values(t.openedPerFingerprint()).every((n) => n === 1)).toBe(true);
    await t.approvedNothingElse((await t.intact()).audit);
  });
});
