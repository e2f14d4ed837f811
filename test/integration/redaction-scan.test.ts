// One redactor for every output (issue 11, item 7): known secrets planted in OpenClaw's state (the gateway token in
// openclaw.json, the device token in device-auth.json and paired.json), in the watchdog's config (the Telegram bot
// token, a webhook URL whose path acts as a password), and echoed back through every way text comes in (other
// devices' display names, client ids and platforms; gateway log lines; the openclaw CLI's stderr; a Bot API error
// that quotes the request path). Then `check`, `check --json`, `fix --json`, the daemon (`run`, with webhook and
// Telegram notifications and metrics), `status` and `status --json` run as real child processes of the built CLI,
// and every output is scanned for every secret in raw, JSON-escaped and URL-encoded form: stdout, stderr, the
// daemon's log, every file the watchdog wrote (audit.jsonl, state files), the notifications received, the status
// answers and the metrics text.

import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, spawnRun } from "../helpers/cli.js";
import { installFakeOpenClaw } from "../helpers/fake-openclaw.js";
import { startHttpSink } from "../helpers/http-sink.js";
import {
  CLI_DEFAULT_SCOPES_4_20,
  LegacyStateDir,
  makeIdentity,
  pairedRecord,
  pendingRecord,
  tempDir,
} from "../helpers/openclaw-state.js";

// secrets that are not token-shaped (only knowing them removes them) and whose three forms all differ
const GATEWAY_TOKEN = 'gw "tok"/en?&=+ ü-0123456789';
const DEVICE_TOKEN = 'dev\\tok "x"/y+z=w ü-9876543210';
const BOT_TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKK_lmnopq";
const HOOK_PATH = "hook-path-acts-as-a-password-4242";

const jsonForm = (s: string) => JSON.stringify(s).slice(1, -1);
const forms = (s: string) => [s, jsonForm(s), encodeURIComponent(s)];

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Every regular file under `dir` (missing dir: none). */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function closeLine(reason: string): string {
  return JSON.stringify({
    "0": '{"subsystem":"gateway/ws"}',
    "1": { handshake: "failed", lastFrameMethod: "connect", client: "cli" },
    "2": `closed before connect conn=37434e8f-3c3d-47f3-a3bd-0567b2f295c9 peer=127.0.0.1:53194->127.0.0.1:18790 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18790 ua=n/a code=1008 reason=${reason}`,
    _meta: { name: '{"subsystem":"gateway/ws"}', date: new Date().toISOString(), logLevelName: "WARN" },
    time: new Date().toISOString(),
  });
}

