// Two profiles on one machine, for real: two OpenClaw 2026.4.20 gateways under one HOME (~/.openclaw and
// ~/.openclaw-work, `openclaw --profile work`), each on its own port with its own device, and ONE watchdog daemon
// with no state dir configured. 2026.4.20 writes both gateways' logs to the same /tmp/openclaw/openclaw-<date>.log
// (shared with every other 4.x gateway on this machine): that is the point. A refusal (1008, scope upgrade) in the
// work profile must be attributed to the work profile only, by the gateway port its log line names
// (`host=127.0.0.1:PORT`), in the findings, `status --json` and the notification; the default profile stays clean.
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { startHttpSink } from "../helpers/http-sink.js";
import {
  connectLocalClient,
  expectLoopbackOnly,
  expectNoSecrets,
  knownSecrets,
  pairLocalDeviceViaCli,
  prepareWatchdog,
  removeDevice,
  runWatchdog,
  startWatchdogDaemon,
  subagentCall,
  useGateway,
} from "./harness/index.js";

const VERSION = "2026.4.20";

interface StatusJson {
  incidents: { code: string; profile?: string }[];
  instances?: {
    profile: string;
    openclaw: { stateDir: string | null };
    incidents: { code: string }[];
    summary: { ok: boolean };
  }[];
}

describe(`OpenClaw ${VERSION}: two profiles, one watchdog`, () => {
  it("a refusal in the work profile is attributed to the work profile only (findings, status --json, notification)", async () => {
    const main = await useGateway({ version: VERSION });
    const work = await useGateway({ version: VERSION, profileOf: { gateway: main, profile: "work" } });
    // the work gateway stops first: the test folder (the shared HOME) is the default gateway's
    onTestFinished(() => work.stop().then(() => undefined));
    expect(work.home).toBe(main.home);
    expect(work.stateDir).toBe(path.join(main.home, ".openclaw-work"));
    expect(work.port).not.toBe(main.port);
    // both 2026.4.20 gateways log to the same file, whatever their state dir says
    expect(work.logFile).toBe(main.logFile);
    expect(main.logFile).toMatch(/^\/tmp\/openclaw(-\d+)?\/openclaw-\d{4}-\d{2}-\d{2}\.log$/);

    const mine = await pairLocalDeviceViaCli(main);
    const theirs = await pairLocalDeviceViaCli(work);
    expect(theirs.identity.deviceId).not.toBe(mine.identity.deviceId);

    const sink = await startHttpSink();
    onTestFinished(() => sink.close());
    const setup = prepareWatchdog(main);
    const daemon = await startWatchdogDaemon(main, {
      // no stateDir, no profile, no logFile: the watchdog finds both states and the log itself
      openclaw: { bin: setup.openclawBin },
      reconcile: { schedule: "0 0 1 1 *" },
      notify: { desktop: { enabled: false }, groupWait: "2s", webhook: { url: sink.url } },
    });
    for (const profile of ["default", "work"])
      await daemon.waitFor(
        (r) =>
          r.msg === "recorded the local device's pairing as the last good state" && r.profile === profile,
        60_000,
      );

    // the seed's regression in the work profile: narrow re-pair, then the refused subagent-shaped call
    await removeDevice(work, theirs.identity.deviceId);
    await connectLocalClient(work, theirs.identity);
    const refused = await subagentCall(work, theirs.identity);
    expect(refused.close?.code).toBe(1008);
    const requestId = String(refused.connectError?.frame.details?.requestId);
    // the refusal is in the shared log, naming the work gateway's port
    // (the gateway writes it after the close: poll)
    await expect
      .poll(() => work.closedBeforeConnect("log").some((l) => l.includes(requestId.slice(0, 8))), {
        timeout: 10_000,
      })
      .toBe(true);

    const fromLog = await daemon.waitFor(
      (r) => r.code === "pairing-required-close" && r.deviceId === theirs.identity.deviceId,
      60_000,
    );
    expect(fromLog.profile).toBe("work");
    expect(fromLog.stateDir).toBe(work.stateDir);
    await daemon.waitFor((r) => r.code === "baseline-missing-scope" && r.profile === "work", 30_000);

    const [note] = await sink.waitFor(1, 30_000);
    const sent = JSON.parse(note?.body ?? "{}") as {
      title: string;
      incident: { profile?: string; stateDir?: string; deviceId?: string; codes: string[] };
    };
    expect(sent.title).toContain("(profile work)");
    expect(sent.incident).toMatchObject({
      profile: "work",
      stateDir: work.stateDir,
      deviceId: theirs.identity.deviceId,
    });
    expect(sent.incident.codes).toEqual(
      expect.arrayContaining(["pairing-required-close", "baseline-missing-scope"]),
    );

    const status = await runWatchdog(["status", "--json"], { dir: main.dir, env: setup.env });
    expect(status.code).toBe(1);
    const report = JSON.parse(status.stdout) as StatusJson;
    const byProfile = new Map((report.instances ?? []).map((i) => [i.profile, i]));
    expect([...byProfile.keys()].sort()).toEqual(["default", "work"]);
    expect(byProfile.get("default")?.openclaw.stateDir).toBe(main.stateDir);
    expect(byProfile.get("work")?.openclaw.stateDir).toBe(work.stateDir);
    expect(byProfile.get("work")?.incidents.map((i) => i.code)).toEqual(
      expect.arrayContaining(["pairing-required-close", "baseline-missing-scope"]),
    );
    // the default profile stays clean: nothing from the shared log is pinned on it
    expect(byProfile.get("default")?.incidents).toEqual([]);
    expect(byProfile.get("default")?.summary.ok).toBe(true);
    expect(report.incidents.every((i) => i.profile === "work")).toBe(true);
    expect(
      daemon.records.filter((r) => r.profile === "default" && typeof r.code === "string" && r.level >= 40),
    ).toEqual([]);
    expect(
      sink.requests.every(
        (r) => (JSON.parse(r.body) as { incident: { profile?: string } }).incident.profile === "work",
      ),
    ).toBe(true);

    expect(await daemon.stop()).toBe(0);
    expectNoSecrets(`${daemon.output()}\n${status.stdout}\n${sink.requests.map((r) => r.body).join("\n")}`, [
      ...knownSecrets(main),
      ...knownSecrets(work),
    ]);
    expectLoopbackOnly(main);
    expectLoopbackOnly(work);
  });
});
