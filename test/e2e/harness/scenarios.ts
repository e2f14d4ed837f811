// Scenario drivers: change real gateway pairing state the way users' OpenClaw processes do.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type DeviceIdentity, deviceAuthPath, localIdentity } from "./device-identity.js";
import { type DeviceList, type PairedDevice, parseDeviceList, parseJsonOutput } from "./devices.js";
import type { Gateway } from "./gateway.js";
import { type ConnectOutcome, connectOnce } from "./gateway-client.js";
import { compareReleases, usesSqliteStore } from "./paths.js";
import type { RunResult } from "./run.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A CLI failure as an Error, with its output (OpenClaw's CLI output carries no secrets; tokens stay in env). */
function cliError(what: string, result: RunResult): Error {
  return new Error(
    `${what} failed (exit ${result.code}${result.timedOut ? ", timed out" : ""}):\n` +
      `stdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(0, 2000)}`,
  );
}

/** `openclaw devices list --json`. On 2026.4.20 this also pairs the local device silently on first use. */
export async function listDevices(gateway: Gateway): Promise<{ list: DeviceList; result: RunResult }> {
  const result = await gateway.openclaw(["devices", "list", "--json"]);
  if (result.code !== 0) throw cliError("openclaw devices list --json", result);
  return { list: parseDeviceList(result.stdout), result };
}

/** The local identity, or an error naming where it was expected. */
export async function requireLocalIdentity(gateway: Gateway): Promise<DeviceIdentity> {
  const identity = await localIdentity(gateway);
  if (!identity) throw new Error(`no local device identity yet in ${gateway.stateDir} (${gateway.version})`);
  return identity;
}

/**
 * 2026.4.x: pair the local device through the CLI (its first connect is approved silently on loopback with the
 * full CLI scope set). Returns the identity and the paired record.
 */
export async function pairLocalDeviceViaCli(
  gateway: Gateway,
): Promise<{ identity: DeviceIdentity; device: PairedDevice; list: DeviceList }> {
  const { list } = await listDevices(gateway);
  const identity = await requireLocalIdentity(gateway);
  const device = list.paired.find((d) => d.deviceId === identity.deviceId);
  if (!device) throw new Error(`the CLI did not pair ${identity.deviceId} (${gateway.version})`);
  return { identity, device, list };
}

/** `openclaw devices remove <deviceId> --json` (no local fallback: needs a working CLI connection). */
export async function removeDevice(gateway: Gateway, deviceId: string): Promise<unknown> {
  const result = await gateway.openclaw(["devices", "remove", deviceId, "--json"]);
  if (result.code !== 0) throw cliError(`openclaw devices remove ${deviceId.slice(0, 12)}...`, result);
  return parseJsonOutput(result.stdout);
}

/** `openclaw devices approve <requestId> --json`; returns the parsed JSON and the raw result. */
export async function approveRequest(
  gateway: Gateway,
  requestId: string,
): Promise<{ json: unknown; result: RunResult }> {
  const result = await gateway.openclaw(["devices", "approve", requestId, "--json"]);
  if (result.code !== 0) throw cliError(`openclaw devices approve ${requestId}`, result);
  return { json: parseJsonOutput(result.stdout), result };
}

/**
 * What each release's CLI asks for (CLI_DEFAULT_OPERATOR_SCOPES): 2026.8+ added operator.questions, 2026.3.x has
 * no operator.talk.secrets.
 */
export function cliDefaultScopes(version: string): string[] {
  const scopes = ["operator.admin", "operator.read", "operator.write", "operator.approvals"];
  if (usesSqliteStore(version)) scopes.push("operator.questions");
  scopes.push("operator.pairing");
  if (compareReleases(version, "2026.4.0") >= 0) scopes.push("operator.talk.secrets");
  return scopes;
}

/**
 * A local `cli`/`cli` client sharing the local identity and the shared token, asking for `scopes` (default only
 * operator.approvals, like the in-gateway approvals handler). On 4.x it stores hello-ok auth into
 * identity/device-auth.json the way GatewayClient does; on 8.x+ that file is retired and is never written.
 */
export function connectLocalClient(
  gateway: Gateway,
  identity: DeviceIdentity,
  scopes: readonly string[] = ["operator.approvals"],
): Promise<ConnectOutcome> {
  return connectOnce({
    url: gateway.url,
    token: gateway.token,
    identity,
    clientId: "cli",
    clientMode: "cli",
    scopes,
    storeAuthFile: usesSqliteStore(gateway.version) ? undefined : deviceAuthPath(gateway.stateDir),
  });
}

/**
 * A call shaped like a subagent spawn's: `gateway-client`/`backend`, shared token, the same identity, asking
 * for `operator.write` (or admin), then one RPC (default sessions.list).
 */
export function subagentCall(
  gateway: Gateway,
  identity: DeviceIdentity,
  options: { scopes?: readonly string[]; method?: string } = {},
): Promise<ConnectOutcome> {
  return connectOnce({
    url: gateway.url,
    token: gateway.token,
    identity,
    clientId: "gateway-client",
    clientMode: "backend",
    scopes: options.scopes ?? ["operator.write"],
    call: { method: options.method ?? "sessions.list" },
  });
}

