// The desktop channel through node-notifier: notify-send (libnotify) on Linux, Notification Center on macOS,
// SnoreToast Windows toasts through interop on WSL2. It checks what it can before trying, and turns each
// known failure (F15: no notification server, no notify-send, no session bus, no WSL interop) into a result
// with a hint, so the dispatcher can say why once and use the next channel.

import { accessSync, constants, existsSync } from "node:fs";
import path from "node:path";
import { errorMessage } from "../../common/errors.js";
import type { Severity } from "../../common/types.js";
import { type ApproveOffer, OFFER_ACTIONS, type OfferAction } from "../../policy/approve-offer.js";
import type { Channel, ChannelResult } from "./channel.js";
import {
  type ActionMessage,
  chosenButton,
  nodeNotifierActionOptions,
  notifySendWithActions,
} from "./desktop-actions.js";
import { INTEROP_HINT, interopProblem, interopRegistered, prepareSnoreToast, snoreToastDir } from "./wsl.js";

/** What one desktop notification asks of the platform's notifier. */
export interface DesktopMessage {
  title: string;
  message: string;
  severity: Severity;
  /** Buttons (Approve, Details), where the platform can show them; the click comes back through onAction. */
  actions?: Omit<ActionMessage, "title" | "message" | "severity">;
}

/** Shows one notification; rejects with the notifier's error. */
export type DesktopBackend = (m: DesktopMessage) => Promise<void>;

/** The machine facts the channel decides on; tests replace them to play WSL on Linux. */
export interface DesktopFacts {
  platform: NodeJS.Platform;
  wsl: boolean;
  /** The environment the notifier's child process gets (node-notifier spawns with process.env). */
  env: NodeJS.ProcessEnv;
  uid: number | null;
  arch: string;
  interopRegistered: () => boolean;
  snoreToastDir: () => string | null;
}

export interface DesktopOptions {
  minSeverity: Severity;
  timeoutMs: number;
  facts: DesktopFacts;
  /** Replaces node-notifier (only where the real one cannot run, e.g. a Windows toast on a Linux CI). */
  backend?: DesktopBackend;
  /** A click on an offer's button (Approve, Details); without it notifications carry no buttons. */
  onAction?: (offer: ApproveOffer, action: OfferAction) => void;
  now?: () => number;
}

export type DesktopFailure =
  | "no-notification-server"
  | "notify-send-missing"
  | "no-session-bus"
  | "no-wsl-interop"
  | "snoretoast-not-executable"
  | "unsupported-platform"
  | "timeout"
  | "failed";

const HINTS: Record<DesktopFailure, string> = {
  "no-notification-server":
    "No notification server owns org.freedesktop.Notifications on the session bus (usual for servers, SSH sessions and some systemd services): run the watchdog inside your desktop session, or set notify.ntfy.url or notify.webhook.url.",
  "notify-send-missing":
    "notify-send is not installed: apt install libnotify-bin (Debian, Ubuntu) or dnf install libnotify (Fedora).",
  "no-session-bus":
    "There is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset and $XDG_RUNTIME_DIR/bus does not exist): the watchdog is not running inside a desktop session. Set notify.ntfy.url or notify.webhook.url to be notified anyway.",
  "no-wsl-interop": INTEROP_HINT,
  "snoretoast-not-executable":
    "node-notifier's SnoreToast.exe cannot be executed; make it executable (chmod +x) or reinstall the watchdog as the user that runs it.",
  "unsupported-platform": "Desktop notifications are supported on Linux, macOS and WSL2 only.",
  timeout: "The desktop notifier did not answer in time (notify.desktop.timeout).",
  failed: "The desktop notifier failed; see the reason.",
};

