// The notifier action the daemon calls after every evaluation: reads the silences, asks the pure policy what to
// send, renders and dispatches it in the background, and owns the one timer the policy asks for (group wait,
// repeats, silence ends, the rate-limit window). With a store, the policy's state survives restarts. stop() is
// idempotent, saves what changed, and leaves no timer or request behind.

import os from "node:os";
import { createCoalescedSaver } from "../../common/coalesced-save.js";
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { Finding } from "../../common/types.js";
import { VERSION } from "../../common/version.js";
import type { NotifyConfig } from "../../config/schema-notify.js";
import type { ApproveOffer, ClickResult, OfferAction } from "../../policy/approve-offer.js";
import {
  decide,
  emptyNotifyState,
  type Notification,
  type NotifyDecision,
  type NotifyInput,
  type NotifyState,
} from "../../policy/notify.js";
import { notifyStateDigest } from "../../policy/notify-state.js";
import { isWsl } from "../../sources/host/platform.js";
import { createSilenceReader, type SilenceReader } from "../silences.js";
import type { Channel, Rendered } from "./channel.js";
import { createNetworkChannels, describeNetworkChannels } from "./channels.js";
import {
  createDesktopChannel,
  type DesktopBackend,
  type DesktopChannel,
  type DesktopFacts,
  realDesktopFacts,
} from "./desktop.js";
import { createDispatcher, type DispatchOutcome } from "./dispatch.js";
import { renderClickResult, renderNotification } from "./text.js";

const USER_AGENT = `openclaw-scope-watchdog/${VERSION} (+notify)`;
const MAX_TIMER_MS = 2_147_483_647;
/** At most one save of the notification state per this long during a burst (the last one is flushed on stop). */
const SAVE_INTERVAL_MS = 1_000;

/** Where the notification state lives between runs (notify-state.json through the StateStore). */
export interface NotifyStore {
  load(): Promise<NotifyState | null>;
  save(state: NotifyState): Promise<void>;
}

/** What the notifier reads of the daemon's `Evaluation` (which satisfies it): findings, gateway secret, device. */
export interface EvaluationView {
  findings: readonly Finding[];
  inspection: {
    gateway: { secret: { reveal(): string } | null };
    device: { deviceId: string; paired: boolean; approvedScopes: readonly string[] } | null;
  } | null;
}

export interface NotifierOptions {
  /** The `notify` config section. */
  config: NotifyConfig;
  logger: Logger;
  /** The watchdog's data dir (silences.json lives there). */
  dataDir: string;
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  /** Secrets to keep out of every notification, besides the gateway secret seen in evaluations. */
  secrets?: () => readonly string[];
  hostname?: string;
  /** IANA zone for clock times in texts; default: the machine's. */
  timeZone?: string;
  /** Test seams: the desktop's machine facts and backend (a Windows toast cannot run on Linux CI). */
  desktop?: { facts?: Partial<DesktopFacts>; backend?: DesktopBackend };
  /** Where the silences come from (default: silences.json in the data dir). */
  silences?: SilenceReader;
  /** The network channels to use instead of the ones the config names (composition tests). */
  channels?: readonly Channel[];
  /** Test seam: faster HTTP retry backoff. */
  backoff?: { initialMs: number; multiplier: number; maxMs: number };
  /** How each notification went, per channel (for `status` and the metrics). */
  onDispatched?: (r: { kind: string; codes: readonly string[]; outcome: DispatchOutcome }) => void;
  /** Each notification held back (silenced or rate-limited). */
  onSuppressed?: (s: { codes: readonly string[]; reason: string }) => void;
  /**
   * Keeps the policy's state across restarts: loaded before the first decision, saved when it changes (bursts
   * coalesced) and on stop. Without it the state lives in memory only.
   */
  store?: NotifyStore;
  /**
   * Approve from the notification: the request a notification offers (policy/approve-offer.ts, null: none) and
   * what a click on its Approve or Details button does. Without it no notification carries buttons.
   */
  approvals?: {
    offerFor(n: Notification): ApproveOffer | null;
    onAction(offer: ApproveOffer, action: OfferAction): void;
  };
}

