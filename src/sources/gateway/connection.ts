// The watchdog's own persistent WebSocket connection to the local OpenClaw gateway: pairing events as
// observations, jittered reconnects, and a pause where only a human can help. One socket at a time is a
// GatewaySession (session.ts).

import { errorMessage } from "../../common/errors.js";
import { silentLogger } from "../../common/log.js";
import type { Observation } from "../../common/types.js";
import { type BackoffPolicy, backoffDelayMs, DEFAULT_BACKOFF, type SessionEnd } from "./close.js";
import { assertGatewayUrl, type GatewayAuth, type HelloInfo, sanitizeText } from "./protocol.js";
import { type ConnectionState, GatewayRequestError, GatewaySession, type SessionOptions } from "./session.js";

export type { SessionEnd } from "./close.js";
export { type ConnectionState, GatewayRequestError, type SocketFactory, type SocketLike } from "./session.js";

// ------------------------------------------------------------------------------------------- one-shot

export type OnceResult =
  | {
      ok: true;
      hello: HelloInfo;
      call(method: string, params?: unknown, timeoutMs?: number): Promise<unknown>;
      /** Closes the socket; resolves once it is closed. */
      close(): Promise<void>;
    }
  | { ok: false; end: SessionEnd };

/** Connects once (no reconnect): resolves at hello-ok, or with how the attempt ended. */
export function connectOnce(
  opts: SessionOptions & { onObservation?: (o: Observation) => void },
): Promise<OnceResult> {
  assertGatewayUrl(opts.url, opts.allowNonLoopback);
  return new Promise((resolve) => {
    let settled = false;
    let markClosed: () => void = () => {};
    const closed = new Promise<void>((r) => {
      markClosed = r;
    });
    const session = new GatewaySession(opts, {
      onHello: (hello) => {
        settled = true;
        resolve({
          ok: true,
          hello,
          call: (method, params, timeoutMs) =>
            session.call(method, params, timeoutMs ?? opts.requestTimeoutMs ?? 10_000),
          close: () => {
            session.close();
            return closed;
          },
        });
      },
      onObservation: (o) => opts.onObservation?.(o),
      onIgnoredFrame: () => {},
      onEnd: (end) => {
        markClosed();
        if (!settled) {
          settled = true;
          resolve({ ok: false, end });
        }
      },
    });
    session.start();
  });
}

// ------------------------------------------------------------------------------------------- persistent

export interface GatewayConnectionOptions extends SessionOptions {
  /** Jitter source in [0, 1) (Math.random). */
  random?: () => number;
  backoff?: Partial<BackoffPolicy>;
  onObservation?: (o: Observation) => void;
  onStateChange?: (state: ConnectionState, status: ConnectionStatus) => void;
}

export interface ConnectionStatus {
  state: ConnectionState;
  sinceMs: number;
  url: string;
  deviceId: string;
  /** Failed attempts since the last stable connection (drives the backoff). */
  attempt: number;
  /** When the next attempt starts, and the delay chosen for it (state backoff). */
  nextRetryAtMs: number | null;
  retryDelayMs: number | null;
  /** Why it stopped retrying (state paused), in plain words. */
  pausedReason: string | null;
  /** The last hello-ok (protocol, server version, granted scopes). */
  hello: HelloInfo | null;
  lastEnd: { atMs: number; code: number; reason: string; kind: string | null } | null;
  counters: { attempts: number; opens: number; observations: number; ignoredFrames: number };
}

export interface GatewayConnection {
  /** Starts connecting; a stopped connection cannot start again. */
  start(): void;
  /** Closes the socket and cancels every timer; idempotent, the same promise every time. */
  stop(): Promise<void>;
  /**
   * Reconnects now from paused or backoff with a fresh schedule (after a config reload or a pairing change);
   * `next` replaces the gateway URL or credentials first (a reload may have changed them).
   */
  resume(next?: { url?: string; auth?: GatewayAuth }): void;
  state(): ConnectionState;
  status(): ConnectionStatus;
  deviceId(): string;
  /** An RPC on the open connection (e.g. device.pair.list), bounded by a timeout. */
  call(method: string, params?: unknown, opts?: { timeoutMs?: number }): Promise<unknown>;
}

