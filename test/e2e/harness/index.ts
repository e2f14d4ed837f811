// The e2e harness's public API, for the regression, daemon, notification and healing suites.
export { expectLoopbackOnly } from "./assertions.js";
export { type DaemonRecord, startWatchdogDaemon, type WatchdogDaemon } from "./daemon.js";
export {
  type DeviceIdentity,
  deviceAuthPath,
  generateIdentity,
  legacyIdentityPath,
  localIdentity,
  readLegacyIdentity,
  readSqliteIdentity,
  sqlitePath,
} from "./device-identity.js";
export {
  baselineOf,
  type DeviceList,
  type PairedDevice,
  type PendingRequest,
  parseDeviceList,
} from "./devices.js";
export { expectNoSecrets, knownSecrets, useGateway } from "./fixture.js";
export { type CliOptions, Gateway, type StartGatewayOptions, startGateway } from "./gateway.js";
export { type ConnectOptions, type ConnectOutcome, connectOnce } from "./gateway-client.js";
export type { JsonObject } from "./gateway-config.js";
export { ensureNode, ensureOpenClaw } from "./install.js";
export { type NetworkReport, networkReport } from "./network.js";
export { NODE_VERSION, OPENCLAW_VERSIONS, type OpenClawVersion, usesSqliteStore } from "./paths.js";
export type { RunResult } from "./run.js";
export {
  approveRequest,
  cliDefaultScopes,
  connectLocalClient,
  expirePendingRequests,
  listDevices,
  narrowAndRequestUpgrade,
  pairLocalDeviceViaCli,
  removeDevice,
  reproduceScopeRegression,
  requestIdIn,
  requestScopeUpgrade,
  requireLocalIdentity,
  setGatewayConfig,
  subagentCall,
} from "./scenarios.js";
export {
  type CheckReport,
  type CheckRun,
  checkGateway,
  type Finding,
  prepareWatchdog,
  problems,
  runWatchdog,
  runWatchdogFor,
} from "./watchdog.js";
