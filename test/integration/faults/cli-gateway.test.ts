// Faults around an approve (issue 11, item 12), the whole watchdog on real files with approve-local on: the
// gateway killed in the middle of an approve (a real `ws` gateway stand-in the approving CLI waits on), the
// `openclaw` CLI hanging, crashing and printing garbage (the fake-openclaw stand-in, a real child process), and
// request id churn. After each: the watchdog still runs, nothing it keeps is torn, the incident is neither lost
// nor told twice, nothing but the device's own request was approved, and a restart heals it once.

import { describe, expect, it, onTestFinished } from "vitest";
import { FakeGateway } from "../../helpers/fake-gateway.js";
import { faultWorld, stillOpen } from "./world.js";

/** The stand-in's processes have all ended (none left behind by a kill or a crash). */
async function noneAlive(pids: number[]) {
  for (const pid of pids) {
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    expect(alive, `openclaw stand-in ${pid} still runs`).toBe(false);
  }
}

describe("the gateway dies in the middle of an approve", () => {
  it("before it wrote anything: the attempt fails, nothing is approved, the daemon keeps watching", async () => {
    const gw = await FakeGateway.start({ token: "gw-token-not-printed-0123456789" });
    onTestFinished(() => gw.stop());
    const t = await faultWorld({
      control: { approveViaGateway: { url: gw.url } },
      // the watchdog's own connection goes to the same gateway, and dies with it
      connection: { enabled: true, url: gw.url },
    });
    const w = await t.start();
    await t.sink.waitFor(1);
    // the watchdog is connected, and the approving CLI is connected and waiting for the gateway's answer
    await expect.poll(() => gw.open.length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => gw.clients.length, { timeout: 10_000 }).toBe(2);
    await gw.stop();
    expect(await t.passEnded(w)).toBe("not-healed");
    expect(w.daemon.status().mode).toBe("watching");
    await noneAlive((await t.fake.calls()).map((c) => c.pid));

    const files = await t.intact();
    expect(files.ledger.map((a) => [a.status, a.healed])).toEqual([["not-healed", false]]);
    expect(files.openCodes.length).toBeGreaterThan(0);
    const approve = files.audit.find(
      (e) => e.phase === "after" && e.command?.startsWith("openclaw devices approve"),
    );
    expect(approve?.result?.exitCode).toBe(1);
    expect(String(approve?.result?.stderr)).toContain("Gateway crashed or was terminated unexpectedly");
    expect(await t.approvedScopes()).toEqual(["operator.approvals"]);
    await t.approvedNothingElse(files.audit);
    expect(Object.values(t.newPerKey())).toEqual([1]);
    await t.restartAndHeal(w);
  });

  it("after it wrote the approval: the CLI fails, the state is re-read and verified, and it counts as healed", async () => {
    const gw = await FakeGateway.start();
    onTestFinished(() => gw.stop());
    const t = await faultWorld({ control: { approveViaGateway: { url: gw.url, persistFirst: true } } });
    const w = await t.start();
    await expect.poll(() => gw.clients.length, { timeout: 10_000 }).toBe(1);
    // the approval is on disk before the gateway goes
    await expect.poll(() => t.approvedScopes(), { timeout: 10_000 }).toContain("operator.admin");
    await gw.stop();
    expect(await t.passEnded(w)).toBe("healed");
    await t.sink.waitFor(2);
    expect(t.notifications().map((n) => n.kind)).toEqual(["new", "recovered"]);
    expect(w.daemon.status().mode).toBe("watching");
    await w.watchdog.stop(); // writes what is still coalescing
    const files = await t.intact();
    expect(stillOpen(files.openCodes)).toEqual([]);
    expect(files.ledger.map((a) => a.healed)).toEqual([true]);
    expect(await t.killSwitch()).toBeNull();
    await t.approvedNothingElse(files.audit);
  });
});

