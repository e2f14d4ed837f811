// The `notify` section of the config: when to notify (grouping, repeats, flapping, rate limit) and through which
// channels (desktop, ntfy topic, webhook). Mounted into src/config/schema.ts as `notify`.

import * as z from "../common/zod.js";
import { described, duration, lazySchema, orNull } from "./schema-parts.js";

const severity = (description: string) => described(z.enum(["info", "warning", "critical"]), description);

const httpUrl = (description: string) =>
  described(orNull(z.url({ protocol: /^https?$/, error: "an http:// or https:// URL" })), description);

const retries = () =>
  described(
    z._default(z.number().check(z.int(), z.gte(0), z.lte(5)), 2),
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

/** The `notify` section's schema, built on first use. */
export const notifySchema = lazySchema(() =>
  z.strictObject({
    minSeverity: z._default(
      severity("The least severe finding that notifies at all (every channel)."),
      "warning",
    ),
    repeatAfter: z.prefault(
      duration(
        "Remind again about a still-open critical incident after this long (Alertmanager repeat_interval).",
      ),
      "4h",
    ),
    groupWait: z.prefault(
      duration(
        "How long to gather the findings of one device (baseline, upgrade request, regression, refused connects) into one notification before sending it.",
      ),
      "500ms",
    ),
    sendResolved: described(
      z._default(z.boolean(), true),
      "Send one notification when a notified incident heals, saying what changed.",
    ),
    rateLimit: described(
      z.prefault(
        z.strictObject({
          max: described(
            z._default(z.number().check(z.int(), z.gte(1)), 12),
            "At most this many notifications per window; the excess is summarised once.",
          ),
          per: z.prefault(duration("The rate-limit window."), "1h"),
        }),
        {},
      ),
      "A global limit on notifications (all channels count once per notification).",
    ),
    flapping: described(
      z.prefault(
        z.strictObject({
          transitions: described(
            z._default(z.number().check(z.int(), z.gte(2)), 3),
            "Open/resolve toggles of one incident within `within` that make it flapping.",
          ),
          within: z.prefault(
            duration("The window in which toggles are counted (Monit's X times within Y cycles)."),
            "15m",
          ),
          stableFor: z.prefault(
            duration(
              "A flapping incident's recovery is reported only once it has stayed resolved this long.",
            ),
            "10m",
          ),
        }),
        {},
      ),
      "An incident that keeps opening and resolving is reported once as flapping.",
    ),
    desktop: described(
      z.prefault(
        z.strictObject({
          enabled: described(
            z._default(z.boolean(), true),
            "Show desktop notifications (notify-send on Linux, Notification Center on macOS, Windows toasts from WSL2).",
          ),
          minSeverity: z._default(severity("The least severe notification shown on the desktop."), "info"),
          timeout: z.prefault(duration("Give up on one desktop notification after this long."), "10s"),
        }),
        {},
      ),
      "Desktop notifications; when they cannot be shown the notification goes to every configured network channel.",
    ),
    ntfy: described(
      z.prefault(
        z.strictObject({
          url: httpUrl(
            "An ntfy topic URL, e.g. https://ntfy.sh/<a-hard-to-guess-topic> (the topic name acts as a password). The body is plain text, with Title, Priority and Tags headers. null: off.",
          ),
          minSeverity: z._default(
            severity(
              "The least severe notification sent to ntfy (while the desktop works; if it fails, ntfy gets everything).",
            ),
            "info",
          ),
          timeout: z.prefault(duration("Timeout of one HTTP attempt."), "5s"),
          retries: retries(),
        }),
        {},
      ),
      "Push notifications through an ntfy server (phone, browser).",
    ),
    webhook: described(
      z.prefault(
        z.strictObject({
          url: httpUrl(`A URL that receives each notification. ${WEBHOOK_BODY_DOC} null: off.`),
          minSeverity: z._default(
            severity(
              "The least severe notification sent to the webhook (while the desktop works; if it fails, the webhook gets everything).",
            ),
            "info",
          ),
          timeout: z.prefault(duration("Timeout of one HTTP attempt."), "5s"),
          retries: retries(),
        }),
        {},
      ),
      "A generic JSON webhook (chat bridges, home automation, your own script).",
    ),
    telegram: described(
      z.prefault(
        z.strictObject({
          botToken: described(
            orNull(
              z
                .string()
                .check(
                  z.regex(
                    /^\d{1,20}:[A-Za-z0-9_-]{20,100}$/,
                    "a bot token as @BotFather gives it (<digits>:<letters>)",
                  ),
                ),
            ),
            "The bot token from @BotFather. A secret: keep this file private (chmod 600); the watchdog never logs or shows it. null: off.",
          ),
          chatId: described(
            orNull(
              z.union([
                z.int(),
                z.string().check(z.regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{5,32})$/, "a chat id or @channelname")),
              ]),
            ),
            "The chat to write to: your user id (message the bot, then see getUpdates), a group id, or @channel.",
          ),
          apiUrl: described(
            z._default(
              z.url({ protocol: /^https?$/, error: "an http:// or https:// URL" }),
              "https://api.telegram.org",
            ),
            "The Bot API server (a local Bot API server, if you run one).",
          ),
          minSeverity: z._default(
            severity(
              "The least severe notification sent to Telegram (while the desktop works; if it fails, Telegram gets everything).",
            ),
            "info",
          ),
          timeout: z.prefault(duration("Timeout of one HTTP attempt."), "5s"),
          retries: retries(),
        }),
        {},
      ),
      "Telegram messages through a bot, the channel most OpenClaw users already read.",
    ),
  }),
);

/** The `notify` section as written in a file. */
export type NotifyConfigInput = z.input<ReturnType<typeof notifySchema>>;
/** The `notify` section after defaults (durations in milliseconds). */
export type NotifyConfig = z.output<ReturnType<typeof notifySchema>>;

/** The notify defaults, for callers that have no config section (tests, the bench). */
export function defaultNotifyConfig(overrides: NotifyConfigInput = {}): NotifyConfig {
  return notifySchema().parse(overrides);
}
