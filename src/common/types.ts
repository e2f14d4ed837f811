// Domain types shared by sources (what was read), detect (what is wrong) and the CLI (what is shown).

import type { Secret } from "./secret.js";

export type Severity = "info" | "warning" | "critical";

export type { FindingCode } from "./finding-codes.js";

import type { FindingCode } from "./finding-codes.js";

export interface Fix {
  /** One command the user can paste. */
  command: string;
  /** What the command does and why it is safe. */
  explanation: string;
  /** The lasting fix where one exists (e.g. upgrading OpenClaw). */
  durable?: string;
}

export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** What is wrong, in one sentence. */
  message: string;
  /** Why it matters: what fails while it stays like this. */
  impact?: string;
  deviceId?: string;
  requestId?: string;
  scopes?: string[];
  /** The file (or table) a state problem is about. */
  file?: string;
  fix?: Fix;
  /** The OpenClaw state it is about (the daemon sets it: it may watch several). */
  stateDir?: string;
  /** That state's OpenClaw profile, when it is one (~/.openclaw-<profile>). */
  profile?: string;
}

export type PairingStore = "files" | "sqlite" | "unknown";

/** Which OpenClaw is installed, and how its version was learnt. */
export interface OpenClawInstall {
  /** The executable as found (configured path or PATH entry), or null when there is none. */
  bin: string | null;
  version: string | null;
  /** How the version was learnt. */
  via: "package.json" | "--version" | null;
  /** Why the version is unknown, when it is. */
  problem: string | null;
  /** Which source answered (the first of VERSION_SOURCES that did); null when none did. */
  versionSource?: VersionSource | null;
  /** The file or process that told it (a package.json, openclaw.json, a service file, a pid). */
  versionFrom?: string | null;
  /** Every source consulted that answered, in order (a disagreement is openclaw-version-mismatch). */
  versionsSeen?: VersionSighting[];
}

/** Where the OpenClaw version can come from, in the order they are asked. */
export const VERSION_SOURCES = [
  "openclaw.bin",
  "PATH",
  "lastTouchedVersion",
  "gateway hello-ok",
  "gateway service",
  "gateway process",
  "global install",
  "openclaw --version",
] as const;
export type VersionSource = (typeof VERSION_SOURCES)[number];

export interface VersionSighting {
  source: VersionSource;
  version: string;
  from: string | null;
  /** The gateway that is running now (hello-ok, or the process listening on its port), not a file on disk. */
  running: boolean;
}

/** The parts of openclaw.json the watchdog needs. */
export interface GatewaySettings {
  /** meta.lastTouchedVersion: the OpenClaw version that last wrote openclaw.json. */
  lastTouchedVersion?: string | null;
  port: number;
  bind: string;
  /** gateway.auth.mode, or what the configured secret implies; null when nothing is configured. */
  authMode: string | null;
  /** The shared token or password: held in memory only, never printed. */
  secret: Secret | null;
  /** logging.file, when set. */
  logFile: string | null;
  /** gateway.nodes.pairing.autoApproveLocal (2026.8+; default true there). */
  autoApproveLocal: boolean | null;
  /** gateway.mode as written ("local", "remote"), or null when unset (local). */
  mode: string | null;
  /** Why openclaw.json exists but could not be read or parsed (null when read, or provably absent). */
  configProblem: string | null;
  /** The file these came from, or null when defaults were used. */
  source: string | null;
}

/** The local device identity every OpenClaw process on this state dir signs with (never the private key). */
export interface LocalIdentity {
  /** sha256 of the raw Ed25519 public key, derived by us. */
  deviceId: string;
  /** The id as stored; OpenClaw rewrites the file when it differs from the derived one. */
  storedDeviceId: string;
  /** base64url of the raw 32-byte public key, as the gateway stores it in pairing records. */
  publicKey: string;
  source: string;
}

/** A device token's metadata; the token string itself is never read into these. */
export interface TokenSummary {
  role: string;
  scopes: string[];
  createdAtMs?: number;
  updatedAtMs?: number;
  rotatedAtMs?: number;
  revokedAtMs?: number;
  lastUsedAtMs?: number;
}

/** The client-side device-token cache (identity/device-auth.json, or device_auth_tokens on 2026.8+). */
export interface DeviceAuthCache {
  deviceId: string;
  tokens: TokenSummary[];
  source: string;
}

/** What a pairing record says about the device and the client that asked: shared by paired and pending. */
export interface DeviceDescriptor {
  deviceId: string;
  publicKey: string;
  displayName?: string;
  platform?: string;
  deviceFamily?: string;
  clientId?: string;
  clientMode?: string;
  role?: string;
  roles: string[];
  scopes: string[];
  remoteIp?: string;
}

export interface PairedDevice extends DeviceDescriptor {
  approvedScopes?: string[];
  tokens: TokenSummary[];
  createdAtMs?: number;
  approvedAtMs?: number;
}

export interface PendingRequest extends DeviceDescriptor {
  requestId: string;
  silent: boolean;
  isRepair: boolean;
  ts: number;
  refreshedAtMs?: number;
}