describe("the openclaw CLI misbehaves", () => {
  it("hangs in an approve: it is killed at cliTimeout, nothing is approved, and a restart heals once", async () => {
    const t = await faultWorld({ control: { hangBeforeApprove: true } });
    const w = await t.start();
    expect(await t.passEnded(w)).toBe("not-healed");
    await noneAlive((await t.fake.calls()).map((c) => c.pid));
    const files = await t.intact();
    const approve = files.audit.find(
      (e) => e.phase === "after" && e.command?.startsWith("openclaw devices approve"),
    );
    expect(approve?.result?.timedOut).toBe(true);
    expect(await t.approvedScopes()).toEqual(["operator.approvals"]);
    await t.approvedNothingElse(files.audit);
    await t.sink.waitFor(1);
    await t.restartAndHeal(w);
  });

  it.each(["list", "approve"] as const)(
    "crashes (SIGSEGV) in %s: the pass fails cleanly, a restart heals once",
    async (which) => {
      const t = await faultWorld({ control: { crash: which } });
      const w = await t.start();
      const status = await w.waitForLog((r) => r.msg.startsWith("remediation approve:"), 10_000);
      expect(status.status).toBe(which === "list" ? "failed" : "not-healed");
      const files = await t.intact();
      const last = files.audit.filter((e) => e.kind === "command" && e.phase === "after").at(-1);
      expect(last?.command).toContain(`devices ${which}`);
      expect(last?.result?.signal).toBe("SIGSEGV");
      expect(await t.approvedScopes()).toEqual(["operator.approvals"]);
      await t.approvedNothingElse(files.audit);
      await t.sink.waitFor(1);
      await t.restartAndHeal(w);
    },
  );

  it.each(["list", "approve"] as const)(
    "prints garbage in %s: nothing it printed is trusted or stored raw",
    async (which) => {
      const t = await faultWorld({ control: { garbage: which } });
      const w = await t.start();
      const status = String(
        (await w.waitForLog((r) => r.msg.startsWith("remediation approve:"), 10_000)).status,
      );
      // a list that cannot be parsed stops the pass; an approve's output is never believed, the state is re-read
      expect(status).toBe(which === "list" ? "failed" : "not-healed");
      const files = await t.intact();
      // no terminal or bidi control from its output reached the audit log or the daemon's log
      const strings: string[] = [];
      JSON.stringify([files.audit, w.records], (_k, v) => {
        if (typeof v === "string") strings.push(v);
        return v;
      });
      expect(strings.filter((x) => ["\u001b", "\u0007", "\u202e"].some((c) => x.includes(c)))).toEqual([]);
      expect(await t.approvedScopes()).toEqual(["operator.approvals"]);
      await t.approvedNothingElse(files.audit);
      expect(w.daemon.status().mode).toBe("watching");
      await t.sink.waitFor(1);
      await t.restartAndHeal(w);
    },
  );
});

describe("after a failed attempt", () => {
  it("the running daemon tries again once the backoff is over (on its reconcile), and heals once", async () => {
    const t = await faultWorld({
      control: { failApprove: { code: 1 } },
      config: { reconcile: { schedule: "* * * * * *" } },
    });
    const w = await t.start();
    expect(await t.passEnded(w)).toBe("not-healed");
    await t.fake.control({});
    await t.sink.waitFor(2, 15_000);
    expect(t.notifications().map((n) => n.kind)).toEqual(["new", "recovered"]);
    await w.watchdog.stop(); // writes what is still coalescing
    const files = await t.intact();
    expect(files.ledger.toSorted((a, b) => a.atMs - b.atMs).map((a) => a.status)).toEqual([
      "not-healed",
      "healed",
    ]);
    // the second attempt waited out the first one's backoff (1 s)
    const [a, b] = files.ledger.toSorted((x, y) => x.atMs - y.atMs);
    expect((b?.atMs ?? 0) - (a?.atMs ?? 0)).toBeGreaterThanOrEqual(1_000);
    expect(stillOpen(files.openCodes)).toEqual([]);
    await t.approvedNothingElse(files.audit);
  });
});

describe("request id churn", () => {
  it("follows the device's request through two new ids, approves only its own, and tells the incident once", async () => {
    const t = await faultWorld({ control: { churnApproves: 2 }, remediation: { maxRetries: 3 } });
    const w = await t.start();
    expect(await t.passEnded(w)).toBe("healed");
    await t.sink.waitFor(2);
    expect(t.notifications().map((n) => n.kind)).toEqual(["new", "recovered"]);
    await w.watchdog.stop(); // writes what is still coalescing
    const files = await t.intact();
    const approves = files.audit.filter(
      (e) => e.phase === "before" && e.command?.startsWith("openclaw devices approve"),
    );
    expect(new Set(approves.map((e) => e.requestId)).size).toBe(3);
    expect(approves[0]?.requestId).toBe(t.seed.requestId);
    expect(files.ledger.map((a) => a.healed)).toEqual([true]);
    expect(stillOpen(files.openCodes)).toEqual([]);
    expect(Object.values(t.openedPerFingerprint()).every((n) => n === 1)).toBe(true);
    await t.approvedNothingElse(files.audit);
  });
});
