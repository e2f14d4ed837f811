// The Telegram channel against a local HTTP server that speaks the Bot API's sendMessage: one plain-text message
// per notification to the configured chat, the same retries and minimum severity as the other network channels,
// and the bot token (a secret) in no log line, result or error.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { createNotifier } from "../../src/actions/notify/notifier.js";
import { TELEGRAM_MAX_TEXT, telegramText } from "../../src/actions/notify/telegram.js";
import type { Finding } from "../../src/common/types.js";
import { defaultNotifyConfig, type NotifyConfigInput } from "../../src/config/schema-notify.js";
import { validateConfig } from "../../src/config/validate.js";
import { type SinkAnswer, type SinkRequest, startHttpSink } from "../helpers/http-sink.js";
import { captureLog } from "../helpers/log-capture.js";

const TOKEN = "123456789:AAH-botToken_secret-0123456789abcdef";
const DEV = "7e1e".repeat(16);
const regression: Finding = {
  code: "scope-regression",
  severity: "critical",
  message: "The gateway's approved scopes for this machine's device narrowed (lost operator.admin).",
  deviceId: DEV,
  scopes: ["operator.admin"],
};
const drift: Finding = {
  code: "token-scope-drift",
  severity: "info",
  message: "The cached token is narrower.",
  deviceId: DEV,
};

/** A Bot API server: `ok` answers like sendMessage does; the test decides each answer. */
async function botApi(answer: (r: SinkRequest) => SinkAnswer = () => ok()) {
  const s = await startHttpSink(answer, "");
  onTestFinished(() => s.close());
  return s;
}
function ok(): SinkAnswer {
  return {
    status: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ok: true, result: { message_id: 1, chat: { id: 42 }, text: "…" } }),
  };
}

async function notifier(api: string, telegram: NotifyConfigInput["telegram"] = {}) {
  const log = captureLog();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "sw-telegram-"));
  onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
  const n = createNotifier({
    config: defaultNotifyConfig({
      groupWait: "0ms",
      desktop: { enabled: false },
      telegram: { botToken: TOKEN, chatId: 42, apiUrl: api, ...telegram },
    }),
    logger: log.logger,
    dataDir,
    hostname: "box",
    timeZone: "UTC",
    backoff: { initialMs: 10, multiplier: 2, maxMs: 40 },
  });
  onTestFinished(() => n.stop());
  return { n, log };
}

describe("Telegram", () => {
  it("sends one plain-text sendMessage per notification to the chat, and never logs the bot token", async () => {
    const api = await botApi();
    const { n, log } = await notifier(api.url);
    await n.onEvaluation({ findings: [regression], inspection: null });
    await n.settled();
    expect(api.requests).toHaveLength(1);
    const r = api.requests[0];
    expect(r?.method).toBe("POST");
    expect(r?.path).toBe(`/bot${TOKEN}/sendMessage`);
    expect(r?.headers["content-type"]).toBe("application/json");
    const body = JSON.parse(r?.body ?? "{}") as Record<string, unknown>;
    expect(body).toMatchObject({
      chat_id: "42",
      disable_web_page_preview: true,
      disable_notification: false,
    });
    expect(body).not.toHaveProperty("parse_mode");
    expect(String(body.text)).toMatch(/^OpenClaw device lost scopes[^\n]*\n\nThe gateway's approved scopes/);
    expect(log.records.find((x) => x.msg === "notifications ready")).toMatchObject({
      telegram: expect.stringMatching(/^127\.0\.0\.1:\d+ chat 42$/),
    });
    expect(log.raw.join("\n")).not.toContain(TOKEN.split(":")[1]);
  });

  it("retries a 429 and a 5xx like the other channels, and keeps the token out of the failure it logs", async () => {
    const api = await botApi((r) =>
      r.n === 1
        ? {
            status: 429,
            body: JSON.stringify({
              ok: false,
              error_code: 429,
              description: "Too Many Requests: retry after 0",
            }),
          }
        : { status: 502, body: `Bad Gateway for /bot${TOKEN}/sendMessage` },
    );
    const { n, log } = await notifier(api.url, { retries: 2 });
    await n.onEvaluation({ findings: [regression], inspection: null });
    await n.settled();
    expect(api.requests).toHaveLength(3);
    const failed = log.records.find((x) => x.msg.startsWith("notification failed (telegram)"));
    expect(failed).toMatchObject({ failure: "http-5xx", attempts: 3 });
    expect(log.raw.join("\n")).not.toContain(TOKEN);
    expect(log.raw.join("\n")).toContain("[redacted]");
  });

  it("does not retry a refused chat (400) and sends nothing below its minimum severity", async () => {
    const api = await botApi(() => ({
      status: 400,
      body: JSON.stringify({ ok: false, error_code: 400, description: "Bad Request: chat not found" }),
    }));
    const { n, log } = await notifier(api.url, { minSeverity: "warning" });
    await n.onEvaluation({ findings: [drift], inspection: null });
    await n.settled();
    expect(api.requests).toHaveLength(0);
    await n.onEvaluation({ findings: [regression, drift], inspection: null });
    await n.settled();
    expect(api.requests).toHaveLength(1);
    expect(log.records.find((x) => x.msg.startsWith("notification failed (telegram)"))?.reason).toMatch(
      /chat not found/,
    );
  });

  it("cuts a text longer than sendMessage takes", () => {
    expect(telegramText("t", "x".repeat(10_000))).toHaveLength(TELEGRAM_MAX_TEXT);
    expect(telegramText("title", "body")).toBe("title\n\nbody");
  });

  it("validates the section without ever echoing a token", () => {
    const bad = validateConfig({
      notify: { telegram: { botToken: "oops-not-a-token-but-secret", chatId: 42 } },
    });
    expect(bad.ok).toBe(false);
    const text = JSON.stringify(bad.ok ? null : bad.issues);
    expect(text).toContain("notify.telegram.botToken");
    expect(text).not.toContain("oops-not-a-token-but-secret");
    expect(validateConfig({ notify: { telegram: { botToken: TOKEN, chatId: "@ops_channel" } } }).ok).toBe(
      true,
    );
  });
});
