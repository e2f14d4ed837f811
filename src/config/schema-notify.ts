// The `notify` section of the config: when to notify (grouping, repeats, flapping, rate limit) and through which
// channels (desktop, ntfy topic, webhook). Mounted into src/config/schema.ts as `notify`.

import * as z from "zod";
import { duration } from "./schema-parts.js";

const severity = (description: string) => z.enum(["info", "warning", "critical"]).describe(description);

const httpUrl = (description: string) =>
  z
    .url({ protocol: /^https?$/, error: "an http:// or https:// URL" })
    .nullable()
    .default(null)
    .describe(description);

const retries = z
  .number()
  .int()
  .min(0)
  .max(5)
  .default(2)
  .describe(
    "Extra attempts after a network error, a timeout, HTTP 429 or a 5xx answer (backoff 0.5s, 1s, 2s…); a 4xx answer is never retried.",
  );

/**
 * The webhook body (version 1), POSTed as application/json:
 *
 *   {
 *     "version": 1,
 *     "kind": "new" | "escalated" | "repeat" | "updated" | "recovered" | "flapping" | "rate-limited" | "approval",
 *                                               // updated: once, when a request to approve appears in an
 *                                               // incident already notified (later id churn sends nothing)
 *     "severity": "info" | "warning" | "critical",
 *     "title": string, "body": string,          // the same text the desktop shows
 *     "incident": {
 *       "fingerprint": string,                  // the notification group: "device:<deviceId>" or "finding:<code>|…"
 *       "codes": string[],                      // finding codes in this notification, most severe first
 *       "deviceId"?: string, "requestId"?: string,
 *       "openedAt": string | null               // ISO 8601, when the incident opened (null for rate-limited)
 *     },
 *     "findings": [{ "code", "severity", "message", "fix"?: { "command", "explanation" } }],
 *     "host": string,                           // os.hostname() of the watchdog's machine
 *     "at": string                              // ISO 8601, when the notification was decided
 *   }
 *
 * Never carries a token, password or the webhook/ntfy URL itself.
 */
export const WEBHOOK_BODY_DOC =
  'POSTs JSON {version:1, kind:"new"|"escalated"|"repeat"|"updated"|"recovered"|"flapping"|"rate-limited"|"approval", severity, title, body, incident:{fingerprint, codes, deviceId?, requestId?, profile?, stateDir?, openedAt}, findings:[{code, severity, message, fix?:{command, explanation}}], host, at}; never a token.';

export const notifySchema = z
  .object({
    minSeverity: severity("The least severe finding that notifies at all (every channel).").default(
      "warning",
    ),
    repeatAfter: duration(
      "Remind again about a still-open critical incident after this long (Alertmanager repeat_interval).",
    ).prefault("4h"),
    groupWait: duration(
      "How long to gather the findings of one device (baseline, upgrade request, regression, refused connects) into one notification before sending it.",
    ).prefault("500ms"),
    sendResolved: z
      .boolean()
      .default(true)
      .describe("Send one notification when a notified incident heals, saying what changed."),
    rateLimit: z
      .object({
        max: z
          .number()
          .int()
          .min(1)
          .default(12)
          .describe("At most this many notifications per window; the excess is summarised once."),
        per: duration("The rate-limit window.").prefault("1h"),
      })
      .strict()
      .prefault({})
      .describe("A global limit on notifications (all channels count once per notification)."),
    flapping: z
      .object({
        transitions: z
          .number()
          .int()
          .min(2)
          .default(3)
          .describe("Open/resolve toggles of one incident within `within` that make it flapping."),
        within: duration(
          "The window in which toggles are counted (Monit's X times within Y cycles).",
        ).prefault("15m"),
        stableFor: duration(
          "A flapping incident's recovery is reported only once it has stayed resolved this long.",
        ).prefault("10m"),
      })
      .strict()
      .prefault({})
      .describe("An incident that keeps opening and resolving is reported once as flapping."),
    desktop: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            "Show desktop notifications (notify-send on Linux, Notification Center on macOS, Windows toasts from WSL2).",
          ),
        minSeverity: severity("The least severe notification shown on the desktop.").default("info"),
        timeout: duration("Give up on one desktop notification after this long.").prefault("10s"),
      })
      .strict()
      .prefault({})
      .describe(
        "Desktop notifications; when they cannot be shown the notification goes to every configured network channel.",
      ),
    ntfy: z
      .object({
        url: httpUrl(
          "An ntfy topic URL, e.g. https://ntfy.sh/<a-hard-to-guess-topic> (the topic name acts as a password). The body is plain text, with Title, Priority and Tags headers. null: off.",
        ),
        minSeverity: severity(
          "The least severe notification sent to ntfy (while the desktop works; if it fails, ntfy gets everything).",
        ).default("info"),
        timeout: duration("Timeout of one HTTP attempt.").prefault("5s"),
        retries,
      })
      .strict()
      .prefault({})
      .describe("Push notifications through an ntfy server (phone, browser)."),
    webhook: z
      .object({
        url: httpUrl(`A URL that receives each notification. ${WEBHOOK_BODY_DOC} null: off.`),
        minSeverity: severity(
          "The least severe notification sent to the webhook (while the desktop works; if it fails, the webhook gets everything).",
        ).default("info"),
        timeout: duration("Timeout of one HTTP attempt.").prefault("5s"),
        retries,
      })
      .strict()
      .prefault({})
      .describe("A generic JSON webhook (chat bridges, home automation, your own script)."),
    telegram: z
      .object({
        botToken: z
          .string()
          .regex(
            /^\d{1,20}:[A-Za-z0-9_-]{20,100}$/,
            "a bot token as @BotFather gives it (<digits>:<letters>)",
          )
          .nullable()
          .default(null)
          .describe(
            "The bot token from @BotFather. A secret: keep this file private (chmod 600); the watchdog never logs or shows it. null: off.",
          ),
        chatId: z
          .union([
            z.int(),
            z.string().regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{5,32})$/, "a chat id or @channelname"),
          ])
          .nullable()
          .default(null)
          .describe(
            "The chat to write to: your user id (message the bot, then see getUpdates), a group id, or @channel.",
          ),
        apiUrl: z
          .url({ protocol: /^https?$/, error: "an http:// or https:// URL" })
          .default("https://api.telegram.org")
          .describe("The Bot API server (a local Bot API server, if you run one)."),
        minSeverity: severity(
          "The least severe notification sent to Telegram (while the desktop works; if it fails, Telegram gets everything).",
        ).default("info"),
        timeout: duration("Timeout of one HTTP attempt.").prefault("5s"),
        retries,
      })
      .strict()
      .prefault({})
      .describe("Telegram messages through a bot, the channel most OpenClaw users already read."),
  })
  .strict();

/** The `notify` section as written in a file. */
export type NotifyConfigInput = z.input<typeof notifySchema>;
/** The `notify` section after defaults (durations in milliseconds). */
export type NotifyConfig = z.output<typeof notifySchema>;

/** The notify defaults, for callers that have no config section (tests, the bench). */
export function defaultNotifyConfig(overrides: NotifyConfigInput = {}): NotifyConfig {
  return notifySchema.parse(overrides);
}
