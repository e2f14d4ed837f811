// The desktop channel for real: node-notifier -> notify-send -> a private D-Bus session bus -> dunst on Xvfb,
// with dbus-monitor capturing what arrived. Without a notification server (ServiceUnknown) the notifier falls
// back to a real webhook on 127.0.0.1. WSL cases fake only the WSL facts (there is no Windows here).

import { chmod, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import {
  createDesktopChannel,
  type DesktopMessage,
  realDesktopFacts,
} from "../../src/actions/notify/desktop.js";
import { createNotifier, type EvaluationView } from "../../src/actions/notify/notifier.js";
import { renderNotification } from "../../src/actions/notify/text.js";
import type { Finding } from "../../src/common/types.js";
import { defaultNotifyConfig } from "../../src/config/schema-notify.js";
import { createDaemonLogger } from "../../src/daemon/logger.js";
import { decide, emptyNotifyState } from "../../src/policy/notify.js";
import { DESKTOP_TOOLS, type DesktopSession, startDesktopSession } from "../helpers/dbus-notifications.js";
import { startHttpSink } from "../helpers/http-sink.js";
import { describeNeeding } from "../helpers/os-packages.js";

const DEV = "c0ffee".repeat(10).slice(0, 64);
const REQ = "0b7c9f5e-8d21-4c3a-9a57-2f3c1e6d4b10";
const SECRET = "gw-secret-5f9a1c7e2b";

function pendingFor(deviceId: string): Finding {
  return {
    code: "scope-upgrade-pending",
    severity: "warning",
    message: `This machine's device asks for operator.admin: request ${REQ}.`,
    deviceId,
    requestId: REQ,
    scopes: ["operator.admin"],
    fix: { command: `openclaw devices approve ${REQ}`, explanation: "Approves this machine's own request." },
  };
}

function seedFindings(): Finding[] {
  return [
    {
      code: "scope-regression",
      severity: "critical",
      message: `The gateway's approved scopes for this machine's device narrowed from operator.admin to operator.approvals (close reason: unauthorized token ${SECRET}).`,
      impact:
        'Subagent spawns (sessions_spawn), cron isolated sessions, the cron tool and CLI calls fail with "gateway closed (1008): pairing required".',
      deviceId: DEV,
      scopes: ["operator.admin"],
    },
    pendingFor(DEV),
  ];
}

function rendered() {
  const cfg = defaultNotifyConfig({ groupWait: "0ms" });
  const d = decide(
    emptyNotifyState(),
    { findings: seedFindings(), silences: [] },
    Date.UTC(2026, 10, 27, 14, 2),
    cfg,
  );
  const n = d.notifications[0];
  if (!n) throw new Error("the policy decided nothing");
  return renderNotification(n, { hostname: "test-host", secrets: [SECRET], timeZone: "UTC" });
}

interface Rec {
  level: number;
  msg: string;
  [k: string]: unknown;
}

function captureLogger() {
  const records: Rec[] = [];
  const logger = createDaemonLogger({
    level: "debug",
    pretty: false,
    colour: false,
    sink: { write: (line: string) => records.push(JSON.parse(line) as Rec) },
    getSecrets: () => [],
  });
  return { logger, records };
}

function evaluation(findings: Finding[]): EvaluationView {
  return { findings, inspection: null };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sw-notify-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true, maxRetries: 3 }));
  return dir;
}