export interface Notifier {
  /** Hands one evaluation to the policy; resolves once decided (sending continues in the background). */
  onEvaluation(e: EvaluationView): Promise<void>;
  /** Resolves when every decision and send started so far has finished. */
  settled(): Promise<void>;
  /** Applies a reloaded `notify` section (SIGHUP) without forgetting what was already sent. */
  reconfigure(config: NotifyConfig): void;
  /** Tells how a click on Approve ended when it healed nothing (why, and the request to approve instead). */
  clickResult(r: ClickResult): void;
  /** Cancels the timer and in-flight sends; idempotent. */
  stop(): Promise<void>;
}

/** Builds the channels the config asks for. */
function createChannels(
  o: NotifierOptions,
  env: NodeJS.ProcessEnv,
): { desktop: DesktopChannel | null; network: Channel[] } {
  const c = o.config;
  const desktop = c.desktop.enabled
    ? createDesktopChannel({
        minSeverity: c.desktop.minSeverity,
        timeoutMs: c.desktop.timeout,
        facts: { ...realDesktopFacts(env, isWsl(env)), ...o.desktop?.facts },
        ...(o.desktop?.backend ? { backend: o.desktop.backend } : {}),
        ...(o.approvals ? { onAction: o.approvals.onAction } : {}),
        ...(o.now ? { now: o.now } : {}),
      })
    : null;
  const network = o.channels
    ? [...o.channels]
    : createNetworkChannels(c, { userAgent: USER_AGENT, ...(o.backoff ? { backoff: o.backoff } : {}) });
  return { desktop, network };
}

