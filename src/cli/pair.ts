// `scope-watchdog pair`: pair the watchdog's own device (read + pairing scopes) and print the one approve command.

import { errorMessage } from "../common/errors.js";
import type { Secret } from "../common/secret.js";
import { connectOnce, type SessionEnd, type SocketFactory } from "../sources/gateway/connection.js";
import { isRecord, WATCHDOG_SCOPES } from "../sources/gateway/protocol.js";
import type { SessionOptions } from "../sources/gateway/session.js";
import { loadOrCreateWatchdogIdentity, type WatchdogIdentity } from "../sources/gateway/watchdog-identity.js";
import { EXIT, type Io, print } from "./io.js";

export interface PairOptions {
  json?: boolean;
  /** The gateway's URL, normally ws://127.0.0.1:<gateway.port>. */
  url: string;
  /** gateway.auth.mode from openclaw.json ("password" sends auth.password, anything else auth.token). */
  authMode: string | null;
  secret: Secret | null;
  /** The watchdog's identity file (<dataDir>/identity.json). */
  identityFile: string;
  /** The watchdog's version, sent as client.version. */
  clientVersion: string;
  timeoutMs?: number;
  allowNonLoopback?: boolean;
  platform?: string;
  createSocket?: SocketFactory;
  /** Before the token is sent: null when this user's gateway listens there, else why not (SessionOptions). */
  verifyListener?: SessionOptions["verifyListener"];
}

export type PairStatus = "paired" | "pending" | "failed";

/** What `pair --json` prints. */
export interface PairResult {
  deviceId: string | null;
  status: PairStatus;
  requestId?: string;
  command?: string;
  message: string;
}

function scopeList(scopes: readonly string[]): string {
  return scopes.join(", ");
}

/**
 * Whether device.pair.list shows our device approved at or after `sinceMs`, i.e. silently, by this very connect.
 * The gateway is on this machine (loopback), so both timestamps come from the same clock.
 */
async function approvedJustNow(
  call: (method: string) => Promise<unknown>,
  deviceId: string,
  sinceMs: number,
): Promise<boolean | null> {
  try {
    const list = await call("device.pair.list");
    const paired = isRecord(list) && Array.isArray(list.paired) ? list.paired : [];
    const me = paired.find((d) => isRecord(d) && d.deviceId === deviceId);
    if (!isRecord(me) || typeof me.approvedAtMs !== "number") return null;
    return me.approvedAtMs >= sinceMs;
  } catch {
    return null;
  }
}

function failedResult(deviceId: string, url: string, end: SessionEnd): PairResult {
  const o = end.observation;
  if (o?.kind === "listener-untrusted") {
    return {
      deviceId,
      status: "failed",
      message: `Not connecting, the gateway token stays here: ${o.text}.`,
    };
  }
  if (end.unreachable !== null) {
    return {
      deviceId,
      status: "failed",
      message: `Could not reach the OpenClaw gateway at ${url}: ${end.unreachable}. Is it running? \`openclaw gateway status\` shows it.`,
    };
  }
  if (end.pauseReason) {
    return {
      deviceId,
      status: "failed",
      message: `The gateway at ${url} refused the watchdog: ${end.pauseReason}.`,
    };
  }
  return {
    deviceId,
    status: "failed",
    message: `The gateway at ${url} closed the connection before the watchdog's device was accepted: ${o?.text ?? `code ${end.code}`}.`,
  };
}

function pendingResult(identity: WatchdogIdentity, url: string, end: SessionEnd): PairResult {
  const requestId = end.connectError?.requestId ?? end.observation?.requestId ?? null;
  const grants =
    `It grants the watchdog's own device ${identity.deviceId} (its identity is ${identity.file}, separate from this machine's OpenClaw identity) ` +
    `${scopeList(WATCHDOG_SCOPES)}: reading the pairing state and receiving pairing events live, nothing else (no admin, no write).`;
  if (!requestId) {
    return {
      deviceId: identity.deviceId,
      status: "pending",
      command: "openclaw devices list",
      message:
        `The gateway at ${url} wants the watchdog's device approved but did not say which request (OpenClaw before 2026.4.20 does not). ` +
        `Run \`openclaw devices list\`, find the pending request of device ${identity.deviceId} and approve it with \`openclaw devices approve <requestId>\`. ${grants}`,
    };
  }
  const command = `openclaw devices approve ${requestId}`;
  return {
    deviceId: identity.deviceId,
    status: "pending",
    requestId,
    command,
    message:
      `The gateway at ${url} is waiting for you to approve the watchdog's device: run \`${command}\`. ${grants} ` +
      "The request expires after 5 minutes; run `scope-watchdog pair` again if it does.",
  };
}

