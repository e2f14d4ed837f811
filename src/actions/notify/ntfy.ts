// The ntfy channel: the body as plain text POSTed to the topic URL, with Title, Priority and Tags headers
// (https://docs.ntfy.sh/publish/). A non-ASCII title is sent RFC 2047-encoded, which ntfy decodes (v2.4.0+).

import type { Severity } from "../../common/types.js";
import type { NotificationKind } from "../../policy/notify.js";
import type { Channel, Rendered } from "./channel.js";
import { createHttpChannel, type HttpChannelOptions, urlChannelEntry } from "./http.js";

export type NtfyOptions = HttpChannelOptions;

/** ntfy priorities: 1 min, 2 low, 3 default, 4 high, 5 urgent. Recoveries and summaries never ring loudly. */
export function ntfyPriority(severity: Severity, kind: NotificationKind): number {
  if (kind === "recovered") return 2;
  if (kind === "rate-limited") return 3;
  return severity === "critical" ? 4 : severity === "warning" ? 3 : 2;
}

/** Emoji shortcodes ntfy shows in front of the title, then the finding codes as plain tags. */
export function ntfyTags(n: Pick<Rendered, "severity" | "kind" | "codes">): string[] {
  const icon =
    n.kind === "recovered"
      ? "white_check_mark"
      : n.kind === "flapping"
        ? "repeat"
        : n.severity === "critical"
          ? "rotating_light"
          : n.severity === "warning"
            ? "warning"
            : "information_source";
  return [icon, ...n.codes];
}

/** A header value fetch accepts: ASCII as is, anything else as an RFC 2047 encoded-word. */
export function headerText(text: string): string {
  const flat = text.replace(/[\r\n]+/g, " ");
  if (/^[\x20-\x7e]*$/.test(flat)) return flat;
  return `=?UTF-8?B?${Buffer.from(flat, "utf8").toString("base64")}?=`;
}

/** A channel that publishes each notification to an ntfy topic URL. */
export function createNtfyChannel(o: NtfyOptions): Channel {
  return createHttpChannel("ntfy", o, (n) => ({
    headers: {
      "content-type": "text/plain; charset=utf-8",
      title: headerText(n.title),
      priority: String(ntfyPriority(n.severity, n.kind)),
      tags: ntfyTags(n).join(","),
    },
    body: n.body,
  }));
}

/** The registry entry (channels.ts): `notify.ntfy.url` turns it on. */
export const ntfyChannel = urlChannelEntry("ntfy", (n) => n.ntfy, createNtfyChannel);
