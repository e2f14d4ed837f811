// Every OpenClaw profile on the machine (issue 13): one `scope-watchdog run` (a real child process, real state files
// in a temp HOME) with no state dir configured watches ~/.openclaw and every ~/.openclaw-<profile>, names the
// profile in what it reports, lists every state in `status --json`, picks up a profile created while it runs, and
// tells the lines of a log file two gateways share apart by gateway port.

import { randomUUID } from "node:crypto";
import { appendFile, mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { discoverInstances } from "../../src/config/openclaw-paths.js";
import { runCli, spawnRun } from "../helpers/cli.js";
import {
  fakeOpenClawInstall,
  LegacyStateDir,
  makeIdentity,
  pairedRecord,
  tempDir,
  writeHealthyState,
} from "../helpers/openclaw-state.js";

interface Rec {
  msg: string;
  code?: string;
  profile?: string;
  stateDir?: string;
  level: number;
}

async function writeAtomic(file: string, value: unknown) {
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2), { mode: 0o600 });
  await rename(tmp, file);
}

/** A HOME with a healthy default state (port 18790) and a healthy `work` profile (port 18791). */
async function twoProfiles(extraConfig: Record<string, unknown> = {}) {
  const root = await tempDir("sw-profiles-");
  const home = path.join(root, "home");
  const main = new LegacyStateDir(path.join(home, ".openclaw"));
  const work = new LegacyStateDir(path.join(home, ".openclaw-work"));
  const ids = { main: makeIdentity(), work: makeIdentity() };
  await writeHealthyState(main, ids.main);
  await writeHealthyState(work, ids.work);
  await main.writeOpenClawConfig({
    gateway: { port: 18790, auth: { mode: "token", token: "gw-main-0123456789" } },
  });
  await work.writeOpenClawConfig({
    gateway: { port: 18791, auth: { mode: "token", token: "gw-work-0123456789" } },
  });
  // a folder that is not an OpenClaw state is no profile
  await mkdir(path.join(home, ".openclaw-notes"), { recursive: true });
  const binDir = await fakeOpenClawInstall(path.join(root, "oc"), "2026.4.20");
  const config = path.join(root, "watchdog.json");
  await writeFile(
    config,
    JSON.stringify({
      openclaw: { bin: path.join(binDir, "openclaw"), logFile: path.join(root, "gw.log") },
      notify: { desktop: { enabled: false } },
      ...extraConfig,
    }),
  );
  return { root, home, main, work, ids, config };
}

/** Starts the watchdog on the two profiles and waits until it watches both. */
async function watchingBoth(t: { root: string; config: string }) {
  const run = spawnRun(t.root, t.config);
  const recs = () => records(run.output());
  await expect
    .poll(() => recs().filter((r) => r.msg === "watching OpenClaw").length, { timeout: 10_000 })
    .toBe(2);
  return { run, recs };
}

function records(out: string): Rec[] {
  return out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Rec);
}

describe("discovering the OpenClaw states in the home folder", () => {
  it("finds the default state and every profile folder that holds a state, and honours the explicit ways", async () => {
    const t = await twoProfiles();
    const env = { HOME: t.home };
    const none = { stateDir: null, profile: null, instances: null };
    expect(discoverInstances({ env, openclaw: none }).targets).toEqual([{}, { profileFlag: "work" }]);
    expect(
      discoverInstances({ env: { ...env, OPENCLAW_STATE_DIR: t.work.dir }, openclaw: none }).targets,
    ).toEqual([{}]);
    expect(discoverInstances({ env, openclaw: { ...none, profile: "work" } }).targets).toEqual([{}]);
    expect(
      discoverInstances({ env, openclaw: { ...none, instances: ["default", "work", "~/.openclaw-x"] } })
        .targets,
    ).toEqual([{}, { profileFlag: "work" }, { stateDirFlag: "~/.openclaw-x" }]);
  });
});