/** Connects once under the watchdog's own identity and says whether it is paired, pending (with the command), or failed. */
export async function pairWatchdog(opts: PairOptions, now: () => number): Promise<PairResult> {
  let identity: WatchdogIdentity;
  let created: boolean;
  try {
    ({ identity, created } = await loadOrCreateWatchdogIdentity(opts.identityFile, now));
  } catch (err) {
    return { deviceId: null, status: "failed", message: errorMessage(err) };
  }
  const startedAtMs = now();
  let once: Awaited<ReturnType<typeof connectOnce>>;
  try {
    once = await connectOnce({
      url: opts.url,
      identity,
      auth: { mode: opts.authMode, secret: opts.secret },
      clientVersion: opts.clientVersion,
      now,
      handshakeTimeoutMs: opts.timeoutMs ?? 10_000,
      requestTimeoutMs: opts.timeoutMs ?? 10_000,
      ...(opts.platform ? { platform: opts.platform } : {}),
      ...(opts.createSocket ? { createSocket: opts.createSocket } : {}),
      ...(opts.allowNonLoopback ? { allowNonLoopback: true } : {}),
      ...(opts.verifyListener ? { verifyListener: opts.verifyListener } : {}),
    });
  } catch (err) {
    return { deviceId: identity.deviceId, status: "failed", message: errorMessage(err) };
  }
  if (!once.ok) {
    return once.end.observation?.kind === "pairing-required-close"
      ? pendingResult(identity, opts.url, once.end)
      : failedResult(identity.deviceId, opts.url, once.end);
  }
  const silent = await approvedJustNow((m) => once.call(m, {}), identity.deviceId, startedAtMs);
  await once.close();
  const granted = once.hello.scopes;
  const missing = WATCHDOG_SCOPES.filter(
    (s) => granted.length > 0 && !granted.includes(s) && !granted.includes("operator.admin"),
  );
  const holds = granted.length ? ` It holds ${scopeList(granted)}.` : "";
  const short = missing.length
    ? ` The gateway did not grant ${scopeList(missing)}, so the live feed of pairing events may stay silent.`
    : "";
  const message =
    silent === true
      ? `Paired: the gateway at ${opts.url} approved the watchdog's own device ${identity.deviceId} without asking, as OpenClaw does for a device's first pairing over loopback with the gateway token.${holds}${short}`
      : created || silent === null
        ? `Paired: the gateway at ${opts.url} accepts the watchdog's own device ${identity.deviceId}.${holds}${short}`
        : `Already paired: the gateway at ${opts.url} accepts the watchdog's own device ${identity.deviceId}; nothing to do.${holds}${short}`;
  return { deviceId: identity.deviceId, status: "paired", message };
}

/** `scope-watchdog pair [--json]`: exit 0 paired, 1 waiting for approval, 2 failed. */
export async function runPair(opts: PairOptions, io: Io): Promise<number> {
  const result = await pairWatchdog(opts, io.now);
  const code =
    result.status === "paired" ? EXIT.ok : result.status === "pending" ? EXIT.findings : EXIT.failed;
  if (opts.json) {
    print(io.stdout, JSON.stringify(result, null, 2));
    return code;
  }
  if (result.status === "failed") {
    print(io.stderr, `scope-watchdog pair: ${result.message}`);
    return code;
  }
  if (result.status === "paired" || !result.requestId || !result.command) {
    print(io.stdout, result.message);
    return code;
  }
  print(
    io.stdout,
    [
      `The watchdog's own device is waiting for approval on the gateway at ${opts.url}.`,
      `Device: ${result.deviceId} (the watchdog's identity, ${opts.identityFile}; not this machine's OpenClaw identity)`,
      "",
      "Approve it with:",
      "",
      result.command,
      "",
      `This grants that device ${scopeList(WATCHDOG_SCOPES)} only: it can read the pairing state and receive pairing events live, with no admin or write access.`,
      "The request expires after 5 minutes; run `scope-watchdog pair` again if it does.",
    ].join("\n"),
  );
  return code;
}

export interface PairFlags {
  json?: boolean;
  stateDir?: string;
  profile?: string;
  config?: string;
}

/** `scope-watchdog pair` from the command line: resolves the gateway and the identity file, then pairs. */
export async function runPairCommand(flags: PairFlags, io: Io): Promise<number> {
  const [
    { loadConfig },
    { locate },
    { readGatewaySettings },
    { resolveDataDir },
    { watchdogIdentityFile },
    { gatewayUrl },
    { VERSION },
    { listenerRefusal },
  ] = await Promise.all([
    import("../config/load.js"),
    import("../daemon/inspect.js"),
    import("../sources/state/openclaw-config.js"),
    import("../actions/state-store.js"),
    import("../sources/gateway/watchdog-identity.js"),
    import("../sources/gateway/protocol.js"),
    import("../common/version.js"),
    import("../sources/host/listener.js"),
  ]);
  const loaded = await loadConfig({ flag: flags.config, env: io.env, home: io.home });
  const location = locate({
    config: loaded.config,
    env: io.env,
    stateDirFlag: flags.stateDir,
    profileFlag: flags.profile,
  });
  const { settings } = await readGatewaySettings(location.configPath, io.env, location.portOverride);
  return runPair(
    {
      json: flags.json,
      url: loaded.config.connection.url ?? gatewayUrl(settings.port),
      authMode: settings.authMode,
      secret: settings.secret,
      identityFile: watchdogIdentityFile(resolveDataDir(loaded.config.dataDir, io.env, io.home)),
      clientVersion: VERSION,
      verifyListener: (url) => listenerRefusal(url),
    },
    io,
  );
}
