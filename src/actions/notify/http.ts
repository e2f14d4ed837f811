// One HTTP POST with a per-attempt timeout and bounded retries with backoff: network errors, timeouts, 429 and
// 5xx are retried; other 4xx answers are not. Aborting `signal` (the notifier stopping) ends it at once.

import { errorMessage } from "../../common/errors.js";
import type { Severity } from "../../common/types.js";
import type { NotifyConfig } from "../../config/schema-notify.js";
import { type Channel, type ChannelName, type ChannelResult, type Rendered, redactUrl } from "./channel.js";
import type { NetworkChannelEntry } from "./channels.js";

export interface PostOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Extra attempts after the first. */
  retries: number;
  signal: AbortSignal;
  backoff?: { initialMs: number; multiplier: number; maxMs: number };
}

const DEFAULT_BACKOFF = { initialMs: 500, multiplier: 2, maxMs: 5_000 };

/** Resolves after `ms`, or early (false) when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  const s = Number(header);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : null;
}

type Attempt =
  | { ok: true; status: number }
  | { ok: false; retry: boolean; failure: string; reason: string; waitMs?: number };

async function attempt(o: PostOptions): Promise<Attempt> {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(o.signal.reason);
  o.signal.addEventListener("abort", onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort(new Error("timeout"));
  }, o.timeoutMs);
  try {
    const res = await fetch(o.url, { method: "POST", headers: o.headers, body: o.body, signal: ctl.signal });
    const text = res.ok ? "" : (await res.text().catch(() => "")).slice(0, 200).replace(/\s+/g, " ").trim();
    await res.body?.cancel().catch(() => undefined);
    if (res.ok) return { ok: true, status: res.status };
    const reason = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}${text ? `: ${text}` : ""}`;
    if (res.status === 429 || res.status >= 500) {
      const waitMs = retryAfterMs(res.headers.get("retry-after"));
      return {
        ok: false,
        retry: true,
        failure: res.status === 429 ? "http-429" : "http-5xx",
        reason,
        ...(waitMs !== null ? { waitMs } : {}),
      };
    }
    return { ok: false, retry: false, failure: res.status >= 400 ? "http-4xx" : "http-unexpected", reason };
  } catch (err) {
    if (o.signal.aborted)
      return { ok: false, retry: false, failure: "aborted", reason: "the notifier stopped" };
    if (timedOut)
      return { ok: false, retry: true, failure: "timeout", reason: `no answer within ${o.timeoutMs} ms` };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return {
      ok: false,
      retry: true,
      failure: "network",
      reason: cause?.code ?? cause?.message ?? errorMessage(err),
    };
  } finally {
    clearTimeout(timer);
    o.signal.removeEventListener("abort", onAbort);
  }
}

/** POSTs `body` to `url`, retrying what may succeed later; resolves to the channel result, never throws. */
export async function postWithRetry(o: PostOptions): Promise<ChannelResult> {
  const b = o.backoff ?? DEFAULT_BACKOFF;
  let delay = b.initialMs;
  for (let n = 1; ; n++) {
    const r = await attempt(o);
    if (r.ok) return { ok: true, attempts: n, detail: `HTTP ${r.status}` };
    if (!r.retry || n > o.retries) {
      const more = r.retry ? `; gave up after ${n} attempt${n === 1 ? "" : "s"}` : "";
      return { ok: false, attempts: n, failure: r.failure, reason: `${r.reason}${more}` };
    }
    const wait = Math.min(b.maxMs, r.waitMs ?? delay);
    delay = Math.min(b.maxMs, delay * b.multiplier);
    if (!(await sleep(wait, o.signal)))
      return { ok: false, attempts: n, failure: "aborted", reason: "the notifier stopped" };
  }
}

/** What a network channel is configured with (notify.webhook, notify.ntfy). */
export interface HttpChannelOptions {
  url: string;
  minSeverity: Severity;
  timeoutMs: number;
  retries: number;
  userAgent: string;
  backoff?: { initialMs: number; multiplier: number; maxMs: number };
}

/** A config section of an HTTP channel that a URL turns on. */
interface UrlSection {
  url: string | null;
  minSeverity: Severity;
  timeout: number;
  retries: number;
}

/** The registry entry of an HTTP channel whose config section is a `UrlSection` (ntfy, webhook). */
export function urlChannelEntry(
  name: ChannelName,
  section: (notify: NotifyConfig) => UrlSection,
  create: (o: HttpChannelOptions) => Channel,
): NetworkChannelEntry {
  return {
    name,
    create: (notify, http) => {
      const s = section(notify);
      return s.url
        ? create({
            url: s.url,
            minSeverity: s.minSeverity,
            timeoutMs: s.timeout,
            retries: s.retries,
            ...http,
          })
        : null;
    },
    describe: (notify) => {
      const url = section(notify).url;
      return url ? redactUrl(url) : null;
    },
  };
}

/** A channel that POSTs each notification to `o.url`, as `request` renders it (content headers and body). */
export function createHttpChannel(
  name: ChannelName,
  o: HttpChannelOptions,
  request: (n: Rendered) => { headers: Record<string, string>; body: string },
): Channel {
  return {
    name,
    minSeverity: o.minSeverity,
    send: (n, signal) => {
      const r = request(n);
      return postWithRetry({
        url: o.url,
        headers: { "user-agent": o.userAgent, ...r.headers },
        body: r.body,
        timeoutMs: o.timeoutMs,
        retries: o.retries,
        signal,
        ...(o.backoff ? { backoff: o.backoff } : {}),
      });
    },
  };
}
