// The Telegram channel: each notification as one plain-text message through the Bot API's sendMessage
// (https://core.telegram.org/bots/api#sendmessage). Plain text on purpose: names from pairing records are data,
// never markup. The bot token is a secret: it lives only in the request URL and never reaches a log or a result.

import { redact } from "../../common/redact.js";
import type { Channel } from "./channel.js";
import type { NetworkChannelEntry } from "./channels.js";
import { createHttpChannel } from "./http.js";

/** sendMessage takes at most 4096 characters of text. */
export const TELEGRAM_MAX_TEXT = 4096;

export interface TelegramOptions {
  /** The Bot API base, https://api.telegram.org (a local server in tests). */
  apiUrl: string;
  botToken: string;
  chatId: string;
  minSeverity: Channel["minSeverity"];
  timeoutMs: number;
  retries: number;
  userAgent: string;
  backoff?: { initialMs: number; multiplier: number; maxMs: number };
}

/** The message text: the title, a blank line, the body; cut to what sendMessage takes. Pure. */
export function telegramText(title: string, body: string): string {
  const text = `${title}\n\n${body}`;
  return text.length <= TELEGRAM_MAX_TEXT ? text : `${text.slice(0, TELEGRAM_MAX_TEXT - 1)}…`;
}

/** A channel that sends each notification to one Telegram chat. */
export function createTelegramChannel(o: TelegramOptions): Channel {
  const http = createHttpChannel(
    "telegram",
    {
      url: `${o.apiUrl.replace(/\/+$/, "")}/bot${o.botToken}/sendMessage`,
      minSeverity: o.minSeverity,
      timeoutMs: o.timeoutMs,
      retries: o.retries,
      userAgent: o.userAgent,
      ...(o.backoff ? { backoff: o.backoff } : {}),
    },
    (n) => ({
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        chat_id: o.chatId,
        text: telegramText(n.title, n.body),
        disable_web_page_preview: true,
        // a recovery or a summary need not buzz the phone
        disable_notification: n.kind === "recovered" || n.severity === "info",
      }),
    }),
  );
  return {
    ...http,
    // what the Bot API answers may echo the request path, and with it the token: never let it through
    send: async (n, signal) => {
      const r = await http.send(n, signal);
      return r.ok ? r : { ...r, reason: redact(r.reason, { extra: [o.botToken] }) };
    },
  };
}

/** The registry entry (channels.ts): `notify.telegram.botToken` and `chatId` turn it on. */
export const telegramChannel: NetworkChannelEntry = {
  name: "telegram",
  create: ({ telegram: t }, http) =>
    t.botToken && t.chatId !== null
      ? createTelegramChannel({
          apiUrl: t.apiUrl,
          botToken: t.botToken,
          chatId: String(t.chatId),
          minSeverity: t.minSeverity,
          timeoutMs: t.timeout,
          retries: t.retries,
          ...http,
        })
      : null,
  describe: ({ telegram: t }) =>
    t.botToken && t.chatId !== null ? `${new URL(t.apiUrl).host} chat ${String(t.chatId)}` : null,
};
