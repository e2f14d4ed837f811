// The built-in configuration, as data: what `check` and the daemon use when there is no config file, without
// loading the schema library. test/unit/config.test.ts holds it equal to what the schema makes of `{}`.

import { parseDuration } from "./duration.js";
import type { Config } from "./schema.js";

const ms = (text: string): number => parseDuration(text) ?? 0;

/** The built-in reconcile schedule: every 5 minutes. */
export const DEFAULT_SCHEDULE = "*/5 * * * *";

const DEFAULTS: Config = {
  openclaw: { stateDir: null, profile: null, configPath: null, bin: null, logFile: null, instances: null },
  requiredScopes: null,
  dataDir: null,
  reconcile: { schedule: DEFAULT_SCHEDULE },
  watch: { debounce: ms("75ms"), polling: "auto", pollInterval: ms("1s") },
  connection: { enabled: "auto", url: null, handshakeTimeout: ms("10s") },
  detect: { closeWindow: ms("10m"), logReplayWindow: ms("2m"), minInterval: ms("50ms") },
  notify: {
    minSeverity: "warning",
    repeatAfter: ms("4h"),
    groupWait: ms("500ms"),
    sendResolved: true,
    rateLimit: { max: 12, per: ms("1h") },
    flapping: { transitions: 3, within: ms("15m"), stableFor: ms("10m") },
    desktop: { enabled: true, minSeverity: "info", timeout: ms("10s") },
    ntfy: { url: null, minSeverity: "info", timeout: ms("5s"), retries: 2 },
    webhook: { url: null, minSeverity: "info", timeout: ms("5s"), retries: 2 },
    telegram: {
      botToken: null,
      chatId: null,
      apiUrl: "https://api.telegram.org",
      minSeverity: "info",
      timeout: ms("5s"),
      retries: 2,
    },
  },
  remediation: {
    policy: "notify",
    allowScopes: [],
    dryRun: false,
    maxPerHour: 3,
    backoff: { initial: ms("1m"), max: ms("30m") },
    killSwitchFile: null,
    regressionWindow: ms("30m"),
    cliTimeout: ms("30s"),
    maxRetries: 3,
    expiryMargin: ms("30s"),
  },
  status: { socket: null },
  metrics: { listen: null },
  log: { level: "info", format: "auto" },
};

/** A fresh copy of the built-in configuration. */
export function defaultConfig(): Config {
  return structuredClone(DEFAULTS);
}