/** Creates the watchdog's persistent gateway connection (not started); throws on a non-loopback URL. */
export function createGatewayConnection(opts: GatewayConnectionOptions): GatewayConnection {
  assertGatewayUrl(opts.url, opts.allowNonLoopback);
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const log = (opts.logger ?? silentLogger).child({ component: "gateway-connection" });
  const policy: BackoffPolicy = { ...DEFAULT_BACKOFF, ...opts.backoff };
  let sessionOpts: SessionOptions = { ...opts, logger: log };
  const status: ConnectionStatus = {
    state: "stopped",
    sinceMs: now(),
    url: opts.url,
    deviceId: opts.identity.deviceId,
    attempt: 0,
    nextRetryAtMs: null,
    retryDelayMs: null,
    pausedReason: null,
    hello: null,
    lastEnd: null,
    counters: { attempts: 0, opens: 0, observations: 0, ignoredFrames: 0 },
  };
  let started = false;
  let stopPromise: Promise<void> | null = null;
  let session: GatewaySession | null = null;
  let sessionEnded: (() => void) | null = null;
  let retryTimer: NodeJS.Timeout | null = null;

  const safely = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      log.warn({ err: errorMessage(err) }, `${what} callback failed`);
    }
  };
  const emit = (o: Observation) => {
    status.counters.observations++;
    safely("onObservation", () => opts.onObservation?.(o));
  };
  const setState = (state: ConnectionState) => {
    if (status.state === state) return;
    status.state = state;
    status.sinceMs = now();
    if (state !== "backoff") {
      status.nextRetryAtMs = null;
      status.retryDelayMs = null;
    }
    if (state !== "paused") status.pausedReason = null;
    safely("onStateChange", () =>
      opts.onStateChange?.(state, { ...status, counters: { ...status.counters } }),
    );
  };

  const connect = () => {
    retryTimer = null;
    status.counters.attempts++;
    setState("connecting");
    const s = new GatewaySession(sessionOpts, {
      onHello: (hello) => {
        status.hello = hello;
        status.counters.opens++;
        log.info(
          {
            url: sessionOpts.url,
            protocol: hello.protocol,
            serverVersion: hello.serverVersion,
            scopes: hello.scopes,
          },
          "gateway connection open",
        );
        setState("open");
        emit({
          kind: "connection-open",
          source: "connection",
          atMs: now(),
          deviceId: opts.identity.deviceId,
          scopes: hello.scopes,
          text: sanitizeText(
            `connected to ${sessionOpts.url} (protocol ${hello.protocol ?? "?"}, OpenClaw ${hello.serverVersion ?? "?"}) as device ${opts.identity.deviceId} with ${hello.scopes.join(", ") || "no scopes"}`,
            [],
          ),
        });
      },
      onObservation: emit,
      onIgnoredFrame: (why) => {
        status.counters.ignoredFrames++;
        log.debug({ why }, "ignored a gateway frame");
      },
      onEnd: (end) => onEnd(s, end),
    });
    session = s;
    s.start();
  };

  const onEnd = (s: GatewaySession, end: SessionEnd) => {
    if (session !== s) return;
    session = null;
    status.lastEnd = {
      atMs: now(),
      code: end.code,
      reason: end.observation?.closeReason ?? "",
      kind: end.observation?.kind ?? null,
    };
    if (stopPromise) {
      sessionEnded?.();
      return;
    }
    if (end.observation) {
      log.info(
        { url: sessionOpts.url, code: end.code, kind: end.observation.kind, text: end.observation.text },
        "gateway connection ended",
      );
      emit(end.observation);
    }
    if (end.opened && end.openedAtMs !== null && now() - end.openedAtMs >= policy.resetAfterMs)
      status.attempt = 0;
    if (end.pauseReason) {
      status.pausedReason = end.pauseReason;
      log.warn({ url: sessionOpts.url, reason: end.pauseReason }, "gateway connection paused until resumed");
      setState("paused");
      return;
    }
    const delay = backoffDelayMs(status.attempt, policy, random());
    status.attempt++;
    status.nextRetryAtMs = now() + delay;
    status.retryDelayMs = delay;
    retryTimer = setTimeout(connect, delay);
    setState("backoff");
  };

  return {
    start() {
      if (stopPromise) throw new Error("this gateway connection was stopped; create a new one");
      if (started) return;
      started = true;
      connect();
    },
    stop() {
      if (stopPromise) return stopPromise;
      stopPromise = (async () => {
        if (retryTimer) clearTimeout(retryTimer);
        retryTimer = null;
        const s = session;
        if (s) {
          await new Promise<void>((resolve) => {
            // a socket that never reports its close must not hold stop() forever
            const bound = setTimeout(resolve, 2 * (opts.closeGraceMs ?? 1_000) + 100);
            sessionEnded = () => {
              clearTimeout(bound);
              resolve();
            };
            s.close();
          });
        }
        session = null;
        setState("stopped");
      })();
      return stopPromise;
    },
    resume(next) {
      if (next?.url !== undefined) assertGatewayUrl(next.url, opts.allowNonLoopback);
      if (next) {
        sessionOpts = {
          ...sessionOpts,
          ...(next.url !== undefined ? { url: next.url } : {}),
          ...(next.auth ? { auth: next.auth } : {}),
        };
        status.url = sessionOpts.url;
      }
      if (!started || stopPromise) return;
      if (status.state !== "paused" && status.state !== "backoff") return;
      if (retryTimer) clearTimeout(retryTimer);
      status.attempt = 0;
      log.info({ url: sessionOpts.url, from: status.state }, "gateway connection resumed");
      connect();
    },
    state: () => status.state,
    status: () => ({ ...status, counters: { ...status.counters } }),
    deviceId: () => opts.identity.deviceId,
    call(method, params, callOpts) {
      const s = session;
      if (!s || status.state !== "open") {
        return Promise.reject(
          new GatewayRequestError(
            `cannot call ${method}: the gateway connection is ${status.state}`,
            null,
            null,
          ),
        );
      }
      return s.call(method, params, callOpts?.timeoutMs ?? opts.requestTimeoutMs ?? 10_000);
    },
  };
}