describeNeeding(DESKTOP_TOOLS, "desktop notifications on a real session bus", () => {
  let desktop: DesktopSession | undefined;
  let bare: DesktopSession | undefined;

  beforeAll(async () => {
    desktop = await startDesktopSession({ withServer: true });
    bare = await startDesktopSession({ withServer: false });
  });

  afterAll(async () => {
    await desktop?.stop();
    await bare?.stop();
  });

  function useBus(s: DesktopSession | undefined): DesktopSession {
    if (!s) throw new Error("session not started");
    // node-notifier runs notify-send with process.env: point it at the test's bus
    vi.stubEnv("DBUS_SESSION_BUS_ADDRESS", s.env.DBUS_SESSION_BUS_ADDRESS);
    vi.stubEnv("DISPLAY", s.env.DISPLAY ?? "");
    return s;
  }

  it("notify-send delivers the title and body to the notification server (dunst), without the secret", async () => {
    const s = useBus(desktop);
    const channel = createDesktopChannel({
      minSeverity: "info",
      timeoutMs: 10_000,
      facts: realDesktopFacts(process.env, false),
    });
    const r = rendered();
    const result = await channel.send(r, new AbortController().signal);
    expect(result).toMatchObject({ ok: true });
    const [call] = await s.waitForCalls(1);
    expect(call?.appName).toBe("OpenClaw Scope Watchdog");
    expect(call?.summary).toBe("OpenClaw device lost scopes");
    expect(call?.summary).toBe(r.title);
    expect(call?.body).toBe(r.body);
    expect(call?.body).toContain("sessions_spawn");
    expect(call?.body).toContain("cron");
    expect(call?.body).toContain(`Fix: openclaw devices approve ${REQ}`);
    expect(call?.urgency).toBe(2);
    expect(`${call?.summary}\n${call?.body}`).not.toContain(SECRET);
  });

  it("without a notification server the channel reports ServiceUnknown as no-notification-server", async () => {
    useBus(bare);
    const channel = createDesktopChannel({
      minSeverity: "info",
      timeoutMs: 10_000,
      facts: realDesktopFacts(process.env, false),
    });
    const result = await channel.send(rendered(), new AbortController().signal);
    expect(result).toMatchObject({ ok: false, failure: "no-notification-server" });
    expect(result.ok || result.reason).toMatch(/org\.freedesktop\.DBus\.Error\.ServiceUnknown/);
  });

  it("the notifier falls back to the webhook and explains the desktop failure once", async () => {
    useBus(bare);
    const sink = await startHttpSink();
    onTestFinished(() => sink.close());
    const { logger, records } = captureLogger();
    const config = defaultNotifyConfig({
      groupWait: "0ms",
      // the webhook normally takes only critical ones: the warning reaches it only as the desktop's fallback
      webhook: { url: sink.url, minSeverity: "critical", retries: 0 },
    });
    const notifier = createNotifier({ config, logger, dataDir: await tempDir(), env: process.env });
    onTestFinished(() => notifier.stop());
    const other = "d".repeat(64);
    await notifier.onEvaluation(evaluation([pendingFor(DEV)]));
    await notifier.onEvaluation(evaluation([pendingFor(DEV), pendingFor(other)]));
    await notifier.settled();
    expect(sink.requests).toHaveLength(2);
    const bodies = sink.requests.map(
      (q) => JSON.parse(q.body) as { kind: string; incident: { deviceId: string } },
    );
    expect(bodies.map((b) => b.incident.deviceId).sort()).toEqual([DEV, other].sort());
    const explained = records.filter((x) =>
      x.msg.startsWith("desktop notifications unavailable (no-notification-server)"),
    );
    expect(explained).toHaveLength(1);
    expect(explained[0]).toMatchObject({ level: 40, code: "scope-upgrade-pending", channel: "desktop" });
    expect(String(explained[0]?.hint)).toMatch(/notify\.ntfy\.url or notify\.webhook\.url/);
    expect(
      records.filter((x) => x.msg === "desktop notification failed again (no-notification-server)"),
    ).toHaveLength(1);
    const sent = records.filter((x) => x.msg === "notification sent (webhook)");
    expect(sent.map((x) => x.fallback)).toEqual([true, true]);
  });
});