describe("one daemon, every profile", () => {
  it("reports a narrowing in the work profile within 2 s, naming it; status lists both state dirs", async () => {
    const t = await twoProfiles();
    const { recs } = await watchingBoth(t);

    const narrowedAt = Date.now();
    await writeAtomic(t.work.file("devices/paired.json"), {
      [t.ids.work.deviceId]: pairedRecord(t.ids.work, { scopes: ["operator.approvals"] }),
    });
    await expect
      .poll(() => recs().find((r) => r.code === "baseline-missing-scope"), { timeout: 2_000, interval: 20 })
      .toMatchObject({ profile: "work", stateDir: t.work.dir });
    expect(Date.now() - narrowedAt).toBeLessThan(2_000 + 200);
    // the default profile stays healthy: nothing about it
    expect(recs().filter((r) => r.code && r.profile === "default")).toEqual([]);

    const status = await runCli(["status", "--json"], {
      env: {
        HOME: path.join(t.root, "home"),
        XDG_STATE_HOME: path.join(t.root, "state"),
        XDG_RUNTIME_DIR: path.join(t.root, "run"),
      },
    });
    const report = JSON.parse(status.stdout) as {
      instances: { profile: string; openclaw: { stateDir: string } }[];
      incidents: { code: string; profile?: string }[];
    };
    expect(report.instances.map((i) => [i.profile, i.openclaw.stateDir])).toEqual([
      ["default", t.main.dir],
      ["work", t.work.dir],
    ]);
    expect(report.incidents.find((i) => i.code === "baseline-missing-scope")?.profile).toBe("work");
    expect(status.code).toBe(1);
  });

  it("picks up a profile created while it runs", async () => {
    const t = await twoProfiles();
    const { recs } = await watchingBoth(t);
    const lab = new LegacyStateDir(path.join(t.home, ".openclaw-lab"));
    const id = makeIdentity();
    await lab.writeOpenClawConfig({ gateway: { port: 18792 } });
    await lab.writeIdentity(id);
    await lab.writePaired([pairedRecord(id, { scopes: ["operator.read"] })]);
    await expect
      .poll(() => recs().find((r) => r.code === "baseline-missing-scope" && r.profile === "lab"), {
        timeout: 10_000,
      })
      .toMatchObject({ stateDir: lab.dir });
  });

  it("tells the lines of a log file two gateways share apart by port, and pins a line without one on neither", async () => {
    const t = await twoProfiles();
    const log = path.join(t.root, "gw.log");
    await writeFile(log, "");
    const run = spawnRun(t.root, t.config);
    const recs = () => records(run.output());
    await expect
      .poll(() => recs().filter((r) => r.msg.startsWith("following the gateway log (")).length, {
        timeout: 10_000,
      })
      .toBe(2);
    const requestId = randomUUID();
    const close = (port: number, deviceId: string) =>
      JSON.stringify({
        "0": '{"subsystem":"gateway/ws"}',
        "1": { cause: "pairing-required", localPort: port, deviceId, requestId, reason: "scope-upgrade" },
        "2": `closed before connect conn=${randomUUID()} peer=127.0.0.1:50000->127.0.0.1:${port} remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:${port} ua=n/a code=1008 reason=pairing required: device is asking for more scopes than currently approved (requestId: ${requestId})`,
        _meta: { name: '{"subsystem":"gateway/ws"}', logLevelName: "WARN", date: new Date().toISOString() },
        time: new Date().toISOString(),
      });
    // a calling process's line names no port and no device: it cannot be pinned on either profile
    const orphan = JSON.stringify({
      "0": '{"subsystem":"gateway"}',
      "1": `gateway connect failed: GatewayClientRequestError: scope upgrade pending approval (requestId: ${randomUUID()})`,
      _meta: { name: '{"subsystem":"gateway"}', logLevelName: "ERROR", date: new Date().toISOString() },
      time: new Date().toISOString(),
    });
    await appendFile(log, `${orphan}\n${close(18791, t.ids.work.deviceId)}\n`);
    await expect
      .poll(() => recs().find((r) => r.code === "pairing-required-close"), { timeout: 10_000 })
      .toMatchObject({ profile: "work" });
    // give the default profile's tail the same time to (not) see it, then check nothing was pinned on it
    await new Promise((r) => setTimeout(r, 500));
    // the incident lines (they name their trigger); the notifier's own lines repeat the code
    expect(
      recs()
        .filter((r) => r.code === "pairing-required-close" && "trigger" in r)
        .map((r) => r.profile),
    ).toEqual(["work"]);
  });
});

describe("check, every profile", () => {
  it("checks each state, one section each, with the exit code of the worst; --json adds profiles", async () => {
    const t = await twoProfiles();
    await writeAtomic(t.work.file("devices/paired.json"), {
      [t.ids.work.deviceId]: pairedRecord(t.ids.work, { scopes: ["operator.approvals"] }),
    });
    const env = { HOME: t.home, PATH: process.env.PATH ?? "" };
    const json = await runCli(["check", "--json", "--config", t.config], { env });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as {
      ok: boolean;
      openclaw: { stateDir: string };
      findings: { code: string; profile?: string }[];
      profiles: { profile: string; ok: boolean; openclaw: { stateDir: string } }[];
    };
    // today's shape at the top (the default state), every state under profiles, every finding at the top
    expect(report.openclaw.stateDir).toBe(t.main.dir);
    expect(report.ok).toBe(false);
    expect(report.profiles.map((p) => [p.profile, p.ok, p.openclaw.stateDir])).toEqual([
      ["default", true, t.main.dir],
      ["work", false, t.work.dir],
    ]);
    expect(report.findings.find((f) => f.code === "baseline-missing-scope")?.profile).toBe("work");

    const text = await runCli(["check", "--config", t.config], { env });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(
      /── profile default ──[\s\S]*── profile work ──[\s\S]*baseline-missing-scope/,
    );

    // one state named: today's shape, no profiles key
    const one = await runCli(["check", "--json", "--profile", "work", "--config", t.config], { env });
    const single = JSON.parse(one.stdout) as Record<string, unknown>;
    expect(single).not.toHaveProperty("profiles");
    expect((single.openclaw as { stateDir: string }).stateDir).toBe(t.work.dir);
  });
});
