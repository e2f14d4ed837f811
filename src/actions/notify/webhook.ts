// The generic webhook channel: the notification as JSON (body documented in src/config/schema-notify.ts).

import type { Severity } from "../../types.js";
import type { Channel } from "./channel.js";
import { postWithRetry } from "./http.js";

export interface WebhookOptions {
  url: string;
  minSeverity: Severity;
  timeoutMs: number;
  retries: number;
  userAgent: string;
  backoff?: { initialMs: number; multiplier: number; maxMs: number };
}

/** A channel that POSTs each notification's webhook body to `url`. */
export function createWebhookChannel(o: WebhookOptions): Channel {
  return {
    name: "webhook",
    minSeverity: o.minSeverity,
    send: (n, signal) =>
      postWithRetry({
        url: o.url,
        headers: { "content-type": "application/json", "user-agent": o.userAgent },
        body: JSON.stringify(n.payload),
        timeoutMs: o.timeoutMs,
        retries: o.retries,
        signal,
        ...(o.backoff ? { backoff: o.backoff } : {}),
      }),
  };
}
