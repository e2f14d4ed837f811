// Sending one decided notification through the channels, and logging every outcome with the finding code.
//
// Chain: the desktop (if enabled and its minSeverity takes it) and, at the same time, every configured network
// channel (ntfy, webhook) whose minSeverity takes it. If the desktop was tried and failed, the network channels
// that were skipped for severity get it too, so at least one channel delivers whenever one is configured. A
// desktop failure is explained once per failure kind (warn, with what to do); repeats are debug lines, and a
// success clears the memory so a later breakage is explained again.

import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import { redact } from "../../common/redact.js";
import type { Channel, ChannelName, ChannelResult, Rendered } from "./channel.js";
import { takes } from "./channel.js";

export interface DispatchOutcome {
  delivered: ChannelName[];
  failed: { channel: ChannelName; failure: string; reason: string }[];
}

export interface Dispatcher {
  /** Sends `n` as described above; never throws. */
  dispatch(n: Rendered, signal: AbortSignal): Promise<DispatchOutcome>;
}

export interface DispatcherOptions {
  desktop: Channel | null;
  /** Network channels in order (ntfy, webhook). */
  network: readonly Channel[];
  logger: Logger;
}

/** The chain above over the given channels. */
export function createDispatcher(o: DispatcherOptions): Dispatcher {
  const explained = new Set<string>();
  const log = o.logger;

  const run = async (
    c: Channel,
    n: Rendered,
    signal: AbortSignal,
    fallback: boolean,
  ): Promise<ChannelResult> => {
    let r: ChannelResult;
    try {
      r = await c.send(n, signal);
    } catch (err) {
      r = { ok: false, attempts: 1, failure: "bug", reason: errorMessage(err) };
    }
    // what a server answers (or an error says) may quote the URL, the token or the request: every channel's
    // reason goes through the one redactor before it is logged or recorded
    if (!r.ok) r = { ...r, reason: redact(r.reason, { shapes: true }) };
    const fields = { channel: c.name, code: n.codes[0], codes: n.codes, kind: n.kind, attempts: r.attempts };
    if (r.ok) {
      explained.forEach((k) => {
        if (k.startsWith(`${c.name}:`)) explained.delete(k);
      });
      log.info({ ...fields, fallback, detail: r.detail }, `notification sent (${c.name})`);
      return r;
    }
    const key = `${c.name}:${r.failure}`;
    const first = !explained.has(key);
    explained.add(key);
    const failed = { ...fields, failure: r.failure, reason: r.reason };
    if (c.name !== "desktop") log.warn(failed, `notification failed (${c.name}): ${r.reason}`);
    else if (first)
      log.warn(
        { ...failed, hint: r.hint },
        `desktop notifications unavailable (${r.failure}): ${r.reason}. ${r.hint ?? ""}`.trim(),
      );
    else log.debug(failed, `desktop notification failed again (${r.failure})`);
    return r;
  };

  return {
    async dispatch(n, signal) {
      const desktop = o.desktop && takes(o.desktop.minSeverity, n.severity) ? o.desktop : null;
      const chosen = o.network.filter((c) => takes(c.minSeverity, n.severity));
      const rest = o.network.filter((c) => !chosen.includes(c));
      const outcome: DispatchOutcome = { delivered: [], failed: [] };
      const record = (c: Channel, r: ChannelResult) => {
        if (r.ok) outcome.delivered.push(c.name);
        else outcome.failed.push({ channel: c.name, failure: r.failure, reason: r.reason });
      };
      const network = chosen.map((c) => run(c, n, signal, false).then((r) => record(c, r)));
      if (desktop) {
        const r = await run(desktop, n, signal, false);
        record(desktop, r);
        if (!r.ok) {
          if (rest.length === 0 && chosen.length === 0)
            log.warn(
              { code: n.codes[0], codes: n.codes, kind: n.kind },
              "no fallback channel: set notify.ntfy.url or notify.webhook.url to be notified when the desktop cannot show it",
            );
          network.push(...rest.map((c) => run(c, n, signal, true).then((r2) => record(c, r2))));
        }
      }
      await Promise.all(network);
      const fields = { code: n.codes[0], codes: n.codes, kind: n.kind, severity: n.severity, title: n.title };
      if (!desktop && chosen.length === 0)
        log.info(fields, "notification logged only: no channel is configured for this severity");
      else if (outcome.delivered.length === 0)
        log.error(
          { ...fields, failed: outcome.failed.map((f) => f.channel) },
          "notification not delivered on any channel",
        );
      return outcome;
    },
  };
}
