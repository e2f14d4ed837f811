// The `openclaw devices …` executor against a real child process: the fake-openclaw stand-in that prints what
// the real 2026.4.20 CLI printed, and real runaway children for the timeout and kill escalation.

import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createProcessRunner } from "../../src/actions/process-runner.js";
import { cliEnv, createOpenClawCli, type OpenClawCli } from "../../src/actions/remediate/openclaw-cli.js";
import { Secret } from "../../src/common/secret.js";
import { type FakeControl, installFakeOpenClaw } from "../helpers/fake-openclaw.js";
import {
  CLI_DEFAULT_SCOPES_4_20,
  LegacyStateDir,
  makeIdentity,
  pairedRecord,
  tempDir,
} from "../helpers/openclaw-state.js";

const GATEWAY_TOKEN = "gw-token-not-printed-0123456789abcdef";

async function setup(control: FakeControl = {}, opts: { timeoutMs?: number; gatewayToken?: Secret } = {}) {
  const root = await tempDir("sw-cli-");
  const state = new LegacyStateDir(path.join(root, "state"));
  const id = makeIdentity();
  await state.writeOpenClawConfig({
    gateway: { port: 18790, auth: { mode: "token", token: GATEWAY_TOKEN } },
  });
  await state.writeIdentity(id);
  await state.writePaired([pairedRecord(id, { scopes: ["operator.approvals"] })]);
  await state.writePending([]);
  const fake = await installFakeOpenClaw(root);
  await fake.control(control);
  const cli: OpenClawCli = createOpenClawCli({
    bin: fake.bin,
    runner: createProcessRunner(),
    env: { PATH: process.env.PATH, OPENCLAW_GATEWAY_URL: "ws://127.0.0.1:1", ...fake.env },
    stateDir: state.dir,
    configPath: state.file("openclaw.json"),
    timeoutMs: opts.timeoutMs ?? 15_000,
    killGraceMs: 300,
    ...(opts.gatewayToken ? { gatewayToken: opts.gatewayToken } : {}),
  });
  const readState = async () => ({
    pending: JSON.parse(await readFile(state.file("devices/pending.json"), "utf8")) as Record<
      string,
      { requestId: string; scopes: string[]; deviceId: string }
    >,
    paired: JSON.parse(await readFile(state.file("devices/paired.json"), "utf8")) as Record<
      string,
      { approvedScopes: string[] }
    >,
  });
  return { root, state, id, fake, cli, readState };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return true;
}

describe("openclaw devices list --json (regressed 2026.4.20 device, local fallback)", () => {
  it("exits 0 after `gateway connect failed…`, and its own connect leaves a scope-upgrade request", async () => {
    const t = await setup();
    const r = await t.cli.list();
    expect(r.ok).toBe(true);
    expect(r.fallback).toBe(true);
    expect(r.run.exitCode).toBe(0);
    expect(r.run.stderr).toMatch(
      /^gateway connect failed: GatewayClientRequestError: scope upgrade pending approval \(requestId: [0-9a-f-]{36}\)\n$/,
    );
    expect(r.pending).toHaveLength(1);
    expect(r.pending[0]).toMatchObject({ deviceId: t.id.deviceId, clientId: "cli", isRepair: true });
    expect([...(r.pending[0]?.scopes ?? [])].sort()).toEqual(CLI_DEFAULT_SCOPES_4_20);
    const onDisk = Object.keys((await t.readState()).pending);
    expect(onDisk).toEqual([r.pending[0]?.requestId]);
  });

  it("refreshes the same request in place on a second run (same id)", async () => {
    const t = await setup();
    const first = await t.cli.list();
    const second = await t.cli.list();
    expect(second.pending.map((p) => p.requestId)).toEqual(first.pending.map((p) => p.requestId));
  });

  it("reports a gateway that is down with the CLI's own reason, not its stack", async () => {
    const t = await setup({ gatewayDown: true });
    const r = await t.cli.list();
    expect(r.ok).toBe(false);
    expect(r.problem).toBe(
      "exit 1: Error: gateway closed (1006 abnormal closure (no close frame)): no close reason",
    );
  });

  it("caps captured output and does not parse a truncated answer", async () => {
    const t = await setup({ floodBytes: 3 * 1024 * 1024 });
    const r = await t.cli.list();
    expect(r.run.stdoutTruncated).toBe(true);
    expect(r.run.stdout.length).toBe(1024 * 1024);
    expect(r.ok).toBe(false);
  });
});