/** A `cli`/`cli` client with the local identity asking for more than its baseline (creates a pending upgrade). */
export function requestScopeUpgrade(
  gateway: Gateway,
  identity: DeviceIdentity,
  scopes: readonly string[] = ["operator.read", "operator.write"],
): Promise<ConnectOutcome> {
  return connectOnce({
    url: gateway.url,
    token: gateway.token,
    identity,
    clientId: "cli",
    clientMode: "cli",
    scopes,
  });
}

/**
 * The requestId in a message such as the CLI's "scope upgrade pending approval (requestId: <id>)". Not for close
 * reasons: the gateway truncates those to 120 bytes, which cuts the id (use the error frame's details.requestId).
 */
export function requestIdIn(text: string): string | null {
  return /\(requestId: ([^)\s]+)\)/.exec(text)?.[1] ?? null;
}

const CONFIG_SET_TIMEOUT_MS = 180_000;
const HOT_RELOAD_APPLIED = /\[reload\] config hot reload applied \(([^)]*)\)/g;

/**
 * `openclaw config set <key> <value>` (2026.9.x restores hand-edited config files, so only the CLI edits it),
 * then wait for the gateway's `[reload] config hot reload applied (...)` line naming the key's section; if
 * none appears within `reloadWaitMs`, restart the gateway. Returns how the change took effect.
 */
export async function setGatewayConfig(
  gateway: Gateway,
  key: string,
  value: string,
  reloadWaitMs = 15_000,
): Promise<"hot-reload" | "restart"> {
  const offset = gateway.stdout().length;
  // 2026.9.6's `config set` holds SQLite transactions for seconds on a loaded machine: observed over 60 s
  const result = await gateway.openclaw(["config", "set", key, value], { timeoutMs: CONFIG_SET_TIMEOUT_MS });
  if (result.code !== 0) throw cliError(`openclaw config set ${key}`, result);
  const section = key.split(".").slice(0, 3).join(".");
  const deadline = Date.now() + reloadWaitMs;
  while (Date.now() < deadline) {
    const applied = [...gateway.stdout().slice(offset).matchAll(HOT_RELOAD_APPLIED)];
    if (
      applied.some((m) =>
        (m[1] ?? "").split(/,\s*/).some((s) => s !== "" && (section.startsWith(s) || s.startsWith(section))),
      )
    ) {
      return "hot-reload";
    }
    await sleep(200);
  }
  await gateway.restart();
  return "restart";
}

export interface RegressionState {
  identity: DeviceIdentity;
  /** What the approvals-only client got in hello-ok. */
  narrow: ConnectOutcome;
  /** The subagent-shaped call that is refused. */
  refused: ConnectOutcome;
}

/**
 * 2026.4.x, the seed's state: the CLI pairs the device with full scopes, the record is removed, an
 * approvals-only client with the same identity connects first and is re-paired narrowly, then a subagent-shaped
 * call asking for operator.write is refused with 1008 "pairing required" and leaves a pending upgrade.
 */
export async function reproduceScopeRegression(gateway: Gateway): Promise<RegressionState> {
  const { identity } = await pairLocalDeviceViaCli(gateway);
  await removeDevice(gateway, identity.deviceId);
  const narrow = await connectLocalClient(gateway, identity);
  if (!narrow.hello)
    throw new Error(`the approvals-only client was refused: ${JSON.stringify(narrow.connectError)}`);
  const refused = await subagentCall(gateway, identity);
  return { identity, narrow, refused };
}

/**
 * 2026.8.x+: pair the primary identity narrowly (auto-approved on loopback), turn
 * gateway.nodes.pairing.autoApproveLocal off, then ask for more scopes: the upgrade stays pending.
 */
export async function narrowAndRequestUpgrade(
  gateway: Gateway,
  upgradeScopes: readonly string[] = ["operator.read", "operator.write"],
): Promise<RegressionState & { reload: "hot-reload" | "restart" }> {
  const identity = await requireLocalIdentity(gateway);
  const narrow = await connectLocalClient(gateway, identity);
  if (!narrow.hello)
    throw new Error(`the approvals-only client was refused: ${JSON.stringify(narrow.connectError)}`);
  const reload = await setGatewayConfig(gateway, "gateway.nodes.pairing.autoApproveLocal", "false");
  const refused = await requestScopeUpgrade(gateway, identity, upgradeScopes);
  return { identity, narrow, refused, reload };
}

/**
 * Makes the pending requests of `deviceId` older than OpenClaw's 5-minute TTL (2026.4.x devices/pending.json),
 * the state a user finds after the request expired. Only the TEST writes OpenClaw's files, never the watchdog.
 */
export function expirePendingRequests(gateway: Gateway, deviceId: string): string[] {
  const file = path.join(gateway.stateDir, "devices", "pending.json");
  const pending = JSON.parse(readFileSync(file, "utf8")) as Record<
    string,
    { deviceId?: string; ts?: number }
  >;
  const expired: string[] = [];
  for (const [id, req] of Object.entries(pending)) {
    if (req.deviceId !== deviceId) continue;
    req.ts = Date.now() - 6 * 60_000;
    expired.push(id);
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(pending, null, 2), { mode: 0o600 });
  renameSync(tmp, file);
  return expired;
}
