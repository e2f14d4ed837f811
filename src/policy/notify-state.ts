// The notification policy's state across restarts (notify-state.json): which changes are worth a save, and
// times from a clock that went back. Pure.

import type { Finding } from "../common/types.js";
import type { NotifyState } from "./notify.js";

/** Moves every time ahead of `nowMs` back to it: the clock went back (or the state came from a faster one). */
export function clampToNow(state: NotifyState, nowMs: number): void {
  const at = (t: number) => Math.min(t, nowMs);
  const maybe = (t: number | null) => (t === null ? null : at(t));
  state.sentAtMs = state.sentAtMs.map(at);
  if (state.held) state.held.sinceMs = at(state.held.sinceMs);
  for (const g of Object.values(state.groups)) {
    g.openedAtMs = at(g.openedAtMs);
    g.resolvedAtMs = maybe(g.resolvedAtMs);
    g.lastSentAtMs = maybe(g.lastSentAtMs);
    g.requestSinceMs = maybe(g.requestSinceMs);
    g.risingSinceMs = maybe(g.risingSinceMs);
    g.transitionsMs = g.transitionsMs.map(at);
    g.lastTransitionMs = maybe(g.lastTransitionMs);
    if (g.flapping) g.flapping.sinceMs = at(g.flapping.sinceMs);
  }
}

/**
 * What of the state matters for later decisions, as a string: equal digests need no new save. A finding's
 * wording (a request's age, say) changes on every evaluation and is left out; its device and request are not.
 */
export function notifyStateDigest(state: NotifyState): string {
  return JSON.stringify(state, (key, value: unknown) => {
    if (key !== "finding" || value === null || typeof value !== "object") return value;
    const f = value as Finding;
    return [f.deviceId ?? null, f.requestId ?? null];
  });
}
