// One WebSocket session with the OpenClaw gateway: challenge, signed connect, hello-ok, tick watch, RPC calls,
// and the facts of how it ended (what they mean: close.ts). Reconnecting is the caller's business (connection.ts).

import WebSocket from "ws";
import { errorMessage } from "../../common/errors.js";
import { type Logger, silentLogger } from "../../common/log.js";
import type { Observation } from "../../common/types.js";
import { resolveSessionEnd, type SessionEnd } from "./close.js";
import {
  buildConnectParams,
  buildRequestFrame,
  type ConnectErrorInfo,
  DEFAULT_TICK_INTERVAL_MS,
  type DeviceSigner,
  frameText,
  type GatewayAuth,
  type HelloInfo,
  observeEvent,
  parseChallenge,
  parseConnectError,
  parseFrame,
  parseHelloOk,
  sanitizeText,
  WATCHDOG_SCOPES,
} from "./protocol.js";

/** The part of a `ws` WebSocket the connection uses; tests and other transports can supply their own. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: "open", listener: () => void): unknown;
  on(event: "message", listener: (data: unknown) => void): unknown;
  on(event: "close", listener: (code: number, reason: Buffer) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
}
export type SocketFactory = (url: string) => SocketLike;

export type ConnectionState = "stopped" | "connecting" | "open" | "backoff" | "paused";

const OPEN = 1;
const CLOSING = 2;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What one socket needs; shared by the persistent connection and `connectOnce`. */
export interface SessionOptions {
  url: string;
  identity: DeviceSigner;
  auth: GatewayAuth;
  /** The watchdog's version, sent as client.version. */
  clientVersion: string;
  /** client.platform (default process.platform). */
  platform?: string;
  scopes?: readonly string[];
  /** Allow a URL that is not on loopback (the token would travel over the network). */
  allowNonLoopback?: boolean;
  now?: () => number;
  createSocket?: SocketFactory;
  logger?: Logger;
  /** From socket creation to hello-ok: refused, upgrade, challenge and connect reply all fit in it (10 s). */
  handshakeTimeoutMs?: number;
  /** A call's reply (10 s). */
  requestTimeoutMs?: number;
  /** How long to wait for the gateway's own close after a refused connect, and for a close before terminate (1 s). */
  closeGraceMs?: number;
  /** Floor for hello-ok's tickIntervalMs (1 s); the watch closes 4000 after 2× the interval without a frame. */
  minTickIntervalMs?: number;
  /** Pause after 4001 "device removed" instead of reconnecting (true): see decidePause. */
  pauseOnDeviceRemoved?: boolean;
  /**
   * Asked before each socket is opened, so the gateway token goes only to this user's gateway: null when the
   * listener behind `url` may have it, else why not (a listener of another user on the gateway's port).
   */
  /** Null: connect. A text: another user's listener (never connect). `unreachable`: nobody listens (the gateway is down). */
  verifyListener?: (url: string) => Promise<string | { unreachable: string } | null>;
}

/** A refused call; the message is already free of secrets. */
export class GatewayRequestError extends Error {
  override readonly name = "GatewayRequestError";
  constructor(
    message: string,
    readonly code: string | null,
    readonly detailCode: string | null,
  ) {
    super(message);
  }
}

export interface SessionHooks {
  onHello(hello: HelloInfo): void;
  onObservation(o: Observation): void;
  onEnd(end: SessionEnd): void;
  onIgnoredFrame(why: string): void;
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

function defaultSocketFactory(handshakeTimeoutMs: number): SocketFactory {
  return (url) => new WebSocket(url, { handshakeTimeout: handshakeTimeoutMs, maxPayload: 25 * 1024 * 1024 });
}

/** One socket from creation to close; owns its timers and pending calls and reports once through onEnd. */
export class GatewaySession {
  readonly #o: SessionOptions;
  readonly #hooks: SessionHooks;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #secrets: string[];
  #socket: SocketLike | null = null;
  #phase: "handshake" | "open" | "ended" = "handshake";
  #socketOpened = false;
  #connectId: string | null = null;
  #connectError: ConnectErrorInfo | null = null;
  #localClose: { code: number; reason: string } | null = null;
  #socketError: string | null = null;
  #unreachable: string | null = null;
  #untrusted: string | null = null;
  #stopping = false;
  #openedAtMs: number | null = null;
  #lastFrameAtMs = 0;
  #tickTimeoutMs = 2 * DEFAULT_TICK_INTERVAL_MS;
  #seq = 0;
  readonly #timers = new Set<NodeJS.Timeout>();
  #handshakeTimer: NodeJS.Timeout | null = null;
  readonly #pending = new Map<string, PendingCall>();

  constructor(opts: SessionOptions, hooks: SessionHooks) {
    this.#o = opts;
    this.#hooks = hooks;
    this.#now = opts.now ?? Date.now;
    this.#log = opts.logger ?? silentLogger;
    const secret = opts.auth.secret?.reveal();
    this.#secrets = secret ? [secret] : [];
  }