describe("desktop failures known before trying", () => {
  /** A PATH whose only notify-send is a stand-in (never run: the backend below records instead). */
  async function pathWithNotifySend(): Promise<string> {
    const bin = await tempDir();
    await writeFile(path.join(bin, "notify-send"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    return bin;
  }

  it.each([
    ["notify-send not on PATH", async () => ({ PATH: "/nonexistent" }), "notify-send-missing"],
    [
      "no session bus at all (notify-send on PATH; no bus address, runtime dir or display)",
      async () => ({ PATH: await pathWithNotifySend() }),
      "no-session-bus",
    ],
  ] as const)("%s", async (_name, makeEnv, failure) => {
    const env: NodeJS.ProcessEnv = await makeEnv();
    const backend = vi.fn(async (_m: DesktopMessage) => {});
    const channel = createDesktopChannel({
      minSeverity: "info",
      timeoutMs: 1_000,
      facts: { ...realDesktopFacts(env, false), platform: "linux" },
      backend,
    });
    const result = await channel.send(rendered(), new AbortController().signal);
    expect(result).toMatchObject({ ok: false, failure });
    expect(backend).not.toHaveBeenCalled();
  });
});

// There is no Windows here: these tests fake the WSL facts (is WSL, interop state, file owner) and replace the
// SnoreToast call with a recorder. Everything else (chmod, the checks, the fallback) is real.
describe("WSL: Windows toasts through interop (WSL facts faked)", () => {
  async function fakeSnoreToast(dir: string): Promise<string[]> {
    const files = [path.join(dir, "snoretoast-x64.exe"), path.join(dir, "snoretoast-x86.exe")];
    for (const f of files) {
      await writeFile(f, "MZ not really");
      await chmod(f, 0o644); // as npm ships them
    }
    return files;
  }

  it("makes the SnoreToast builds it owns executable once at startup, says so, then shows the toast", async () => {
    const dir = await tempDir();
    const files = await fakeSnoreToast(dir);
    const interopSocket = path.join(dir, "interop");
    await writeFile(interopSocket, "");
    const shown: DesktopMessage[] = [];
    const { logger, records } = captureLogger();
    const notifier = createNotifier({
      config: defaultNotifyConfig({ groupWait: "0ms" }),
      logger,
      dataDir: await tempDir(),
      desktop: {
        facts: {
          platform: "linux",
          wsl: true,
          env: { WSL_INTEROP: interopSocket },
          uid: process.getuid?.() ?? null,
          arch: "x64",
          interopRegistered: () => true,
          snoreToastDir: () => dir,
        },
        backend: async (m) => {
          shown.push(m);
        },
      },
    });
    onTestFinished(() => notifier.stop());
    await notifier.onEvaluation(evaluation(seedFindings()));
    await notifier.settled();
    for (const f of files) expect((await stat(f)).mode & 0o777).toBe(0o755);
    const said = records.filter((x) =>
      String(x.msg).startsWith("made node-notifier's SnoreToast executable"),
    );
    expect(said.map((x) => x.file)).toEqual(files);
    expect(shown).toHaveLength(1);
    expect(shown[0]?.title).toBe("OpenClaw device lost scopes");
    expect(shown[0]?.message).toContain(`openclaw devices approve ${REQ}`);
  });

  it.each([
    ["no WSL_INTEROP (a systemd-started process)", {}, true, /WSL_INTEROP is not set/],
    [
      "interop disabled (binfmt WSLInterop not registered)",
      { WSL_INTEROP: "/run/WSL/1_interop" },
      false,
      /binfmt_misc\/WSLInterop is not registered/,
    ],
  ] as const)("%s: says so plainly and falls back to the webhook", async (_name, env, registered, reason) => {
    const sink = await startHttpSink();
    onTestFinished(() => sink.close());
    const backend = vi.fn(async (_m: DesktopMessage) => {});
    const { logger, records } = captureLogger();
    const config = defaultNotifyConfig({ groupWait: "0ms", webhook: { url: sink.url, retries: 0 } });
    const notifier = createNotifier({
      config,
      logger,
      dataDir: await tempDir(),
      desktop: {
        facts: {
          platform: "linux",
          wsl: true,
          env,
          interopRegistered: () => registered,
          snoreToastDir: () => null,
        },
        backend,
      },
    });
    onTestFinished(() => notifier.stop());
    await notifier.onEvaluation(evaluation(seedFindings()));
    await notifier.settled();
    expect(backend).not.toHaveBeenCalled();
    expect(sink.requests).toHaveLength(1);
    const why = records.find((x) =>
      String(x.msg).startsWith("desktop notifications unavailable (no-wsl-interop)"),
    );
    expect(why?.reason).toMatch(reason);
    expect(String(why?.hint)).toMatch(/systemd unit usually starts without WSL_INTEROP/);
  });

  it("a SnoreToast it does not own stays as it is and is reported with the chmod command", async () => {
    const dir = await tempDir();
    const [x64] = await fakeSnoreToast(dir);
    const interopSocket = path.join(dir, "interop");
    await writeFile(interopSocket, "");
    const backend = vi.fn(async (_m: DesktopMessage) => {});
    const channel = createDesktopChannel({
      minSeverity: "info",
      timeoutMs: 1_000,
      facts: {
        platform: "linux",
        wsl: true,
        env: { WSL_INTEROP: interopSocket },
        uid: (process.getuid?.() ?? 0) + 4242,
        arch: "x64",
        interopRegistered: () => true,
        snoreToastDir: () => dir,
      },
      backend,
    });
    const result = await channel.send(rendered(), new AbortController().signal);
    expect(result).toMatchObject({ ok: false, failure: "snoretoast-not-executable" });
    expect(result.ok || result.reason).toContain(`sudo chmod +x ${x64}`);
    expect(((await stat(x64 ?? "")).mode & 0o777).toString(8)).toBe("644");
    expect(backend).not.toHaveBeenCalled();
  });
});
