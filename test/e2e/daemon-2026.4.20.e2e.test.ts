// The daemon (`scope-watchdog run`) on a real OpenClaw 2026.4.20 gateway: it sees the seed's regression from
// events, follows the gateway across a restart on its own connection, and receives pairing events live.
import { describe, expect, it } from "vitest";
import {
  connectLocalClient,
  expectLoopbackOnly,
  expectNoSecrets,
  knownSecrets,
  pairLocalDeviceViaCli,
  prepareWatchdog,
  removeDevice,
  runWatchdogFor,
  startWatchdogDaemon,
  subagentCall,
  useGateway,
} from "./harness/index.js";

const VERSION = "2026.4.20";
/** A reconcile schedule that cannot fire during a test: whatever the daemon finds, it found from events. */
const NEVER = { reconcile: { schedule: "0 0 1 1 *" } };

describe(`OpenClaw ${VERSION}: the watchdog daemon`, () => {
  it("sees the seed's regression from file and log events, not from the schedule", async () => {
    const gateway = await useGateway({ version: VERSION });
    const { identity } = await pairLocalDeviceViaCli(gateway);
    const daemon = await startWatchdogDaemon(gateway, NEVER);
    await daemon.waitFor((r) => r.msg === "recorded the local device's pairing as the last good state");
    await daemon.waitFor((r) => r.msg === "watching OpenClaw");

    // the seed: the record is removed and an approvals-only client with the same identity re-pairs first
    await removeDevice(gateway, identity.deviceId);
    const narrow = await connectLocalClient(gateway, identity);
    const repairedAt = Date.now();
    expect(narrow.hello?.scopes).toEqual(["operator.approvals"]);
    const regression = await daemon.waitFor(
      (r) => r.code === "scope-regression" && r.severity === "critical",
    );
    expect(regression.trigger).toMatch(/^(files|log):/);
    expect(regression.deviceId).toBe(identity.deviceId);
    const latencyMs = Date.parse(regression.time) - repairedAt;
    console.log(
      `[e2e] regression -> finding: ${latencyMs} ms after the narrow re-pair (trigger ${String(regression.trigger)})`,
    );

    // a subagent-shaped call is refused: the pending request and the logged 1008 close are reported
    const refused = await subagentCall(gateway, identity);
    expect(refused.close?.code).toBe(1008);
    const requestId = refused.connectError?.frame.details?.requestId;
    const pending = await daemon.waitFor((r) => r.code === "scope-upgrade-pending");
    expect(pending.requestId).toBe(requestId);
    expect(pending.fix).toBe(`openclaw devices approve ${String(requestId)}`);
    const close = await daemon.waitFor((r) => r.code === "pairing-required-close");
    // from an event (a file or log event; whichever evaluation ran first), never from the schedule
    expect(close.trigger).toMatch(/^(files|log):/);
    expect(close.requestId).toBe(requestId);
    expect(daemon.records.some((r) => r.trigger === "reconcile")).toBe(false);

    expect(await daemon.stop()).toBe(0);
    expectNoSecrets(daemon.output(), knownSecrets(gateway));
    expectLoopbackOnly(gateway);
  });

  it("a paired watchdog keeps its own connection across a gateway restart and receives device.pair.requested", async () => {
    const gateway = await useGateway({ version: VERSION });
    const { identity } = await pairLocalDeviceViaCli(gateway);
    const { configFile } = prepareWatchdog(gateway);
    // on loopback 2026.4.x approves a first pairing silently; elsewhere `pair` prints the approve command
    const pair = await runWatchdogFor(gateway, ["pair", "--json", "--config", configFile]);
    expect(pair.code).toBe(0);
    const paired = JSON.parse(pair.stdout) as { deviceId: string; status: string };
    expect(paired.status).toBe("paired");
    expect(paired.deviceId).not.toBe(identity.deviceId);

    const daemon = await startWatchdogDaemon(gateway, NEVER);
    await daemon.waitFor((r) => r.msg === "observation" && r.kind === "connection-open");

    await gateway.restart();
    const closed = await daemon.waitFor(
      (r) => r.msg === "observation" && r.kind === "connection-closed",
      60_000,
    );
    expect(closed.closeCode).toBe(1012);
    await daemon.waitFor(
      (r) =>
        r.msg === "observation" &&
        r.kind === "connection-open" &&
        Date.parse(r.time) > Date.parse(closed.time),
      60_000,
    );

    // another client of this machine asks for more than the device has: the gateway broadcasts the request
    await removeDevice(gateway, identity.deviceId);
    await connectLocalClient(gateway, identity);
    const refused = await subagentCall(gateway, identity);
    const requestId = refused.connectError?.frame.details?.requestId;
    const requested = await daemon.waitFor(
      (r) => r.msg === "observation" && r.kind === "upgrade-requested" && r.source === "connection",
    );
    expect(requested.deviceId).toBe(identity.deviceId);
    expect(requested.requestId).toBe(requestId);

    expect(await daemon.stop()).toBe(0);
    expectNoSecrets(daemon.output(), knownSecrets(gateway));
    expectLoopbackOnly(gateway);
  });
});