/** The notifier for the daemon's onEvaluated hook. */
export function createNotifier(o: NotifierOptions): Notifier {
  const now = o.now ?? Date.now;
  const env = o.env ?? process.env;
  const log = o.logger.child({ component: "notify" });
  const hostname = o.hostname ?? os.hostname();
  const silences = o.silences ?? createSilenceReader(o.dataDir, log);
  let config = o.config;
  let dispatcher = createDispatcher({ desktop: null, network: [], logger: log });
  const abort = new AbortController();
  const inflight = new Set<Promise<unknown>>();
  let state = emptyNotifyState();
  let savedDigest = notifyStateDigest(state);
  const store = o.store;
  const saver = store
    ? createCoalescedSaver<NotifyState>({
        save: (s) => store.save(s),
        intervalMs: SAVE_INTERVAL_MS,
        onError: (err) =>
          log.error({ err: errorMessage(err) }, "cannot save the notification state; keeping it in memory"),
      })
    : null;
  // the stored state is read before the first decision (every decision queues behind this)
  let queue: Promise<void> = store ? restore(store) : Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let gatewaySecret: string | null = null;
  let stopping: Promise<void> | null = null;

  function configure(next: NotifyConfig): void {
    config = next;
    const { desktop, network } = createChannels({ ...o, config: next }, env);
    dispatcher = createDispatcher({ desktop, network, logger: log });
    log.info(
      {
        desktop: desktop !== null,
        ...describeNetworkChannels(next),
        minSeverity: next.minSeverity,
      },
      "notifications ready",
    );
    if (desktop) track(prepareDesktop(desktop));
  }
  configure(o.config);

  function track(p: Promise<unknown>): void {
    const safe = p.catch((err: unknown) => log.error({ err: errorMessage(err) }, "notification step failed"));
    inflight.add(safe);
    void safe.finally(() => inflight.delete(safe));
  }

  async function prepareDesktop(d: DesktopChannel): Promise<void> {
    const r = await d.prepare();
    for (const file of r.changed)
      log.info(
        { file },
        "made node-notifier's SnoreToast executable (chmod +x) so Windows toasts can show from WSL",
      );
    if (r.problem) log.warn({ problem: r.problem }, `Windows toasts cannot run: ${r.problem}`);
  }

  async function restore(from: NotifyStore): Promise<void> {
    let stored: NotifyState | null;
    try {
      stored = await from.load();
    } catch (err) {
      log.error({ err: errorMessage(err) }, "cannot read the stored notification state; starting without it");
      return;
    }
    if (!stored) return;
    state = stored;
    savedDigest = notifyStateDigest(stored);
    const told = Object.values(stored.groups)
      .filter((g) => g.notified)
      .map((g) => g.key);
    log.info({ groups: told }, `notification state restored: ${told.length} incident(s) already told`);
  }

  const secrets = (): string[] => [...(o.secrets?.() ?? []), ...(gatewaySecret ? [gatewaySecret] : [])];

  function apply(d: NotifyDecision): void {
    state = d.next;
    const digest = notifyStateDigest(state);
    if (digest !== savedDigest) {
      savedDigest = digest;
      saver?.set(state);
    }
    for (const s of d.suppressed) o.onSuppressed?.({ codes: s.codes, reason: s.reason });
    for (const s of d.suppressed)
      log.info(
        { code: s.codes[0], codes: s.codes, kind: s.kind, reason: s.reason, group: s.key },
        s.reason === "silenced"
          ? "notification not sent: code silenced"
          : "notification held back by the rate limit",
      );
    for (const n of d.notifications) {
      const r = renderNotification(n, { hostname, secrets: secrets(), timeZone: o.timeZone });
      const offer = o.approvals?.offerFor(n) ?? null;
      if (offer) r.offer = offer;
      log.info(
        {
          code: r.codes[0],
          codes: r.codes,
          kind: r.kind,
          severity: r.severity,
          group: n.key,
          ...(offer ? { offer: offer.requestId } : {}),
        },
        `notify: ${r.title}`,
      );
      send(r);
    }
    schedule(d.wakeAtMs);
  }

  function send(r: Rendered): void {
    track(
      dispatcher
        .dispatch(r, abort.signal)
        .then((outcome) => o.onDispatched?.({ kind: r.kind, codes: r.codes, outcome })),
    );
  }

  function schedule(wakeAtMs: number | null): void {
    if (timer) clearTimeout(timer);
    timer = null;
    if (wakeAtMs === null || stopping) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, wakeAtMs - now()));
    timer = setTimeout(() => {
      timer = null;
      void enqueue(null);
    }, delay);
    timer.unref();
  }

  function enqueue(e: EvaluationView | null): Promise<void> {
    const step = async () => {
      if (stopping) return;
      const input: NotifyInput = { findings: e ? e.findings : null, silences: await silences.read() };
      if (e?.inspection) {
        gatewaySecret = e.inspection.gateway.secret?.reveal() ?? null;
        const dev = e.inspection.device;
        input.device = dev?.paired ? { deviceId: dev.deviceId, approvedScopes: dev.approvedScopes } : null;
      }
      if (stopping) return;
      apply(decide(state, input, now(), config));
    };
    const next = queue.then(step, step);
    queue = next.catch((err: unknown) =>
      log.error({ err: errorMessage(err) }, "notification decision failed"),
    );
    return queue;
  }

  return {
    onEvaluation: (e) => enqueue(e),
    clickResult(result) {
      if (stopping) return;
      const r = renderClickResult(result, now(), { hostname, secrets: secrets(), timeZone: o.timeZone });
      if (!r) return;
      log.info(
        {
          kind: r.kind,
          requestId: result.offer.requestId,
          status: result.status,
          ...(r.offer ? { offer: r.offer.requestId } : {}),
        },
        `notify: ${r.title}`,
      );
      send(r);
    },
    reconfigure(next) {
      if (stopping) return;
      configure(next);
      void enqueue(null); // new timings (group wait, repeat) take effect now
    },
    async settled() {
      await queue;
      while (inflight.size > 0) await Promise.all([...inflight]);
    },
    stop() {
      stopping ??= (async () => {
        if (timer) clearTimeout(timer);
        timer = null;
        abort.abort(new Error("notifier stopped"));
        await queue;
        await Promise.all([...inflight]);
        await saver?.stop();
      })();
      return stopping;
    },
  };
}
