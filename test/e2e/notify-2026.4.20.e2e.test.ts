// Notifications from the daemon on a real OpenClaw 2026.4.20 gateway: the seed's regression is one
// notification naming the request to approve, and its recovery exactly one more (webhook on 127.0.0.1).
import { describe, expect, it, onTestFinished } from "vitest";
import { startHttpSink } from "../helpers/http-sink.js";
import {
  approveRequest,
  connectLocalClient,
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

interface WebhookBody {
  kind: string;
  severity: string;
  title: string;
  body: string;
  incident: { codes: string[]; deviceId?: string; requestId?: string };
}

describe(`OpenClaw ${VERSION}: notifications`, () => {
  it("the seed's regression is one notification with the request id, and its recovery exactly one more", async () => {
    const gateway = await useGateway({ version: VERSION });
    const sink = await startHttpSink();
    onTestFinished(() => sink.close());
    const { identity } = await pairLocalDeviceViaCli(gateway);
    const daemon = await startWatchdogDaemon(gateway, {
      reconcile: { schedule: "0 0 1 1 *" },
      // the narrow re-pair and the refused call below take well under 5 s even on a loaded machine (a CI run at
      // load 13 took more than 2 s): they are one incident
      notify: { desktop: { enabled: false }, groupWait: "5s", webhook: { url: sink.url } },
    });
    await daemon.waitFor((r) => r.msg === "recorded the local device's pairing as the last good state");

    await removeDevice(gateway, identity.deviceId); // only `device-not-paired` at info: below minSeverity
    await connectLocalClient(gateway, identity); // the approvals-only client re-pairs the device narrowly
    const refused = await subagentCall(gateway, identity); // the subagent call is refused: a pending upgrade
    const requestId = refused.connectError?.frame.details?.requestId;
    expect(typeof requestId).toBe("string");

    const [first] = await sink.waitFor(1, 20_000);
    const sent = JSON.parse(first?.body ?? "{}") as WebhookBody;
    expect(sent.kind).toBe("new");
    expect(sent.severity).toBe("critical");
    expect(sent.incident.deviceId).toBe(identity.deviceId);
    expect(sent.incident.requestId).toBe(requestId);
    expect(sent.incident.codes).toEqual(
      expect.arrayContaining(["baseline-missing-scope", "scope-upgrade-pending"]),
    );
    expect(sent.body).toContain(`openclaw devices approve ${String(requestId)}`);
    expect(sent.body).toMatch(/sessions_spawn/);

    // the user follows it: `openclaw devices list` (its own connect churns the id), then approves
    const { list } = await listDevices(gateway);
    const pending = list.pending.find((p) => p.deviceId === identity.deviceId);
    const approvedAt = Date.now();
    await approveRequest(gateway, pending?.requestId ?? "");
    const [, recovered] = await sink.waitFor(2, 30_000).catch((err: Error) => {
      // what the daemon found meanwhile, to tell a late recovery from an incident kept open
      const since = daemon.records.filter((r) => Date.parse(r.time) >= approvedAt - 5_000);
      const said = since.map((r) => [r.time.slice(11, 23), r.msg, r.code, r.kind, r.requestId, r.trigger]);
      throw new Error(`${err.message}\nthe daemon since the approve: ${JSON.stringify(said)}`);
    });
    const healed = JSON.parse(recovered?.body ?? "{}") as WebhookBody;
    expect(healed.kind).toBe("recovered");
    expect(healed.body).toContain(String(pending?.requestId));

    // nothing else: the churned request id, the log lines and the re-reads sent no further notification
    await daemon.waitFor((r) => r.msg === "resolved: scope-upgrade-pending");
    await new Promise((r) => setTimeout(r, 3_000));
    expect(sink.requests.map((r) => (JSON.parse(r.body) as WebhookBody).kind)).toEqual(["new", "recovered"]);
    expect(
      sink.requests.filter((r) => (JSON.parse(r.body) as WebhookBody).incident.requestId !== undefined),
    ).toHaveLength(2);

    expect(await daemon.stop()).toBe(0);
    const everything = `${daemon.output()}\n${sink.requests.map((r) => r.body).join("\n")}`;
    expectNoSecrets(everything, knownSecrets(gateway));
    expectLoopbackOnly(gateway);
  });
});
