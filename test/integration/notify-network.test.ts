// The webhook and ntfy channels against real HTTP servers on 127.0.0.1: the documented body and headers,
// retries on 5xx/429/timeouts/refused connections, none on 4xx, stop() during a hanging request, and no secret
// in anything sent.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { Rendered } from "../../src/actions/notify/channel.js";
import { createNotifier, type EvaluationView } from "../../src/actions/notify/notifier.js";
import { createNtfyChannel } from "../../src/actions/notify/ntfy.js";
import { renderNotification } from "../../src/actions/notify/text.js";
import { createWebhookChannel } from "../../src/actions/notify/webhook.js";
import { Secret } from "../../src/common/secret.js";
import type { Finding } from "../../src/common/types.js";
import { defaultNotifyConfig, type NotifyConfigInput } from "../../src/config/schema-notify.js";
import { decide, emptyNotifyState } from "../../src/policy/notify.js";
import { type SinkAnswer, startHttpSink } from "../helpers/http-sink.js";
import { captureLog } from "../helpers/log-capture.js";

const DEV = "5eed".repeat(16);
const REQ = "9a0d0c7e-3f55-4b8e-8f0e-2d1c6b5a4e3f";
const AT = Date.UTC(2026, 10, 27, 14, 2);
const FAST = { initialMs: 10, multiplier: 2, maxMs: 40 };
const UA = "test-agent";

function findings(): Finding[] {
  return [
    {
      code: "scope-regression",
      severity: "critical",
      message:
        "The gateway's approved scopes for this machine's device narrowed from operator.admin to operator.approvals.",
      impact: "Subagent spawns (sessions_spawn) and cron isolated sessions fail with 1008 pairing required.",
      deviceId: DEV,
      scopes: ["operator.admin"],
    },
    {
      code: "scope-upgrade-pending",
      severity: "warning",
      message: `This machine's device asks for operator.admin: request ${REQ}.`,
      deviceId: DEV,
      requestId: REQ,
      scopes: ["operator.admin"],
      fix: {
        command: `openclaw devices approve ${REQ}`,
        explanation: "Approves this machine's own request.",
      },
    },
  ];
}

function rendered(): Rendered {
  const d = decide(
    emptyNotifyState(),
    { findings: findings(), silences: [] },
    AT,
    defaultNotifyConfig({ groupWait: "0ms" }),
  );
  const n = d.notifications[0];
  if (!n) throw new Error("the policy decided nothing");
  return renderNotification(n, { hostname: "test-host", secrets: [], timeZone: "UTC" });
}

async function sink(answer?: (n: number) => SinkAnswer) {
  const s = await startHttpSink(answer ? (r) => answer(r.n) : undefined);
  onTestFinished(() => s.close());
  return s;
}

const signal = () => new AbortController().signal;

