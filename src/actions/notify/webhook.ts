// The generic webhook channel: the notification as JSON (body documented in src/config/schema-notify.ts).

import type { Channel } from "./channel.js";
import { createHttpChannel, type HttpChannelOptions, urlChannelEntry } from "./http.js";

export type WebhookOptions = HttpChannelOptions;

/** A channel that POSTs each notification's webhook body to `url`. */
export function createWebhookChannel(o: WebhookOptions): Channel {
  return createHttpChannel("webhook", o, (n) => ({
    headers: { "content-type": "application/json" },
    body: JSON.stringify(n.payload),
  }));
}

/** The registry entry (channels.ts): `notify.webhook.url` turns it on. */
export const webhookChannel = urlChannelEntry("webhook", (n) => n.webhook, createWebhookChannel);
