// The network channels, registered in one table: a new channel (Telegram, say) is one file exporting its entry
// plus one line here. The desktop channel is separate: it is the primary one, and the others are its fallback.

import type { NotifyConfig } from "../../config/schema-notify.js";
import type { Channel, ChannelName } from "./channel.js";
import type { HttpChannelOptions } from "./http.js";
import { ntfyChannel } from "./ntfy.js";
import { telegramChannel } from "./telegram.js";
import { webhookChannel } from "./webhook.js";

/** What every HTTP channel shares, set by the notifier (user agent, test backoff). */
export type HttpDefaults = Pick<HttpChannelOptions, "userAgent" | "backoff">;

export interface NetworkChannelEntry {
  name: ChannelName;
  /** The channel its config section asks for, or null when the section leaves it off. */
  create(notify: NotifyConfig, http: HttpDefaults): Channel | null;
  /** How the "notifications ready" log line names its target, never a secret; null when off. */
  describe(notify: NotifyConfig): string | null;
}

export const NETWORK_CHANNELS: readonly NetworkChannelEntry[] = [
  ntfyChannel,
  webhookChannel,
  telegramChannel,
];

/** The network channels the config asks for, in registry order. */
export function createNetworkChannels(notify: NotifyConfig, http: HttpDefaults): Channel[] {
  return NETWORK_CHANNELS.map((c) => c.create(notify, http)).filter((c): c is Channel => c !== null);
}

/** Each registered channel's target as the log shows it (null: off). */
export function describeNetworkChannels(notify: NotifyConfig): Record<string, string | null> {
  return Object.fromEntries(NETWORK_CHANNELS.map((c) => [c.name, c.describe(notify)]));
}
