// The remediation interpreter end to end on real temp state dirs: the real inspector, real child processes
// (the fake-openclaw stand-in), the real audit log. Churn, hangs, lies, bounds, kill switch, daemon hook, stop.

import { randomUUID } from "node:crypto";
import { lstat, mkdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { createProcessRunner } from "../../src/actions/process-runner.js";
import { createRemediator, RemediationError } from "../../src/actions/remediate/run.js";
import { remediationSchema } from "../../src/config/schema-remediation.js";
import { validateConfig } from "../../src/config/validate.js";
import { inspectOpenClaw } from "../../src/daemon/inspect.js";
import type { Evaluation } from "../../src/policy/evaluation.js";
import { startTestDaemon } from "../helpers/daemon.js";
import { hashTree, installFakeOpenClaw, pairedTokens } from "../helpers/fake-openclaw.js";
import { captureLog } from "../helpers/log-capture.js";
import {
  CLI_DEFAULT_SCOPES_4_20,
  LegacyStateDir,
  tempDir,
  writeSeedState,
} from "../helpers/openclaw-state.js";
import { GATEWAY_TOKEN, only, world } from "../helpers/remediation-world.js";

describe("approve-local on the seed's state", () => {
  it("lists, approves the device's own request, re-reads the state and only then calls it healed", async () => {
    const w = await world();
    const d = only(await w.remediator.runOnce());
    expect(d).toMatchObject({ action: "approve", requestId: w.seed.requestId });
    expect(d.outcome).toMatchObject({ status: "healed", healed: true, approvedRequestId: w.seed.requestId });
    expect(d.outcome?.message).toMatch(
      /^verified by re-reading the state: the device now holds .*operator\.admin/,
    );
    expect(await w.approvedScopes()).toEqual(CLI_DEFAULT_SCOPES_4_20);
    expect(await w.argvs()).toEqual(["list --json", `approve ${w.seed.requestId}`]);
  });

  it("writes every decision and command to audit.jsonl before and after it runs, mode 0600, no token", async () => {
    const w = await world();
    await w.remediator.runOnce();
    const file = path.join(w.dataDir, "audit.jsonl");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const entries = await w.audit();
    expect(
      entries.map((e) => `${e.kind}:${e.phase}${e.command ? `:${e.command.split(" ")[2]}` : ""}`),
    ).toEqual([
      "decision:before",
      "command:before:list",
      "command:after:list",
      "command:before:approve",
      "command:after:approve",
      "decision:after",
    ]);
    const attempt = entries[0]?.attempt;
    expect(attempt).toMatch(/^[0-9a-f-]{36}$/);
    expect(entries.every((e) => e.attempt === attempt && e.action === "approve")).toBe(true);
    expect(entries.at(-1)?.outcome?.healed).toBe(true);
    const text = await readFile(file, "utf8");
    const secrets = [
      GATEWAY_TOKEN,
      w.seed.deviceToken,
      ...(await pairedTokens(w.state.file("devices/paired.json"))),
    ];
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    for (const s of secrets) {
      expect(text).not.toContain(s);
      expect(w.raw.join("")).not.toContain(s);
    }
  });

  it("logs each decision with action and requestId", async () => {
    const w = await world();
    await w.remediator.runOnce();
    const lines = w.raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = lines.find((l) => l.component === "remediation" && l.status === "healed");
    expect(line).toMatchObject({ action: "approve", requestId: w.seed.requestId });
  });
});

describe("request id churn", () => {
  it("lists again, re-checks every guard on the new request, and approves it", async () => {
    const w = await world({ control: { churnApproves: 1 } });
    const d = only(await w.remediator.runOnce());
    expect(d.outcome?.status).toBe("healed");
    const calls = await w.argvs();
    expect(calls).toHaveLength(4);
    expect(calls.slice(0, 3)).toEqual(["list --json", `approve ${w.seed.requestId}`, "list --json"]);
    const newId = d.outcome?.approvedRequestId ?? "";
    expect(newId).not.toBe(w.seed.requestId);
    expect(d.outcome?.approvedScopes).toEqual(CLI_DEFAULT_SCOPES_4_20);
    expect(calls[3]).toBe(`approve ${newId}`);
  });

  it("refuses the new request when it turns hostile (non-loopback), and approves nothing", async () => {
    const w = await world({ control: { churnApproves: 1, churnPatch: { remoteIp: "203.0.113.9" } } });
    const d = only(await w.remediator.runOnce());
    expect(d.outcome?.status).toBe("refused");
    expect(d.outcome?.message).toMatch(/records the address 203\.0\.113\.9/);
    expect(await w.argvs()).toEqual(["list --json", `approve ${w.seed.requestId}`, "list --json"]);
    expect(await w.approvedScopes()).toEqual(["operator.approvals"]);
  });

  it("refuses the new request when it asks for a scope outside the allow-list", async () => {
    const w = await world({ control: { churnApproves: 1, churnScopes: ["operator.questions"] } });
    const d = only(await w.remediator.runOnce());
    expect(d.outcome?.status).toBe("refused");
    expect(d.outcome?.message).toMatch(/operator\.questions, outside remediation\.allowScopes/);
    expect(await w.approvedScopes()).toEqual(["operator.approvals"]);
  });

  it("gives up after maxRetries and reports not healed", async () => {
    const w = await world({ control: { churnApproves: 99 }, remediation: { maxRetries: 2 } });
    const d = only(await w.remediator.runOnce());
    expect(d.outcome?.status).toBe("not-healed");
    expect(d.outcome?.message).toMatch(/changed 3 times/);
    expect((await w.argvs()).filter((c) => c.startsWith("approve"))).toHaveLength(3);
  });
});

describe("what the real CLI does wrong sometimes", () => {
  it("an approve that prints Approved and hangs is killed, and the heal is verified from the state", async () => {
    const w = await world({ control: { hangAfterApprove: true }, remediation: { cliTimeout: "4s" } });
    const d = only(await w.remediator.runOnce());
    expect(d.outcome?.status).toBe("healed");
    expect(d.outcome?.message).toMatch(/approve ended: maybe-approved/);
  });

  it("an approve that claims success without changing anything is not called healed", async () => {
    const w = await world({ control: { approveWithoutWriting: true } });
    const d = only(await w.remediator.runOnce());
    expect(d.outcome).toMatchObject({ status: "not-healed", healed: false });
  });

  it("a failing approve is not healed, and the next pass waits out the backoff, then tries again", async () => {
    const w = await world({ control: { failApprove: { code: 1 } } });
    expect(only(await w.remediator.runOnce()).outcome?.status).toBe("not-healed");
    await w.regressAgain();
    const second = only(await w.remediator.runOnce());
    expect(second.action).toBe("skip");
    expect(second.reasons.join(" ")).toMatch(/backoff/);
    expect((await w.argvs()).filter((c) => c.startsWith("approve"))).toHaveLength(1);
    w.clock.offsetMs = 61_000;
    await w.regressAgain();
    expect(only(await w.remediator.runOnce()).action).toBe("approve");
  });

  it("a gateway that is down fails the pass without approving anything", async () => {
    const w = await world({ control: { gatewayDown: true } });
    const d = only(await w.remediator.runOnce());
    expect(d.outcome?.status).toBe("failed");
    expect(d.outcome?.message).toMatch(/gateway closed \(1006/);
    expect(await w.argvs()).toEqual(["list --json"]);
  });
});

describe("repair", () => {
  it("makes OpenClaw create the device's request with one devices list, approves it, verifies", async () => {
    const w = await world({ pending: "none", remediation: { policy: "repair" } });
    const d = only(await w.remediator.runOnce());
    expect(d.action).toBe("request-repair");
    expect(d.outcome?.status).toBe("healed");
    const calls = await w.argvs();
    expect(calls[0]).toBe("list --json");
    expect(calls[1]).toBe(`approve ${d.outcome?.approvedRequestId}`);
    expect(await w.approvedScopes()).toEqual(CLI_DEFAULT_SCOPES_4_20);
  });

  it("fails cleanly when the CLI's connect creates no request", async () => {
    const w = await world({
      pending: "none",
      remediation: { policy: "repair" },
      control: { connectCreatesNoRequest: true },
    });
    const d = only(await w.remediator.runOnce());
    expect(d.outcome?.status).toBe("failed");
    expect(d.outcome?.message).toMatch(/did not create a pending request/);
    expect(await w.argvs()).toEqual(["list --json"]);
  });

  it("never runs the CLI when openclaw.json points it at a remote gateway", async () => {
    const w = await world();
    await w.state.writeOpenClawConfig({
      gateway: {
        mode: "remote",
        remote: { url: "wss://gateway.example.invalid" },
        auth: { token: GATEWAY_TOKEN },
      },
    });
    const d = only(await w.remediator.runOnce());
    expect(d.action).toBe("notify");
    expect(d.reasons.join(" ")).toMatch(/gateway\.mode to remote/);
    expect(await w.fake.calls()).toEqual([]);
  });

  it("approve-local never triggers a re-pair request", async () => {
    const w = await world({ pending: "none" });
    expect(only(await w.remediator.runOnce()).action).toBe("notify");
    expect(await w.fake.calls()).toEqual([]);
  });
});

describe("bounds", () => {
  it("the kill switch file stops everything before it starts", async () => {
    const w = await world();
    await mkdir(w.dataDir, { recursive: true });
    await writeFile(path.join(w.dataDir, "disable-remediation"), "");
    const before = await hashTree(w.state.dir);
    const d = only(await w.remediator.runOnce());
    expect(d.action).toBe("notify");
    expect(d.reasons.join(" ")).toMatch(/disable-remediation exists/);
    expect(await w.fake.calls()).toEqual([]);
    expect(await hashTree(w.state.dir)).toEqual(before);
  });

  it("a kill switch that appears during a pass stops it before the next command", async () => {
    const w = await world({
      runner: (real, dataDir) => ({
        async run(file, args, opts) {
          const r = await real.run(file, args, opts);
          await writeFile(path.join(dataDir, "disable-remediation"), "");
          return r;
        },
      }),
    });
    const d = only(await w.remediator.runOnce());
    expect(d.outcome?.status).toBe("stopped");
    expect(await w.argvs()).toEqual(["list --json"]);
    expect(await w.approvedScopes()).toEqual(["operator.approvals"]);
  });

  it("a device that regresses again soon after a heal is escalated, not healed in a loop", async () => {
    const w = await world();
    expect(only(await w.remediator.runOnce()).outcome?.healed).toBe(true);
    await w.regressAgain();
    const calls = (await w.fake.calls()).length;
    const d = only(await w.remediator.runOnce());
    expect(d.action).toBe("notify");
    expect(d.reasons.join(" ")).toMatch(/again .* after the watchdog healed it/);
    expect((await w.fake.calls()).length).toBe(calls);
    expect(await w.approvedScopes()).toEqual(["operator.approvals"]);
  });

  it("stops at maxPerHour", async () => {
    const w = await world({ remediation: { maxPerHour: 1, regressionWindow: "1ms" } });
    expect(only(await w.remediator.runOnce()).outcome?.healed).toBe(true);
    await w.regressAgain();
    w.clock.offsetMs = 1_000;
    const d = only(await w.remediator.runOnce());
    expect(d.action).toBe("notify");
    expect(d.reasons.join(" ")).toMatch(/1 automatic attempts in the last hour/);
  });

  it("a dry run decides and explains, runs nothing, changes nothing, and does not count as an attempt", async () => {
    const w = await world({ remediation: { dryRun: true } });
    const before = await hashTree(w.state.dir);
    const d = only(await w.remediator.runOnce());
    expect(d).toMatchObject({ action: "approve", outcome: { status: "dry-run" } });
    expect(await w.fake.calls()).toEqual([]);
    expect(await hashTree(w.state.dir)).toEqual(before);
    expect((await w.audit()).every((e) => e.dryRun)).toBe(true);
  });

  it("does not run at all when the audit log is a planted symlink (it cannot read its bounds either)", async () => {
    const w = await world();
    await mkdir(w.dataDir, { recursive: true });
    const target = path.join(w.root, "elsewhere.txt");
    await writeFile(target, "untouched\n");
    await symlink(target, path.join(w.dataDir, "audit.jsonl"));
    await expect(w.remediator.runOnce()).rejects.toThrow(RemediationError);
    expect(await w.fake.calls()).toEqual([]);
    expect(await readFile(target, "utf8")).toBe("untouched\n");
    expect((await lstat(path.join(w.dataDir, "audit.jsonl"))).isSymbolicLink()).toBe(true);
  });

  it("runs nothing when the entry before an action cannot be written", async () => {
    // the kill switch elsewhere: in the broken data dir it could not be examined and would stop the pass first
    const w = await world({
      dataDir: (root) => path.join(root, "not-a-dir", "data"),
      remediation: { killSwitchFile: path.join(tmpdir(), `sw-absent-${randomUUID()}`, "kill") },
    });
    await writeFile(path.join(w.root, "not-a-dir"), "a file where the data dir's parent should be\n");
    const d = only(await w.remediator.runOnce());
    expect(d.action).toBe("approve");
    expect(d.outcome?.status).toBe("failed");
    expect(d.outcome?.message).toMatch(/^not run: cannot write the audit log/);
    expect(await w.fake.calls()).toEqual([]);
    expect(await w.approvedScopes()).toEqual(["operator.approvals"]);
  });
});

describe("the daemon's hook", () => {
  const evaluation = (inspection: Evaluation["inspection"], type: "opened" | "resolved"): Evaluation => {
    const finding = inspection?.findings.find((f) => f.code === "baseline-missing-scope");
    if (!finding) throw new Error("expected the seed's finding");
    const incident = {
      fingerprint: "baseline-missing-scope|x",
      code: finding.code,
      severity: finding.severity,
      openedAtMs: Date.now(),
      lastSeenAtMs: Date.now(),
      finding,
    };
    return {
      trigger: "files:devices/pending.json",
      triggeredAtMs: Date.now(),
      atMs: Date.now(),
      inspection,
      findings: [finding],
      events: type === "opened" ? [{ type, incident }] : [{ type, incident, atMs: Date.now() }],
      stateChanged: true,
    };
  };

  it("runs a pass for a newly opened incident and none for a resolved one", async () => {
    const w = await world();
    const inspection = await w.inspect();
    w.remediator.onEvaluation(evaluation(inspection, "resolved"));
    await w.remediator.idle();
    expect(await w.fake.calls()).toEqual([]);
    w.remediator.onEvaluation(evaluation(inspection, "opened"));
    await w.remediator.idle();
    expect(await w.approvedScopes()).toEqual(CLI_DEFAULT_SCOPES_4_20);
  });

  it("wired to a real daemon: the opened incident is healed, verified, and the incident resolves", async () => {
    const root = await tempDir("sw-run-daemon-");
    const state = new LegacyStateDir(path.join(root, "home", ".openclaw"));
    const seed = await writeSeedState(state);
    const fake = await installFakeOpenClaw(root);
    const logFile = path.join(root, "logs", "openclaw.log");
    const base = { openclaw: { bin: fake.bin, logFile }, dataDir: path.join(root, "data") };
    const v = validateConfig(base);
    if (!v.ok) throw new Error("bad config");
    const config = {
      ...v.config,
      remediation: remediationSchema().parse({
        policy: "approve-local",
        allowScopes: CLI_DEFAULT_SCOPES_4_20,
      }),
    };
    const env = { HOME: path.join(root, "home"), PATH: process.env.PATH, ...fake.env };
    const remediator = createRemediator({
      remediation: config.remediation,
      logger: captureLog({ level: "silent" }).logger,
      dataDir: path.join(root, "data"),
      now: Date.now,
      inspect: () => inspectOpenClaw({ config, env, nowMs: Date.now() }),
      runner: createProcessRunner(),
      env,
      retryDelayMs: 0,
    });
    onTestFinished(() => remediator.stop());
    const d = await startTestDaemon({
      root,
      config: base,
      env,
      deps: { onEvaluated: (e) => remediator.onEvaluation(e) },
    });
    await d.waitForLog((r) => r.msg === "resolved: baseline-missing-scope", 15_000);
    await remediator.idle();
    const calls = (await fake.calls()).map((c) => c.argv.slice(1, 3).join(" "));
    expect(calls).toEqual(["list --json", `approve ${seed.requestId}`]);
  });

  it("takes a reloaded remediation section for the next pass", async () => {
    const w = await world();
    w.remediator.reconfigure(remediationSchema().parse({ policy: "notify" }));
    expect(only(await w.remediator.runOnce()).action).toBe("notify");
    expect(await w.fake.calls()).toEqual([]);
    w.remediator.reconfigure(
      remediationSchema().parse({ policy: "approve-local", allowScopes: CLI_DEFAULT_SCOPES_4_20 }),
    );
    expect(only(await w.remediator.runOnce()).outcome?.healed).toBe(true);
  });

  it("stop() kills a hanging command and ends the pass", async () => {
    const w = await world({ control: { hangBeforeApprove: true }, remediation: { cliTimeout: "5m" } });
    const pass = w.remediator.runOnce();
    await expect.poll(async () => (await w.argvs()).length, { timeout: 10_000 }).toBe(2);
    await w.remediator.stop();
    const d = only(await pass);
    expect(d.outcome).toMatchObject({ status: "stopped", healed: false });
    const approvePid = (await w.fake.calls())[1]?.pid ?? 0;
    expect(() => process.kill(approvePid, 0)).toThrow();
  });
});