describe("webhook channel", () => {
  it("POSTs the documented JSON body", async () => {
    const s = await sink();
    const ch = createWebhookChannel({
      url: s.url,
      minSeverity: "info",
      timeoutMs: 2_000,
      retries: 2,
      userAgent: UA,
    });
    const result = await ch.send(rendered(), signal());
    expect(result).toEqual({ ok: true, attempts: 1, detail: "HTTP 200" });
    const [req] = s.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/hook");
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers["user-agent"]).toBe(UA);
    expect(JSON.parse(req?.body ?? "")).toEqual({
      version: 1,
      kind: "new",
      severity: "critical",
      title: "OpenClaw device lost scopes",
      body: expect.stringContaining(`Fix: openclaw devices approve ${REQ}`),
      incident: {
        fingerprint: `device:${DEV}`,
        codes: ["scope-regression", "scope-upgrade-pending"],
        deviceId: DEV,
        requestId: REQ,
        openedAt: "2026-11-27T14:02:00.000Z",
      },
      findings: [
        { code: "scope-regression", severity: "critical", message: expect.stringContaining("narrowed") },
        {
          code: "scope-upgrade-pending",
          severity: "warning",
          message: expect.stringContaining(REQ),
          fix: {
            command: `openclaw devices approve ${REQ}`,
            explanation: "Approves this machine's own request.",
          },
        },
      ],
      host: "test-host",
      at: "2026-11-27T14:02:00.000Z",
    });
  });

  it.each([
    [
      "500 every time: retried, then gives up",
      () => ({ status: 500, body: "boom" }),
      2,
      3,
      "http-5xx",
      /HTTP 500.*boom; gave up after 3 attempts/,
    ],
    [
      "400: not retried",
      () => ({ status: 400, body: "bad topic" }),
      2,
      1,
      "http-4xx",
      /^HTTP 400 Bad Request: bad topic$/,
    ],
    ["404: not retried", () => ({ status: 404 }), 3, 1, "http-4xx", /^HTTP 404/],
    [
      "429 without Retry-After: retried",
      () => ({ status: 429 }),
      1,
      2,
      "http-429",
      /HTTP 429.*gave up after 2 attempts/,
    ],
  ] as const)("%s", async (_name, answer, retries, requests, failure, reason) => {
    const s = await sink(answer);
    const ch = createWebhookChannel({
      url: s.url,
      minSeverity: "info",
      timeoutMs: 2_000,
      retries,
      userAgent: UA,
      backoff: FAST,
    });
    const result = await ch.send(rendered(), signal());
    expect(result).toMatchObject({ ok: false, attempts: requests, failure });
    expect(result.ok || result.reason).toMatch(reason);
    expect(s.requests).toHaveLength(requests);
  });

  it("a 503 then 200 is delivered on the second attempt", async () => {
    const s = await sink((n) => (n === 1 ? { status: 503 } : { status: 204 }));
    const ch = createWebhookChannel({
      url: s.url,
      minSeverity: "info",
      timeoutMs: 2_000,
      retries: 2,
      userAgent: UA,
      backoff: FAST,
    });
    expect(await ch.send(rendered(), signal())).toEqual({ ok: true, attempts: 2, detail: "HTTP 204" });
  });

  it("a server that never answers: each attempt times out, retries are bounded", async () => {
    const s = await sink(() => "hang");
    const ch = createWebhookChannel({
      url: s.url,
      minSeverity: "info",
      timeoutMs: 200,
      retries: 1,
      userAgent: UA,
      backoff: FAST,
    });
    const result = await ch.send(rendered(), signal());
    expect(result).toMatchObject({ ok: false, attempts: 2, failure: "timeout" });
    expect(s.requests).toHaveLength(2);
  });

  it("a refused connection is a network failure, retried", async () => {
    const s = await startHttpSink();
    const url = s.url;
    await s.close();
    const ch = createWebhookChannel({
      url,
      minSeverity: "info",
      timeoutMs: 1_000,
      retries: 2,
      userAgent: UA,
      backoff: FAST,
    });
    const result = await ch.send(rendered(), signal());
    expect(result).toMatchObject({ ok: false, attempts: 3, failure: "network" });
    expect(result.ok || result.reason).toMatch(/ECONNREFUSED/);
  });
});

describe("ntfy channel", () => {
  it("POSTs the body as plain text with Title, Priority and Tags", async () => {
    const s = await sink();
    const ch = createNtfyChannel({
      url: s.url,
      minSeverity: "info",
      timeoutMs: 2_000,
      retries: 0,
      userAgent: UA,
    });
    const r = rendered();
    expect(await ch.send(r, signal())).toMatchObject({ ok: true });
    const req = s.requests[0];
    expect(req?.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(req?.headers.title).toBe("OpenClaw device lost scopes");
    expect(req?.headers.priority).toBe("4");
    expect(req?.headers.tags).toBe("rotating_light,scope-regression,scope-upgrade-pending");
    expect(req?.body).toBe(r.body);
  });

  it("a non-ASCII title goes out RFC 2047-encoded", async () => {
    const s = await sink();
    const ch = createNtfyChannel({
      url: s.url,
      minSeverity: "info",
      timeoutMs: 2_000,
      retries: 0,
      userAgent: UA,
    });
    const r = { ...rendered(), title: "Gerät verlor Bereiche …" };
    expect(await ch.send(r, signal())).toMatchObject({ ok: true });
    const m = /^=\?UTF-8\?B\?(.+)\?=$/.exec(String(s.requests[0]?.headers.title));
    expect(Buffer.from(m?.[1] ?? "", "base64").toString("utf8")).toBe("Gerät verlor Bereiche …");
  });
});

async function notifierWith(notify: NotifyConfigInput, extra: { secrets?: () => string[] } = {}) {
  const { logger, records } = captureLog();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "sw-notify-"));
  onTestFinished(() => rm(dataDir, { recursive: true, force: true, maxRetries: 3 }));
  const notifier = createNotifier({
    config: defaultNotifyConfig({ groupWait: "0ms", desktop: { enabled: false }, ...notify }),
    logger,
    dataDir,
    backoff: FAST,
    ...extra,
  });
  onTestFinished(() => notifier.stop());
  return { notifier, records };
}