describe("one redactor for every output", () => {
  it("no secret leaves check, fix, run, status, notifications, metrics or the watchdog's files in any form", async () => {
    const root = await tempDir("sw-redact-");
    const home = path.join(root, "home");
    const state = new LegacyStateDir(path.join(home, ".openclaw"));
    const me = makeIdentity();
    const stranger = makeIdentity();
    const webhook = await startHttpSink(() => ({ status: 200 }), `/${HOOK_PATH}`);
    // a Bot API that refuses and quotes the request path (and with it the bot token) in its answer
    const telegram = await startHttpSink(
      (r) => ({ status: 400, body: `{"ok":false,"description":"chat not found for ${r.path}"}` }),
      "",
    );
    const metricsPort = await freePort();
    const fake = await installFakeOpenClaw(root);
    await fake.control({
      failApprove: {
        code: 1,
        stderr: `Error: gateway rejected token ${GATEWAY_TOKEN} (${jsonForm(GATEWAY_TOKEN)}) url=ws://h/?t=${encodeURIComponent(GATEWAY_TOKEN)} device ${DEVICE_TOKEN}`,
      },
    });

    await state.writeOpenClawConfig({
      gateway: { port: 18790, bind: "loopback", auth: { mode: "token", token: GATEWAY_TOKEN } },
    });
    await state.writeIdentity(me);
    await state.writeDeviceAuth(me, ["operator.approvals"], DEVICE_TOKEN);
    await state.writePaired([pairedRecord(me, { scopes: ["operator.approvals"], token: DEVICE_TOKEN })]);
    await state.writePending([
      pendingRecord(me, { scopes: CLI_DEFAULT_SCOPES_4_20 }),
      pendingRecord(stranger, {
        scopes: ["operator.admin"],
        isRepair: false,
        displayName: `laptop ${GATEWAY_TOKEN}`,
        clientId: `cid ${jsonForm(DEVICE_TOKEN)}`,
        platform: encodeURIComponent(GATEWAY_TOKEN),
      }),
      pendingRecord(makeIdentity(), {
        scopes: ["operator.read"],
        isRepair: false,
        displayName: `bot ${BOT_TOKEN} ${HOOK_PATH}`,
        clientMode: encodeURIComponent(DEVICE_TOKEN),
      }),
    ]);
    const gatewayLog = path.join(root, "gw.log");
    await writeFile(
      gatewayLog,
      [
        closeLine(`pairing required ${GATEWAY_TOKEN}`),
        closeLine(`pairing required ${encodeURIComponent(DEVICE_TOKEN)}`),
      ]
        .map((l) => `${l}\n`)
        .join(""),
    );

    const config = path.join(root, "watchdog.json");
    await writeFile(
      config,
      JSON.stringify({
        openclaw: { bin: fake.bin, logFile: gatewayLog },
        notify: {
          minSeverity: "info",
          groupWait: "0ms",
          desktop: { enabled: false },
          webhook: { url: webhook.url, retries: 0 },
          telegram: { botToken: BOT_TOKEN, chatId: 42, apiUrl: telegram.url, retries: 0 },
        },
        remediation: { policy: "approve-local", allowScopes: CLI_DEFAULT_SCOPES_4_20 },
        metrics: { listen: `127.0.0.1:${metricsPort}` },
      }),
    );
    const env = {
      HOME: home,
      XDG_STATE_HOME: path.join(root, "state"),
      XDG_RUNTIME_DIR: path.join(root, "run"),
      OPENCLAW_GATEWAY_URL: "ws://127.0.0.1:1",
      ...fake.env,
    };
    const outputs: { what: string; text: string }[] = [];
    const cli = async (args: string[]) => {
      const r = await runCli([...args, "--config", config], { env, timeoutMs: 60_000 });
      outputs.push(
        { what: `${args.join(" ")} stdout`, text: r.stdout },
        { what: `${args.join(" ")} stderr`, text: r.stderr },
      );
      return r;
    };

    const check = await cli(["check"]);
    expect(check.code).toBe(1);
    // the names that carried the secrets are shown, without them
    expect(check.stdout).toContain("laptop [redacted]");
    await cli(["check", "--json"]);
    const fix = await cli(["fix", "--json"]);
    expect(fix.stdout).toContain('"decisions"');
    expect((await fake.calls()).some((c) => c.argv.includes("approve"))).toBe(true);

    const daemon = spawnRun(root, config, { env });
    await expect.poll(() => daemon.output().includes("watching OpenClaw"), { timeout: 20_000 }).toBe(true);
    await webhook.waitFor(1, 20_000);
    await telegram.waitFor(1, 20_000);
    await expect
      .poll(() => daemon.output().includes("notification failed (telegram)"), { timeout: 20_000 })
      .toBe(true);
    const status = await cli(["status"]);
    expect(status.code).not.toBe(2);
    const statusJson = await cli(["status", "--json"]);
    expect(statusJson.stdout).toContain('"recentObservations"');
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toContain("scope_watchdog_up 1");
    outputs.push({ what: "metrics", text: metrics });
    const exited = new Promise<number | null>((resolve) => daemon.child.on("exit", resolve));
    daemon.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    outputs.push({ what: "daemon log", text: daemon.output() });
    // the Bot API's answer that quoted the token reached the log only redacted
    expect(daemon.output()).toMatch(
      /notification failed \(telegram\): HTTP 400.*\/bot\[redacted\]\/sendMessage/,
    );

    for (const r of webhook.requests)
      outputs.push({ what: `webhook #${r.n}`, text: `${JSON.stringify(r.headers)}\n${r.body}` });
    // the bot token is in the Telegram request path by design (the Bot API wants it there): the body must not hold it
    for (const r of telegram.requests) outputs.push({ what: `telegram #${r.n}`, text: r.body });
    const written = [
      ...(await filesUnder(path.join(root, "state"))),
      ...(await filesUnder(path.join(root, "run"))),
    ];
    expect(written.some((f) => f.endsWith("audit.jsonl"))).toBe(true);
    for (const f of written) {
      if ((await stat(f)).size > 8 * 1024 * 1024) continue;
      outputs.push({ what: path.relative(root, f), text: await readFile(f, "utf8") });
    }
    const audit = outputs.find((o) => o.what.endsWith("audit.jsonl"))?.text ?? "";
    // the CLI's stderr reached the audit log, redacted
    expect(audit).toContain("gateway rejected token [redacted]");

    const leaks: string[] = [];
    for (const secret of [GATEWAY_TOKEN, DEVICE_TOKEN, BOT_TOKEN, HOOK_PATH])
      for (const form of forms(secret))
        for (const o of outputs)
          if (o.text.includes(form)) leaks.push(`${JSON.stringify(form)} in ${o.what}`);
    expect(leaks).toEqual([]);
    await webhook.close();
    await telegram.close();
  }, 180_000);
});
