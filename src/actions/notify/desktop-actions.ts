// Desktop notifications with buttons (Approve, Details), per platform:
//   Linux: libnotify's own notify-send (0.7.9 and later take --action; 0.8.1 prints the notification id with
//     --print-id and the chosen action's key when the server invokes it, then exits; on expiry or dismissal it
//     exits printing nothing). Its stdout is a pipe, so stdbuf -oL makes it line-buffered: the id tells us the
//     server took the notification, the next line is the click.
//   WSL2: node-notifier's SnoreToast with buttons (-b "Approve;Details"); the pressed button comes back as the
//     result's activationType.
//   macOS: node-notifier's terminal-notifier with actions; the chosen one comes back as activationValue.
// Each backend resolves once the notification is handed over (Linux: shown) and reports a click through
// onAction at most once; the notification lives until it is clicked, dismissed, expires, or the signal aborts.

import { spawn } from "node:child_process";
import type { Severity } from "../../common/types.js";

export interface ActionButton {
  key: string;
  label: string;
}

export interface ActionMessage {
  title: string;
  message: string;
  severity: Severity;
  buttons: readonly ActionButton[];
  /** How long the notification stays (the request's remaining life). */
  expireMs: number;
  /** Called once with the key of the button the user chose. */
  onAction: (key: string) => void;
  /** Aborting closes what waits for the click (the watchdog stops). */
  signal: AbortSignal;
}

/** How long past its expiry a waiting notify-send is kept before it is killed (a server that never closes it). */
const EXPIRY_GRACE_MS = 5_000;

function urgency(s: Severity): string {
  return s === "critical" ? "critical" : s === "warning" ? "normal" : "low";
}

/** notify-send's arguments for a notification with buttons (never a secret: title and body are scrubbed). */
export function notifySendArgs(m: Omit<ActionMessage, "onAction" | "signal">): string[] {
  return [
    "-oL",
    "notify-send",
    "--print-id",
    "--app-name=OpenClaw Scope Watchdog",
    `--urgency=${urgency(m.severity)}`,
    `--expire-time=${Math.max(1_000, Math.round(m.expireMs))}`,
    ...m.buttons.map((b) => `--action=${b.key}=${b.label}`),
    "--",
    m.title,
    m.message,
  ];
}

/** Linux: shows the notification through `stdbuf -oL notify-send … --action …`; resolves once it is shown. */
export function notifySendWithActions(env: NodeJS.ProcessEnv, m: ActionMessage): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (m.signal.aborted) {
      reject(new Error("the notifier stopped"));
      return;
    }
    const child = spawn("stdbuf", notifySendArgs(m), { env, stdio: ["ignore", "pipe", "pipe"] });
    let shown = false;
    let acted = false;
    let out = "";
    let err = "";
    const keys = new Set(m.buttons.map((b) => b.key));
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    };
    const timer = setTimeout(kill, m.expireMs + EXPIRY_GRACE_MS);
    timer.unref();
    m.signal.addEventListener("abort", kill, { once: true });
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      let nl = out.indexOf("\n");
      while (nl >= 0) {
        const line = out.slice(0, nl).trim();
        out = out.slice(nl + 1);
        nl = out.indexOf("\n");
        if (!shown && /^\d+$/.test(line)) {
          shown = true;
          resolve();
        } else if (shown && !acted && keys.has(line)) {
          acted = true;
          m.onAction(line);
        }
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (err.length < 4_000) err += chunk.toString("utf8");
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      if (!shown) reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      m.signal.removeEventListener("abort", kill);
      const last = out.trim();
      if (shown && !acted && keys.has(last)) {
        acted = true;
        m.onAction(last);
      }
      if (!shown)
        reject(new Error(err.trim() || `notify-send exited with ${code ?? "a signal"} before showing it`));
    });
  });
}

/** node-notifier's options for a toast (WSL, SnoreToast) or a macOS notification with these buttons. */
export function nodeNotifierActionOptions(
  m: Pick<ActionMessage, "title" | "message" | "buttons" | "expireMs">,
) {
  return {
    title: m.title,
    message: m.message,
    actions: m.buttons.map((b) => b.label),
    wait: true,
    timeout: Math.max(1, Math.round(m.expireMs / 1000)),
  };
}

/** The key of the button node-notifier reports (SnoreToast: activationType; terminal-notifier: activationValue). */
export function chosenButton(
  buttons: readonly ActionButton[],
  metadata: { activationType?: unknown; activationValue?: unknown } | undefined,
): string | null {
  const picked = [metadata?.activationValue, metadata?.activationType].find((v) => typeof v === "string");
  if (typeof picked !== "string") return null;
  const b = buttons.find((x) => x.label.toLowerCase() === picked.toLowerCase() || x.key === picked);
  return b ? b.key : null;
}