describe("through the notifier", () => {
  it("a failing webhook is logged with the finding code, and the undelivered notification as an error", async () => {
    const s = await startHttpSink(() => ({ status: 500 }), "/hooks/t0p-s3cret-path");
    onTestFinished(() => s.close());
    const { notifier, records } = await notifierWith({ webhook: { url: s.url, retries: 1 } });
    await notifier.onEvaluation({ findings: findings(), inspection: null });
    await notifier.settled();
    expect(s.requests).toHaveLength(2);
    const failed = records.find((x) => x.msg.startsWith("notification failed (webhook)"));
    expect(failed).toMatchObject({ level: 40, code: "scope-regression", failure: "http-5xx", attempts: 2 });
    // the URL's path acts as a password: no log line carries it
    expect(JSON.stringify(records)).toContain("http://127.0.0.1:");
    expect(JSON.stringify(records)).not.toContain("t0p-s3cret-path");
    expect(records.find((x) => x.msg === "notification not delivered on any channel")).toMatchObject({
      level: 50,
      code: "scope-regression",
    });
  });

  it("stop() during a hanging request returns without waiting for the timeout, and later evaluations send nothing", async () => {
    const s = await sink(() => "hang");
    const { notifier } = await notifierWith({ webhook: { url: s.url, timeout: "60s", retries: 5 } });
    await notifier.onEvaluation({ findings: findings(), inspection: null });
    await s.waitFor(1);
    await notifier.stop();
    await notifier.stop(); // idempotent
    await notifier.onEvaluation({
      findings: [{ ...(findings()[0] as Finding), deviceId: "f".repeat(64) }],
      inspection: null,
    });
    await notifier.settled();
    expect(s.requests).toHaveLength(1);
  });

  it("no configured secret reaches any payload, even from a close reason that carries it", async () => {
    const gatewayToken = "oc-gw-7d1f0c2b9e8a4f6d";
    const extraSecret = "extra-secret-a1b2c3d4";
    const hook = await sink();
    const topic = await sink();
    const { notifier } = await notifierWith(
      { webhook: { url: hook.url }, ntfy: { url: topic.url } },
      { secrets: () => [extraSecret] },
    );
    const leaky: Finding[] = [
      {
        code: "gateway-auth-failure",
        severity: "warning",
        message: `A client was refused: unauthorized: gateway token mismatch (got ${gatewayToken}); Authorization: Bearer ${extraSecret}`,
        impact: `retry with token=${gatewayToken}`,
        fix: {
          command: `openclaw gateway status --token ${gatewayToken}`,
          explanation: `uses ${extraSecret}`,
        },
      },
      {
        code: "pairing-required-close",
        severity: "warning",
        message: `The gateway refused a local client: pairing required (auth.token=zz-${gatewayToken}-zz, ws://u:${extraSecret}@127.0.0.1)`,
        deviceId: DEV,
      },
    ];
    const view: EvaluationView = {
      findings: leaky,
      inspection: { gateway: { secret: new Secret(gatewayToken) }, device: null },
    };
    await notifier.onEvaluation(view);
    await notifier.settled();
    expect(hook.requests).toHaveLength(2);
    expect(topic.requests).toHaveLength(2);
    const sent = [...hook.requests, ...topic.requests]
      .map((r) => `${JSON.stringify(r.headers)}\n${r.body}`)
      .join("\n");
    expect(sent).toContain("gateway token mismatch");
    expect(sent).toContain("[redacted]");
    expect(sent).not.toContain(gatewayToken);
    expect(sent).not.toContain(extraSecret);
  });
});
