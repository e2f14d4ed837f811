// What the watchdog keeps across restarts besides the last good pairing (issue 11, item 10): the daemon's open
// incidents with the recent observations behind them, and the notification policy's state. The zod schemas
// check what is read back, so a corrupt or foreign file is set aside instead of trusted. Findings carry
// messages and fixes only; observation texts were scrubbed of secrets when they were read.

import { FINDING_CODES } from "../common/finding-codes.js";
import type { Finding, Observation, ObservationKind } from "../common/types.js";
import * as z from "../common/zod.js";
import type { Incident } from "../policy/incidents.js";
import type { NotifyState } from "../policy/notify.js";

/** The daemon's memory of one OpenClaw state directory (incidents.json, keyed by state directory). */
export interface IncidentMemory {
  /** When it was written. */
  savedAtMs: number;
  /** The open incidents by fingerprint: after a restart, one still open is not "opened" (nor notified) again. */
  open: Record<string, Incident>;
  /** The recent log and connection observations, so the findings they make survive the restart too. */
  observations: Observation[];
  /** Since when the local device's pairing has read as healthy (refusals before it were healed since). */
  healthySinceMs: number | null;
}

const severity = z.enum(["info", "warning", "critical"]);
const code = z.enum(FINDING_CODES);
const time = z.number().check(z.int(), z.gte(0));

const findingSchema = z.object({
  code,
  severity,
  message: z.string(),
  impact: z.optional(z.string()),
  deviceId: z.optional(z.string()),
  requestId: z.optional(z.string()),
  scopes: z.optional(z.array(z.string())),
  file: z.optional(z.string()),
  fix: z.optional(
    z.object({ command: z.string(), explanation: z.string(), durable: z.optional(z.string()) }),
  ),
}) satisfies z.ZodMiniType<Finding>;

const incidentSchema = z.object({
  fingerprint: z.string(),
  code,
  severity,
  openedAtMs: time,
  lastSeenAtMs: time,
  finding: findingSchema,
}) satisfies z.ZodMiniType<Incident>;

export const observationKinds = [
  "upgrade-requested",
  "pairing-required-close",
  "gateway-connect-failed",
  "pairing-resolved",
  "device-removed",
  "device-token-mismatch",
  "gateway-auth-failure",
  "connection-open",
  "connection-closed",
  "gateway-unreachable",
  "listener-untrusted",
] as const satisfies readonly ObservationKind[];
// every kind is listed: a kind added to ObservationKind but not here fails to compile (rather than making the
// daemon set its files aside)
type Unlisted = Exclude<ObservationKind, (typeof observationKinds)[number]>;
const everyKindListed: [Unlisted] extends [never] ? true : false = true;
void everyKindListed;

const observationSchema = z.object({
  kind: z.enum(observationKinds),
  source: z.enum(["log", "connection"]),
  atMs: time,
  deviceId: z.optional(z.string()),
  requestId: z.optional(z.string()),
  reason: z.optional(z.string()),
  scopes: z.optional(z.array(z.string())),
  scopesFrom: z.optional(z.array(z.string())),
  clientId: z.optional(z.string()),
  code: z.optional(z.number().check(z.int())),
  closeReason: z.optional(z.string()),
  text: z.string(),
}) satisfies z.ZodMiniType<Observation>;

export const incidentMemorySchema = z.object({
  savedAtMs: time,
  open: z.record(z.string(), incidentSchema),
  observations: z.array(observationSchema),
  healthySinceMs: z.nullable(time),
}) satisfies z.ZodMiniType<IncidentMemory>;

const memberSchema = z.object({ fingerprint: z.string(), code, severity, finding: findingSchema });

const causeSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("approved"), requestId: z.string(), scopes: z.array(z.string()) }),
  z.object({ kind: z.literal("scopes-restored"), scopes: z.array(z.string()) }),
  z.object({ kind: z.literal("cleared") }),
]);

const groupSchema = z.object({
  key: z.string(),
  members: z.record(z.string(), memberSchema),
  lastMembers: z.array(memberSchema),
  openedAtMs: time,
  resolvedAtMs: z.nullable(time),
  cause: z.nullable(causeSchema),
  notified: z.boolean(),
  peakSentSeverity: z.nullable(severity),
  lastSentAtMs: z.nullable(time),
  sentRequest: z.boolean(),
  requestSinceMs: z.nullable(time),
  risingSinceMs: z.nullable(time),
  transitionsMs: z.array(time),
  lastTransitionMs: z.nullable(time),
  flapping: z.nullable(z.object({ sinceMs: time, notified: z.boolean() })),
  lastSuppressed: z.nullable(z.string()),
});

export const notifyStateSchema = z.object({
  groups: z.record(z.string(), groupSchema),
  sentAtMs: z.array(time),
  held: z.nullable(
    z.object({ count: z.number().check(z.int(), z.gt(0)), sinceMs: time, severity, codes: z.array(code) }),
  ),
}) satisfies z.ZodMiniType<NotifyState>;