describe("openclaw devices approve <id> --json", () => {
  it("approves through the fallback and writes the approval like OpenClaw", async () => {
    const t = await setup();
    const listed = await t.cli.list();
    const id = listed.pending[0]?.requestId ?? "";
    const r = await t.cli.approve(id);
    expect(r.status).toBe("approved");
    expect(r.fallback).toBe(true);
    const s = await t.readState();
    expect(s.pending).toEqual({});
    expect([...(s.paired[t.id.deviceId]?.approvedScopes ?? [])].sort()).toEqual(CLI_DEFAULT_SCOPES_4_20);
    const calls = await t.fake.calls();
    expect(calls.map((c) => c.argv)).toEqual([
      ["devices", "list", "--json"],
      ["devices", "approve", id, "--json"],
    ]);
  });

  it('answers "unknown requestId" for a stale id (exit 1), as the real CLI does', async () => {
    const t = await setup();
    await t.cli.list();
    const r = await t.cli.approve("00000000-1111-2222-3333-444444444444");
    expect(r.status).toBe("unknown-request");
    expect(r.run.exitCode).toBe(1);
    expect(r.run.stderr.trim().split("\n").at(-1)).toBe("unknown requestId");
  });

  it("churn: the request gets a new id just before the approve lands", async () => {
    const t = await setup({ churnApproves: 1 });
    const id = (await t.cli.list()).pending[0]?.requestId ?? "";
    expect((await t.cli.approve(id)).status).toBe("unknown-request");
    const after = Object.keys((await t.readState()).pending);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(id);
  });

  it("an approve that prints its result and hangs is killed and reported as maybe-approved", async () => {
    const t = await setup({ hangAfterApprove: true }, { timeoutMs: 4_000 });
    const id = (await t.cli.list()).pending[0]?.requestId ?? "";
    const r = await t.cli.approve(id);
    expect(r.status).toBe("maybe-approved");
    expect(r.run.timedOut).toBe(true);
    expect(r.run.killedWith).toBe("SIGTERM");
    const pid = (await t.fake.calls()).at(-1)?.pid ?? 0;
    expect(alive(pid)).toBe(false);
    expect((await t.readState()).pending).toEqual({});
  });

  it("escalates to SIGKILL when the child ignores SIGTERM", async () => {
    const t = await setup({ hangBeforeApprove: true, ignoreSigterm: true }, { timeoutMs: 4_000 });
    const id = (await t.cli.list()).pending[0]?.requestId ?? "";
    const r = await t.cli.approve(id);
    expect(r.status).toBe("timeout");
    expect(r.run.killedWith).toBe("SIGKILL");
    expect(r.run.signal).toBe("SIGKILL");
    const pid = (await t.fake.calls()).at(-1)?.pid ?? 0;
    expect(alive(pid)).toBe(false);
    expect(Object.keys((await t.readState()).pending)).toEqual([id]);
  });

  it("reports a refused approve (non-zero exit) with its message", async () => {
    const t = await setup({
      failApprove: {
        code: 1,
        stderr: "[openclaw] Failed to start CLI: Error: missing scope: operator.admin",
      },
    });
    const id = (await t.cli.list()).pending[0]?.requestId ?? "";
    const r = await t.cli.approve(id);
    expect(r.status).toBe("failed");
    expect(r.problem).toBe("exit 1: Error: missing scope: operator.admin");
  });

  it("never puts an option-like request id on the command line", async () => {
    const t = await setup();
    const r = await t.cli.approve("--url=ws://203.0.113.9:18789");
    expect(r.status).toBe("failed");
    expect(await t.fake.calls()).toEqual([]);
  });
});

describe("the child's command line and environment", () => {
  it("carries no token in argv; the state dir and config are passed; OPENCLAW_GATEWAY_URL is removed", async () => {
    const t = await setup({}, { gatewayToken: new Secret(GATEWAY_TOKEN) });
    const id = (await t.cli.list()).pending[0]?.requestId ?? "";
    await t.cli.approve(id);
    const calls = await t.fake.calls();
    expect(calls).toHaveLength(2);
    for (const c of calls) {
      expect(c.argv.join(" ")).not.toContain(GATEWAY_TOKEN);
      expect(c.argv.some((a) => /token|password/i.test(a))).toBe(false);
      expect(c.stateDir).toBe(t.state.dir);
      expect(c.configPath).toBe(t.state.file("openclaw.json"));
      expect(c.gatewayUrlSet).toBe(false);
      // handed over in the environment only, when asked to
      expect(c.gatewayTokenSha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(JSON.stringify(calls)).not.toContain(GATEWAY_TOKEN);
  });

  it("does not add a gateway token to the environment unless given one", () => {
    const env = cliEnv({ env: { PATH: "/bin" }, stateDir: "/s", configPath: "/s/openclaw.json" });
    expect(env.OPENCLAW_GATEWAY_TOKEN).toBeUndefined();
    expect(env.OPENCLAW_STATE_DIR).toBe("/s");
  });

  it("passes the port a profile implies, without overriding one the user set", () => {
    const o = { stateDir: "/s", configPath: "/s/openclaw.json", gatewayPort: 19001 };
    expect(cliEnv({ ...o, env: {} }).OPENCLAW_GATEWAY_PORT).toBe("19001");
    expect(cliEnv({ ...o, env: { OPENCLAW_GATEWAY_PORT: "18790" } }).OPENCLAW_GATEWAY_PORT).toBe("18790");
  });
});

describe("the process runner", () => {
  it("returns a result, not an exception, when the executable does not exist", async () => {
    const r = await createProcessRunner().run("/nonexistent/openclaw", ["devices", "list"], {
      env: {},
      timeoutMs: 5_000,
    });
    expect(r.exitCode).toBeNull();
    expect(r.error).toMatch(/could not be started: spawn \/nonexistent\/openclaw ENOENT/);
  });

  it("kills the whole process group at the timeout, grandchildren included", async () => {
    const script =
      "const c=require('child_process').spawn(process.execPath,['-e','setInterval(()=>{},1e3)'],{stdio:'ignore'});" +
      "console.log(c.pid);setInterval(()=>{},1e3);";
    const r = await createProcessRunner().run(process.execPath, ["-e", script], {
      env: {},
      timeoutMs: 1_500,
      killGraceMs: 300,
    });
    expect(r.timedOut).toBe(true);
    const grandchild = Number(r.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    await expect.poll(() => alive(grandchild) && !isZombie(grandchild), { timeout: 5_000 }).toBe(false);
  });

  it("stops a running child when the signal aborts", async () => {
    const ac = new AbortController();
    const running = createProcessRunner().run(process.execPath, ["-e", "setInterval(()=>{},1e3)"], {
      env: {},
      timeoutMs: 60_000,
      signal: ac.signal,
    });
    ac.abort();
    const r = await running;
    expect(r.aborted).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(r.killedWith).toBe("SIGTERM");
  });
});

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}