export interface StateProblem {
  file: string;
  problem: string;
  /** What the user can do about it. */
  hint?: string;
  /** A command that shows or repairs it, when there is one. */
  command?: string;
  /** How much it hides: "info" when the file is legitimately absent early in OpenClaw's life. */
  severity?: Severity;
}

/** Everything read from OpenClaw's pairing state at one moment. */
export interface PairingSnapshot {
  store: PairingStore;
  identity: LocalIdentity | null;
  deviceAuth: DeviceAuthCache | null;
  paired: PairedDevice[];
  /** Pending requests still inside OpenClaw's 5-minute TTL. */
  pending: PendingRequest[];
  /** identity/device-auth.json exists (fatal on 2026.8+ until `openclaw doctor --fix`). */
  legacyDeviceAuthFile: boolean;
  problems: StateProblem[];
  /** state/openclaw.sqlite as found (absent when there is none or it was not looked at). */
  sqlite?: SqliteOnDisk;
  /** The JSON files a 2026.8+ OpenClaw retired, when SQLite is the store and they are still there. */
  legacyLeftovers?: LegacyLeftovers;
}

export interface LegacyLeftovers {
  /** Device ids in devices/paired.json; null when the file is gone (imported and archived). */
  pairedDeviceIds: string[] | null;
  pairedFile: string;
  /** The device identity/device.json holds (derived from its key), when the file is there and readable. */
  identity: { deviceId: string; file: string } | null;
}

/** What state/openclaw.sqlite is: its PRAGMA user_version and whether it holds the 2026.8+ pairing store. */
export interface SqliteOnDisk {
  /** null when the database could not be read. */
  userVersion: number | null;
  /** "newer": a user_version above every one this watchdog knows; "older": not the pairing store's layout. */
  schema: "known" | "newer" | "older" | null;
  pairingStore: boolean;
}

/** A folder of OpenClaw's state that another account could change, or that is not the folder it claims to be. */
export interface UnsafePath {
  path: string;
  /** symlink: a symbolic link (not followed); owner: another account owns it; writable: group or others may
   * write it; unchecked: it could not be examined (fail closed). */
  problem: "symlink" | "owner" | "writable" | "unchecked";
  /** Permission bits (writable), the owner's uid (owner), or the error code (unchecked). */
  mode?: number;
  uid?: number;
  error?: string;
}

/** The kill switch as the watchdog engaged it itself after an approval it could not verify. */
export interface RemediationHalt {
  file: string;
  reason: string;
  atMs: number | null;
}

/** The last healthy state the daemon saw for the local device (never tokens). */
export interface LastGoodState {
  deviceId: string;
  publicKey: string;
  approvedScopes: string[];
  recordedAtMs: number;
}

/** What a live source saw happen: a gateway log line or an event/close on the watchdog's own connection. */
export type ObservationKind =
  /** `security audit: device access upgrade requested reason=…` (log) or `device.pair.requested` (connection). */
  | "upgrade-requested"
  /** A connect refused with 1008 `pairing required…` (log `closed before connect … code=1008`, or our own socket). */
  | "pairing-required-close"
  /** `gateway connect failed: … pairing required` / `scope upgrade pending approval` in a calling process's log. */
  | "gateway-connect-failed"
  /** `device pairing approved|auto-approved …` (log) or `device.pair.resolved` (connection). */
  | "pairing-resolved"
  /** `device pairing removed device=…` (log) or close 4001 `device removed` on our socket. */
  | "device-removed"
  /** `unauthorized: device token mismatch|rejected …`. */
  | "device-token-mismatch"
  /** `unauthorized: gateway token|password …`, close 4001 `gateway auth changed`, other auth refusals. */
  | "gateway-auth-failure"
  /** Our connection completed the handshake (hello-ok). */
  | "connection-open"
  /** Our connection closed (any code): 1012 service restart, 4000 tick timeout, 1006 abnormal, … */
  | "connection-closed"
  /** Our connection could not reach the gateway at all (ECONNREFUSED, timeout). */
  | "gateway-unreachable"
  /** Our connection did not connect: the listener on the gateway's port is not this user's (no token sent). */
  | "listener-untrusted";

export interface Observation {
  kind: ObservationKind;
  source: "log" | "connection";
  /** When it happened: the log line's time, or when the frame/close arrived. */
  atMs: number;
  deviceId?: string;
  requestId?: string;
  /** OpenClaw's pairing reason (scope-upgrade, role-upgrade, not-paired, metadata-upgrade) or auth reason. */
  reason?: string;
  /** Requested scopes (scopesTo / requestedScopes). */
  scopes?: string[];
  /** The baseline at the time (scopesFrom / approvedScopes). */
  scopesFrom?: string[];
  clientId?: string;
  /** WebSocket close code, where there is one. */
  code?: number;
  /** The close reason string exactly as sent (e.g. "pairing required: device is asking for more scopes…"). */
  closeReason?: string;
  /** The gateway's port the line is about (a log line's `host=127.0.0.1:PORT` / meta localPort). */
  gatewayPort?: number;
  /** The original text, truncated to 500 characters and with secrets removed. */
  text: string;
}
