// Approve from the notification on a real OpenClaw 2026.4.20 gateway: the built daemon (policy notify) shows
// its notification through notify-send on a private D-Bus session to dunst on Xvfb, and the Approve button is
// clicked the way a person clicks it in dunst: `dunstctl context` opens dunst's action menu, which runs its
// dmenu program, here a stand-in script that picks the action (there is no person to pick). The click heals the
// seed's regression and the subagent-shaped call then works; a request a guard refuses gets no button.
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { missingCommands } from "../../scripts/os-packages.mjs";
import {
  CLICK_TOOLS,
  createActionPicker,
  type DesktopSession,
  dunstContext,
  type NotifyCall,
  startDesktopSession,
} from "../helpers/dbus-notifications.js";
import type { Gateway } from "./harness/gateway.js";
import {
  baselineOf,
  connectLocalClient,
  connectOnce,
  expectLoopbackOnly,
  expectNoSecrets,
  knownSecrets,
  listDevices,
  pairLocalDeviceViaCli,
  removeDevice,
  startWatchdogDaemon,
  subagentCall,
  useGateway,
} from "./harness/index.js";

const VERSION = "2026.4.20";
const BUTTONS = ["approve", "Approve", "details", "Details"];

async function desktopFor(gateway: Gateway) {
  const dir = path.join(gateway.dir, "picker");
  mkdirSync(dir, { recursive: true });
  const picker = await createActionPicker(dir);
  const desktop: DesktopSession = await startDesktopSession({ withServer: true, dmenu: picker.script });
  onTestFinished(() => desktop.stop());
  const find = async (what: string, match: (c: NotifyCall) => boolean, timeoutMs = 30_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const call = (await desktop.calls()).find(match);
      if (call) return call;
      if (Date.now() > end)
        throw new Error(
          `no notification ${what} within ${timeoutMs} ms: ${JSON.stringify(await desktop.calls())}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const click = async (key: "approve" | "details") => {
    await picker.pick(key);
    await dunstContext(desktop);
  };
  return { desktop, find, click };
}

function auditOf(dataDir: string): Record<string, unknown>[] {
  return readFileSync(path.join(dataDir, "audit.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe.skipIf(missingCommands(CLICK_TOOLS).length > 0)(
  `OpenClaw ${VERSION}: Approve from the notification`,
  () => {
    it("the Approve button in a real dunst notification heals the seed's regression; the subagent call then works", async () => {
      const gateway = await useGateway({ version: VERSION });
      const d = await desktopFor(gateway);
      const { identity } = await pairLocalDeviceViaCli(gateway);
      const daemon = await startWatchdogDaemon(
        gateway,
        {
          reconcile: { schedule: "0 0 1 1 *" },
          notify: { desktop: { enabled: true }, groupWait: "2s" },
        },
        { env: d.desktop.env },
      );
      await daemon.waitFor((r) => r.msg === "recorded the local device's pairing as the last good state");

      // the seed's regression, as in regression-2026.4.20: a narrow re-pair, then the refused subagent-shaped call
      await removeDevice(gateway, identity.deviceId);
      await connectLocalClient(gateway, identity);
      const refused = await subagentCall(gateway, identity);
      expect(refused.close?.code).toBe(1008);
      const first = String(refused.connectError?.frame.details?.requestId);

      const offer = await d.find("offering the refused call's request", (c) => c.body.includes(first));
      expect(offer.actions).toEqual(BUTTONS);
      expect(offer.urgency).toBe(2);

      // click 1: re-listing is the CLI's own connect, which on 4.20 merges the subagent's request into one with the
      // CLI's scope set under a new id; the click approves nothing and the new notification offers the merged one
      await d.click("approve");
      const changed = await daemon.waitFor((r) => r.by === "user" && r.status === "changed", 60_000);
      expect(String(changed.msg)).toContain(first);
      const narrowNow = (await listDevicesOnFile(gateway)).paired[identity.deviceId];
      expect(narrowNow && [...(narrowNow.approvedScopes ?? [])]).toEqual(["operator.approvals"]);
      const why = await d.find("saying what changed", (c) => c.summary.startsWith("Not approved"));
      expect(why.actions).toEqual(BUTTONS);
      const merged = /Now pending: request (\S+) for/.exec(why.body)?.[1] ?? "";
      expect(merged).not.toBe("");
      expect(merged).not.toBe(first);

      // click 2: the merged request stays the same under the CLI's connect: approved, verified, healed
      await d.click("approve");
      const healed = await daemon.waitFor((r) => r.by === "user" && r.status === "healed", 60_000);
      expect(healed.requestId).toBe(merged);
      await d
        .find("telling the recovery", (c) => c.summary.startsWith("Healed:"), 90_000)
        .catch((err: Error) => {
          // what the daemon decided meanwhile, to tell a late recovery from a missing one
          const since = daemon.records.filter((r) => Date.parse(r.time) >= Date.parse(healed.time));
          const told = since.filter((r) => r.component === "notify" || String(r.msg).startsWith("resolved"));
          throw new Error(`${err.message}\nafter the heal: ${JSON.stringify(told.slice(0, 40))}`);
        });

      const retry = await subagentCall(gateway, identity);
      expect(retry.connectError).toBeNull();
      expect(retry.call).toMatchObject({ ok: true, method: "sessions.list" });
      const { list } = await listDevices(gateway);
      const device = list.paired.find((p) => p.deviceId === identity.deviceId);
      expect(device && baselineOf(device)).toEqual(
        expect.arrayContaining(["operator.admin", "operator.write"]),
      );

      const audit = auditOf(daemon.dataDir).filter((e) => e.by === "user" && e.kind === "decision");
      expect(audit.map((e) => [e.phase, e.action, e.requestId, e.policy])).toEqual([
        ["before", "approve", first, "notify"],
        ["after", "approve", first, "notify"],
        ["before", "approve", merged, "notify"],
        ["after", "approve", merged, "notify"],
      ]);
      expect(audit.map((e) => (e.outcome as { status?: string } | undefined)?.status)).toEqual([
        undefined,
        "changed",
        undefined,
        "healed",
      ]);
      expect(await daemon.stop()).toBe(0);
      expectNoSecrets(
        `${daemon.output()}\n${readFileSync(path.join(daemon.dataDir, "audit.jsonl"), "utf8")}\n${JSON.stringify(await d.desktop.calls())}`,
        knownSecrets(gateway),
      );
      expectLoopbackOnly(gateway);
    });

    it("a request a guard refuses (this device asking from another platform: a metadata upgrade) gets no Approve button", async () => {
      const gateway = await useGateway({ version: VERSION });
      const d = await desktopFor(gateway);
      const { identity } = await pairLocalDeviceViaCli(gateway);
      const daemon = await startWatchdogDaemon(
        gateway,
        { reconcile: { schedule: "0 0 1 1 *" }, notify: { desktop: { enabled: true }, groupWait: "2s" } },
        { env: d.desktop.env },
      );
      await daemon.waitFor((r) => r.msg === "recorded the local device's pairing as the last good state");
      await removeDevice(gateway, identity.deviceId);
      await connectLocalClient(gateway, identity);
      const refused = await connectOnce({
        url: gateway.url,
        token: gateway.token,
        identity,
        clientId: "cli",
        clientMode: "cli",
        platform: "darwin",
        scopes: ["operator.write"],
      });
      expect(refused.close?.code).toBe(1008);
      const requestId = String(refused.connectError?.frame.details?.requestId);
      const pending = (await listDevicesOnFile(gateway)).pending[requestId];
      expect(pending?.platform).toBe("darwin");

      const shown = await d.find("about the request", (c) => c.body.includes(requestId));
      expect(shown.actions).toEqual([]);
      const told = await daemon.waitFor((r) => String(r.msg).startsWith("notify:") && r.kind === "new");
      expect(told.offer).toBeUndefined();
      expect((await d.desktop.calls()).every((c) => c.actions.length === 0)).toBe(true);
      expect(await daemon.stop()).toBe(0);
      expectLoopbackOnly(gateway);
    });
  },
);

/** devices/paired.json and pending.json as the gateway wrote them (read only; no CLI: it would churn the ids). */
async function listDevicesOnFile(gateway: Gateway): Promise<{
  paired: Record<string, { approvedScopes?: string[] }>;
  pending: Record<string, { platform?: string }>;
}> {
  const read = (f: string) => JSON.parse(readFileSync(path.join(gateway.stateDir, "devices", f), "utf8"));
  return { paired: read("paired.json"), pending: read("pending.json") };
}