  /** Checks who listens (verifyListener), then opens the socket and arms the handshake timer. */
  start(): void {
    const verify = this.#o.verifyListener;
    if (!verify) {
      this.#open();
      return;
    }
    const refuse = (why: string) => {
      this.#untrusted = sanitizeText(why, this.#secrets);
      this.#finish(1006, "");
    };
    void verify(this.#o.url).then(
      (refusal) => {
        if (this.#phase === "ended") return;
        if (this.#stopping) this.#finish(1000, "");
        else if (typeof refusal === "object" && refusal !== null) {
          // nobody listens: the gateway is down, which is no reason for alarm (and no socket to open)
          this.#unreachable = sanitizeText(refusal.unreachable, this.#secrets);
          this.#finish(1006, "");
        } else if (refusal) refuse(refusal);
        else this.#open();
      },
      (err: unknown) => {
        if (this.#phase !== "ended")
          refuse(`cannot check who listens on ${this.#o.url}: ${errorMessage(err)}`);
      },
    );
  }

  #open(): void {
    const handshakeMs = this.#o.handshakeTimeoutMs ?? 10_000;
    this.#handshakeTimer = this.#timer(handshakeMs, () => this.#handshakeTimedOut(handshakeMs));
    let socket: SocketLike;
    try {
      socket = (this.#o.createSocket ?? defaultSocketFactory(handshakeMs))(this.#o.url);
    } catch (err) {
      this.#unreachable = sanitizeText(errorMessage(err), this.#secrets);
      queueMicrotask(() => this.#finish(1006, ""));
      return;
    }
    this.#socket = socket;
    socket.on("open", () => {
      this.#socketOpened = true;
    });
    socket.on("message", (data) => this.#onMessage(data));
    socket.on("error", (err) => {
      this.#socketError ??= sanitizeText(err.message, this.#secrets);
      this.#log.debug({ url: this.#o.url, err: this.#socketError }, "gateway socket error");
    });
    socket.on("close", (code, reason) => this.#finish(code, reason.toString("utf8")));
  }

  /** Closes on purpose (stop): the end carries no observation and no pause. */
  close(): void {
    this.#stopping = true;
    if (this.#phase === "ended") return;
    if (!this.#socket) return;
    this.#closeSocket(1000, "watchdog stopping");
  }

  /** One request on the open socket, rejected on error, timeout or close. */
  call(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    if (this.#phase !== "open" || !this.#socket) {
      return Promise.reject(
        new GatewayRequestError(`cannot call ${method}: the gateway connection is not open`, null, null),
      );
    }
    const id = `sw-${++this.#seq}`;
    return new Promise((resolve, reject) => {
      const timer = this.#timer(timeoutMs, () => {
        this.#pending.delete(id);
        reject(
          new GatewayRequestError(`gateway request ${method} timed out after ${timeoutMs} ms`, null, null),
        );
      });
      this.#pending.set(id, { resolve, reject, timer });
      this.#send(buildRequestFrame(id, method, params ?? {}));
    });
  }

  #timer(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(
      () => {
        this.#timers.delete(t);
        fn();
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    this.#timers.add(t);
    return t;
  }

  #clearTimer(t: NodeJS.Timeout | null): void {
    if (!t) return;
    clearTimeout(t);
    this.#timers.delete(t);
  }

  #send(text: string): void {
    try {
      this.#socket?.send(text);
    } catch (err) {
      this.#log.debug({ err: sanitizeText(errorMessage(err), this.#secrets) }, "gateway send failed");
      this.#closeSocket(1011, "send failed");
    }
  }

  /** Closes the socket; a gateway that does not finish the close handshake is cut off after the grace time. */
  #closeSocket(code: number, reason: string): void {
    const socket = this.#socket;
    if (!socket) return;
    if (socket.readyState === OPEN) {
      this.#localClose ??= { code, reason };
      socket.close(code, reason);
    } else if (socket.readyState !== CLOSING) {
      this.#localClose ??= { code, reason };
      socket.terminate();
      return;
    }
    this.#timer(this.#o.closeGraceMs ?? 1_000, () => socket.terminate());
  }

  #handshakeTimedOut(ms: number): void {
    if (this.#phase !== "handshake") return;
    if (!this.#socketOpened) {
      this.#unreachable = `no WebSocket handshake within ${ms} ms`;
      this.#localClose ??= { code: 1006, reason: "" };
      this.#socket?.terminate();
    } else if (this.#connectId === null) {
      this.#unreachable = `no connect.challenge within ${ms} ms`;
      this.#closeSocket(1008, "connect challenge timeout");
    } else if (!this.#connectError) {
      this.#unreachable = `no reply to connect within ${ms} ms`;
      this.#closeSocket(4000, "connect timeout");
    }
  }

  #onMessage(data: unknown): void {
    if (this.#phase === "ended") return;
    this.#lastFrameAtMs = this.#now();
    const text = frameText(data);
    const frame = text === null ? ({ type: "invalid", why: "binary frame" } as const) : parseFrame(text);
    if (frame.type === "invalid") {
      this.#hooks.onIgnoredFrame(frame.why);
      return;
    }
    if (frame.type === "event") {
      if (frame.event === "connect.challenge") {
        this.#onChallenge(frame.payload);
        return;
      }
      const obs = observeEvent(frame.event, frame.payload, this.#lastFrameAtMs, this.#secrets);
      if (obs) this.#hooks.onObservation(obs);
      return;
    }
    if (frame.id === this.#connectId) {
      this.#onConnectReply(frame.ok, frame.payload, frame.error);
      return;
    }
    const call = this.#pending.get(frame.id);
    if (!call) {
      this.#hooks.onIgnoredFrame("response to no pending request");
      return;
    }
    this.#pending.delete(frame.id);
    this.#clearTimer(call.timer);
    if (frame.ok) call.resolve(frame.payload);
    else {
      const e = parseConnectError(frame.error);
      call.reject(new GatewayRequestError(sanitizeText(e.message, this.#secrets), e.code, e.detailCode));
    }
  }

  #onChallenge(payload: unknown): void {
    if (this.#connectId !== null || this.#phase !== "handshake") {
      this.#hooks.onIgnoredFrame("repeated connect.challenge");
      return;
    }
    const challenge = parseChallenge(payload);
    if (!challenge) {
      this.#unreachable = "the connect.challenge carried no nonce";
      this.#closeSocket(1008, "connect challenge missing nonce");
      return;
    }
    const params = buildConnectParams({
      signer: this.#o.identity,
      challenge,
      auth: this.#o.auth,
      clientVersion: this.#o.clientVersion,
      platform: this.#o.platform ?? process.platform,
      scopes: this.#o.scopes ?? WATCHDOG_SCOPES,
      nowMs: this.#now(),
    });
    this.#connectId = `sw-connect-${++this.#seq}`;
    this.#send(buildRequestFrame(this.#connectId, "connect", params));
  }

  #onConnectReply(ok: boolean, payload: unknown, error: unknown): void {
    if (this.#phase !== "handshake") return;
    const hello = ok ? parseHelloOk(payload) : null;
    if (!ok || !hello) {
      this.#connectError = ok
        ? parseConnectError({ message: "hello-ok was not an object" })
        : parseConnectError(error);
      // the gateway sends the refusal, then closes with the reason; close ourselves only if it does not
      this.#timer(this.#o.closeGraceMs ?? 1_000, () => this.#closeSocket(1008, "connect failed"));
      return;
    }
    this.#clearTimer(this.#handshakeTimer);
    this.#phase = "open";
    this.#openedAtMs = this.#now();
    const min = this.#o.minTickIntervalMs ?? 1_000;
    this.#tickTimeoutMs =
      2 * Math.min(Math.max(hello.tickIntervalMs ?? DEFAULT_TICK_INTERVAL_MS, min), MAX_TIMER_MS / 2);
    this.#armTickWatch();
    this.#hooks.onHello(hello);
  }

  /** Any frame proves the gateway is alive (as in OpenClaw's client); 2× the tick interval of silence closes 4000. */
  #armTickWatch(): void {
    const elapsed = this.#now() - this.#lastFrameAtMs;
    if (elapsed >= this.#tickTimeoutMs) {
      this.#log.info(
        { url: this.#o.url, silentMs: elapsed },
        "no tick from the gateway: closing 4000 tick timeout",
      );
      this.#closeSocket(4000, "tick timeout");
      return;
    }
    this.#timer(this.#tickTimeoutMs - elapsed + 1, () => {
      if (this.#phase === "open") this.#armTickWatch();
    });
  }

  #finish(closeCode: number, closeReason: string): void {
    if (this.#phase === "ended") return;
    const opened = this.#phase === "open";
    this.#phase = "ended";
    for (const t of [...this.#timers]) this.#clearTimer(t);
    const end = resolveSessionEnd({
      atMs: this.#now(),
      url: this.#o.url,
      deviceId: this.#o.identity.deviceId,
      secrets: this.#secrets,
      closeCode,
      closeReason,
      localClose: this.#localClose,
      opened,
      openedAtMs: this.#openedAtMs,
      socketOpened: this.#socketOpened,
      unreachable: this.#unreachable,
      untrusted: this.#untrusted,
      socketError: this.#socketError,
      stopped: this.#stopping,
      connectError: this.#connectError,
      pauseOnDeviceRemoved: this.#o.pauseOnDeviceRemoved ?? true,
    });
    for (const [, p] of this.#pending)
      p.reject(new GatewayRequestError(`gateway connection closed (${end.code})`, null, null));
    this.#pending.clear();
    this.#hooks.onEnd(end);
  }
}
