// Client shapes of each release's own local callers (read from the releases' dist), and what a narrowed device
// breaks among them: subagents and cron (callGateway backend), the TUI (GatewayClient) and the CLI.
import { existsSync } from "node:fs";
import { type DeviceIdentity, generateIdentity, sqlitePath } from "./device-identity.js";
import type { Gateway } from "./gateway.js";
import { type ConnectOutcome, connectOnce } from "./gateway-client.js";
import type { LocalClient } from "./releases.js";
import { subagentsCarryIdentity } from "./releases.js";
import { type RunResult, runCommand } from "./run.js";
import { subagentCall } from "./scenarios.js";

/**
 * A subagent spawn's (and a cron run's) gateway call as the release makes it: `gateway-client`/`backend` with the
 * shared token, presenting the shared device identity before 2026.4.25 and none from 2026.4.25 on
 * (callGateway's shouldOmitDeviceIdentityForGatewayCall), asking for operator.write, then sessions.list.
 */
export function releaseSubagentCall(gateway: Gateway, identity: DeviceIdentity): Promise<ConnectOutcome> {
  if (subagentsCarryIdentity(gateway.version)) return subagentCall(gateway, identity);
  return connectOnce({
    url: gateway.url,
    token: gateway.token,
    clientId: "gateway-client",
    clientMode: "backend",
    scopes: ["operator.write"],
    call: { method: "sessions.list" },
  });
}

/**
 * The TUI's connect: GatewayClient with clientName `openclaw-tui`, mode `ui`, the local device identity and,
 * with a shared token configured, its default scopes ["operator.admin"]; then sessions.list.
 */
export function tuiCall(gateway: Gateway, identity: DeviceIdentity): Promise<ConnectOutcome> {
  return connectOnce({
    url: gateway.url,
    token: gateway.token,
    identity,
    clientId: "openclaw-tui",
    clientMode: "ui",
    scopes: ["operator.admin"],
    call: { method: "sessions.list" },
  });
}

/**
 * The Control UI (`openclaw dashboard`) approving a request: a browser is its own device (a fresh identity),
 * `openclaw-control-ui`/`webchat` with the shared token and the gateway's own origin; on loopback its first
 * pairing is silent with what it asks.
 */
export function approveAsControlUi(gateway: Gateway, requestId: string): Promise<ConnectOutcome> {
  return connectOnce({
    url: gateway.url,
    token: gateway.token,
    identity: generateIdentity(),
    clientId: "openclaw-control-ui",
    clientMode: "webchat",
    // the page the gateway itself serves (`openclaw dashboard` opens http://127.0.0.1:<port>/)
    origin: `http://127.0.0.1:${gateway.port}`,
    scopes: ["operator.admin", "operator.read", "operator.write", "operator.approvals", "operator.pairing"],
    call: { method: "device.pair.approve", params: { requestId } },
  });
}

/** A refused handshake: the 1008 close the user sees. */
export const refused = (outcome: ConnectOutcome): boolean =>
  outcome.hello === null && outcome.close?.code === 1008;

/** A CLI run refused by pairing (its own connect closed with 1008 and no local fallback). */
export const cliRefused = (result: RunResult): boolean =>
  result.code !== 0 && /gateway closed \(1008\): pairing required/.test(result.stderr);

export interface BreakProbe {
  breaks: LocalClient[];
  /** The refused handshakes, for the close reason. */
  refusals: ConnectOutcome[];
  cli: RunResult;
}

/** Run each local caller once against the narrowed device and list the ones that fail. */
export async function probeBreaks(gateway: Gateway, identity: DeviceIdentity): Promise<BreakProbe> {
  const subagent = await releaseSubagentCall(gateway, identity);
  const tui = await tuiCall(gateway, identity);
  const cli = await gateway.openclaw(["cron", "list", "--json"]);
  const breaks: LocalClient[] = [];
  // cron isolated runs and their delivery call the gateway exactly like a subagent spawn (callGateway backend)
  if (refused(subagent)) breaks.push("subagents", "cron");
  if (cliRefused(cli)) breaks.push("CLI");
  if (refused(tui)) breaks.push("TUI");
  return { breaks, refusals: [subagent, tui].filter(refused), cli };
}

const USER_VERSION_SCRIPT =
  "const { DatabaseSync } = require('node:sqlite'); const db = new DatabaseSync(process.argv[1], { readOnly: true });" +
  " try { console.log(db.prepare('PRAGMA user_version').get().user_version); } finally { db.close(); }";

/**
 * PRAGMA user_version of `<stateDir>/state/openclaw.sqlite` (read-only, under the gateway's Node 24: the test
 * runner's Node may lack node:sqlite), or null when the release created no such file.
 */
export async function sqliteUserVersion(gateway: Gateway): Promise<number | null> {
  const file = sqlitePath(gateway.stateDir);
  if (!existsSync(file)) return null;
  const result = await runCommand(gateway.nodeBin, ["--no-warnings", "-e", USER_VERSION_SCRIPT, file], {
    env: gateway.env(),
    timeoutMs: 30_000,
  });
  if (result.code !== 0) throw new Error(`PRAGMA user_version on ${file} failed: ${result.stderr.trim()}`);
  return Number(result.stdout.trim());
}
