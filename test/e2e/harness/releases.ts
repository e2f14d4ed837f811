// What each release of the matrix does, as its real gateway showed it. The release-matrix e2e files assert every
// field against the gateway, and the README's version table is rendered from these rows (see versionTableRow).
import { compareReleases, type OpenClawVersion, usesSqliteStore } from "./paths.js";
import { cliDefaultScopes } from "./scenarios.js";

/** A client shape whose calls a narrowed device can break. */
export type LocalClient = "subagents" | "cron" | "CLI" | "TUI";

export interface ReleaseFacts {
  version: OpenClawVersion;
  /** `state/openclaw.sqlite` at gateway start: its PRAGMA user_version, or null when the gateway creates none. */
  sqliteAtStart: number | null;
  /** Whether the release's own CLI (`openclaw devices list`) pairs the local device, and with what. */
  cliPairs: "all CLI scopes" | "least privilege" | "no (device-less on loopback)";
  /** What fails while the local device is narrowed to operator.approvals (cron uses the subagents' client). */
  breaks: readonly LocalClient[];
  /**
   * The scopes of the narrowed device's pending upgrade once its local callers (subagents/cron, TUI, CLI) have
   * each been refused: what the release's own clients need the device to hold (sorted).
   */
  requested: readonly string[];
  /** `openclaw devices approve <requestId>` for the narrowed device's upgrade request: null = it approves. */
  cliApproveError: string | null;
  /** The 1008 close reason's text before ` (requestId: ...)`. */
  closeReason: string;
}

/** The TUI's operator.admin, plus what least-privilege CLI commands ask for (devices: pairing, cron list: read). */
const LEAST_PRIVILEGE_ASKS = ["operator.admin", "operator.pairing", "operator.read"];
const SCOPE_UPGRADE = "pairing required: device is asking for more scopes than currently approved";

/** 2026.3.31-2026.4.24: the CLI pairs with all its scopes, and every local caller presents the device identity. */
const identityEverywhere = (version: OpenClawVersion, closeReason: string): ReleaseFacts => ({
  version,
  sqliteAtStart: null,
  cliPairs: "all CLI scopes",
  breaks: ["subagents", "cron", "CLI", "TUI"],
  requested: cliDefaultScopes(version).toSorted(),
  cliApproveError: null,
  closeReason,
});

/** 2026.4.29-2026.6.x: subagents and cron are device-less, the CLI least-privilege and its approval churned. */
const leastPrivilegeCli = (version: OpenClawVersion, sqliteAtStart: number | null): ReleaseFacts => ({
  version,
  sqliteAtStart,
  cliPairs: "least privilege",
  breaks: ["CLI", "TUI"],
  requested: LEAST_PRIVILEGE_ASKS,
  cliApproveError: "unknown requestId",
  closeReason: SCOPE_UPGRADE,
});

/** 2026.7.x+: the CLI is device-less on loopback too; only the TUI presents the identity. */
const tuiOnly = (version: OpenClawVersion, sqliteAtStart: number): ReleaseFacts => ({
  version,
  sqliteAtStart,
  cliPairs: "no (device-less on loopback)",
  breaks: ["TUI"],
  requested: ["operator.admin"],
  cliApproveError: null,
  closeReason: SCOPE_UPGRADE,
});

/** The rows, oldest release first (one per OPENCLAW_VERSIONS entry). */
export const RELEASE_FACTS: readonly ReleaseFacts[] = [
  identityEverywhere("2026.3.31", "pairing required"),
  identityEverywhere("2026.4.20", SCOPE_UPGRADE),
  identityEverywhere("2026.4.24", SCOPE_UPGRADE),
  leastPrivilegeCli("2026.4.29", null),
  leastPrivilegeCli("2026.5.28", null),
  leastPrivilegeCli("2026.6.35", 1),
  tuiOnly("2026.7.35", 1),
  tuiOnly("2026.8.2", 15),
  tuiOnly("2026.9.6", 18),
];

export function releaseFacts(version: string): ReleaseFacts {
  const facts = RELEASE_FACTS.find((f) => f.version === version);
  if (!facts) throw new Error(`no RELEASE_FACTS row for OpenClaw ${version} (test/e2e/harness/releases.ts)`);
  return facts;
}

/** 2026.4.25: callGateway's backend calls (sessions_spawn, cron) stop presenting the shared device identity. */
export const subagentsCarryIdentity = (version: string): boolean => compareReleases(version, "2026.4.25") < 0;

/** 2026.8.1: local pairing and scope upgrades are approved silently unless autoApproveLocal is false. */
export const hasAutoApproveLocal = (version: string): boolean => usesSqliteStore(version);

/** The release's store as `check --json` must report it. */
export const storeOf = (version: string): "files" | "sqlite" =>
  usesSqliteStore(version) ? "sqlite" : "files";

/** The README version-table row for `facts` (README.md "Version table"). */
export function versionTableRow(facts: ReleaseFacts): string {
  const store = usesSqliteStore(facts.version)
    ? `SQLite (\`state/openclaw.sqlite\`, user_version ${facts.sqliteAtStart ?? "?"})`
    : facts.sqliteAtStart === null
      ? "files (`devices/*.json`)"
      : `files (\`devices/*.json\`); an unused \`state/openclaw.sqlite\`, user_version ${facts.sqliteAtStart}`;
  const breaks = facts.breaks.length > 0 ? facts.breaks.join(", ") : "nothing";
  const requested = facts.requested.map((scope) => `\`${scope}\``).join(", ");
  const approve = facts.cliApproveError === null ? "yes" : `no: \`${facts.cliApproveError}\``;
  return `| ${facts.version} | ${store} | ${breaks} | ${requested} | ${facts.cliPairs} | ${approve} | \`${facts.closeReason}\` |`;
}