/** Maps a notifier error text to a failure kind (strings from reference F15 and libnotify/GDBus). */
export function classifyDesktopError(text: string, wsl: boolean): DesktopFailure {
  if (/ServiceUnknown|was not provided by any \.service files/.test(text)) return "no-notification-server";
  if (/notify-send must be installed|notify-send: (?:command )?not found/.test(text))
    return "notify-send-missing";
  if (
    /Cannot autolaunch D-Bus|Could not connect|DBUS_SESSION_BUS_ADDRESS|Failed to connect to socket/i.test(
      text,
    )
  )
    return "no-session-bus";
  if (wsl && /Exec format error|cannot execute binary file|unable to find an interpreter|ENOEXEC/.test(text))
    return "no-wsl-interop";
  if (wsl && /EACCES|Permission denied/.test(text)) return "snoretoast-not-executable";
  return "failed";
}

/** The useful part of a notifier error: child_process puts the whole command line on the first line. */
export function errorText(err: unknown): string {
  const text = errorMessage(err);
  const lines = text.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("Command failed:"));
  const useful = lines.join(" ").trim() || (err as NodeJS.ErrnoException)?.code || "unknown error";
  return useful.slice(0, 300);
}

function onPath(cmd: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

function hasSessionBus(env: NodeJS.ProcessEnv): boolean {
  if (env.DBUS_SESSION_BUS_ADDRESS) return true;
  if (env.XDG_RUNTIME_DIR && existsSync(path.join(env.XDG_RUNTIME_DIR, "bus"))) return true;
  // GLib can still autolaunch a bus on an X11 display
  return Boolean(env.DISPLAY);
}

/** The real notifier: node-notifier, imported on first use (it picks its backend and reads /proc on import). */
function nodeNotifierBackend(facts: DesktopFacts): DesktopBackend {
  const noActions = { linux: false };
  return async (m) => {
    const mod = (await import("node-notifier")).default;
    const options = { withFallback: false, suppressOsdCheck: true };
    const a = m.actions;
    if (a) {
      const click = (
        _err: unknown,
        _response: unknown,
        metadata?: { activationType?: unknown; activationValue?: unknown },
      ) => {
        const key = chosenButton(a.buttons, metadata);
        if (key) a.onAction(key);
      };
      const withButtons = { ...nodeNotifierActionOptions({ ...m, ...a }) };
      // SnoreToast and terminal-notifier answer only once the user acted or it timed out: handed over is shown
      if (facts.wsl) {
        new mod.WindowsToaster(options).notify(withButtons, click);
        return;
      }
      if (facts.platform === "darwin") {
        new mod.NotificationCenter(options).notify({ ...withButtons, closeLabel: "Close" }, click);
        return;
      }
      if (onPath("stdbuf", facts.env) && !noActions.linux) {
        try {
          await notifySendWithActions(facts.env, {
            title: m.title,
            message: m.message,
            severity: m.severity,
            ...a,
          });
          return;
        } catch (err) {
          // libnotify before 0.7.9 has no --action: show it without buttons (the text names the command)
          if (!/Unknown option/i.test(errorText(err))) throw err;
          noActions.linux = true;
        }
      }
    }
    await new Promise<void>((resolve, reject) => {
      // node-notifier passes notify-send's stderr as `err` even when it exited 0 (shown, with a warning)
      const done = (err: Error | null | string) => (err instanceof Error ? reject(err) : resolve());
      if (facts.wsl) {
        // no icon: WSL passes Linux paths to Windows untranslated (node-notifier#354); no appID: SnoreToast's own
        // registered id is the one Windows reliably shows
        new mod.WindowsToaster(options).notify({ title: m.title, message: m.message }, done);
      } else if (facts.platform === "darwin") {
        new mod.NotificationCenter(options).notify({ title: m.title, message: m.message }, done);
      } else {
        const args = {
          title: m.title,
          message: m.message,
          urgency: m.severity === "critical" ? "critical" : m.severity === "warning" ? "normal" : "low",
          "app-name": "OpenClaw Scope Watchdog",
        };
        new mod.NotifySend(options).notify(args, done);
      }
    });
  };
}

/** The facts of this machine. */
export function realDesktopFacts(env: NodeJS.ProcessEnv, wsl: boolean): DesktopFacts {
  return {
    platform: process.platform,
    wsl,
    env,
    uid: typeof process.getuid === "function" ? process.getuid() : null,
    arch: process.arch,
    interopRegistered: () => interopRegistered(),
    snoreToastDir,
  };
}

export interface DesktopChannel extends Channel {
  /** One-time preparation (chmod +x SnoreToast on WSL); resolves to what was changed, for the log. */
  prepare(): Promise<{ changed: string[]; problem: string | null }>;
}

/** A channel that shows notifications on this machine's desktop. */
export function createDesktopChannel(o: DesktopOptions): DesktopChannel {
  const { facts } = o;
  const backend = o.backend ?? nodeNotifierBackend(facts);
  let prepared: Promise<{ changed: string[]; problem: string | null }> | null = null;
  const prepare = () => {
    prepared ??= (async () => {
      const dir = facts.wsl ? facts.snoreToastDir() : null;
      if (!dir)
        return { changed: [], problem: facts.wsl ? "node-notifier's vendor folder was not found" : null };
      const r = await prepareSnoreToast(dir, facts.uid, facts.arch);
      return { changed: r.changed, problem: r.ok ? null : `${r.file}: ${r.reason}` };
    })();
    return prepared;
  };
  const fail = (failure: DesktopFailure, reason: string): ChannelResult => ({
    ok: false,
    attempts: 1,
    failure,
    reason,
    hint: HINTS[failure],
  });

  /** A failure known before trying, or null. */
  const preflight = async (): Promise<ChannelResult | null> => {
    const env = facts.env;
    if (facts.wsl) {
      const interop = interopProblem(env, facts.interopRegistered());
      if (interop) return fail("no-wsl-interop", interop);
      const prep = await prepare();
      if (prep.problem) return fail("snoretoast-not-executable", prep.problem);
      return null;
    }
    if (facts.platform === "darwin") return null;
    if (facts.platform !== "linux" && !facts.platform.endsWith("bsd"))
      return fail("unsupported-platform", `platform ${facts.platform}`);
    if (!onPath("notify-send", env)) return fail("notify-send-missing", "notify-send is not on PATH");
    if (!hasSessionBus(env)) return fail("no-session-bus", "no D-Bus session bus address in the environment");
    return null;
  };

  return {
    name: "desktop",
    minSeverity: o.minSeverity,
    prepare,
    async send(n, signal) {
      const known = await preflight();
      if (known) return known;
      if (signal.aborted) return fail("failed", "the notifier stopped");
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      const limit = new Promise<ChannelResult>((resolve) => {
        timer = setTimeout(() => {
          // SnoreToast keeps running until the toast is dismissed: on WSL a slow answer means it is showing
          resolve(
            facts.wsl
              ? { ok: true, attempts: 1, detail: "toast shown; SnoreToast is still waiting for the user" }
              : fail("timeout", `no answer within ${o.timeoutMs} ms`),
          );
        }, o.timeoutMs);
        onAbort = () => resolve(fail("failed", "the notifier stopped"));
        signal.addEventListener("abort", onAbort, { once: true });
      });
      const offer = n.offer;
      const onAction = o.onAction;
      const now = (o.now ?? Date.now)();
      const actions =
        offer && onAction && offer.expiresAtMs > now
          ? {
              buttons: OFFER_ACTIONS,
              expireMs: offer.expiresAtMs - now,
              onAction: (key: string) => {
                const action = OFFER_ACTIONS.find((b) => b.key === key)?.key;
                if (action) onAction(offer, action);
              },
              signal,
            }
          : undefined;
      const shown = backend({
        title: n.title,
        message: n.body,
        severity: n.severity,
        ...(actions ? { actions } : {}),
      }).then(
        (): ChannelResult => ({ ok: true, attempts: 1 }),
        (err: unknown): ChannelResult => {
          const text = errorText(err);
          return fail(classifyDesktopError(text, facts.wsl), text);
        },
      );
      try {
        return await Promise.race([shown, limit]);
      } finally {
        clearTimeout(timer);
        if (onAbort) signal.removeEventListener("abort", onAbort);
      }
    },
  };
}
