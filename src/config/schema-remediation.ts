// The `remediation` section of the config: when and how far the watchdog may heal a scope regression itself.

import { CLI_DEFAULT_SCOPES_2026_4 } from "../common/scopes.js";
import * as z from "../common/zod.js";
import { described, duration, lazySchema, orNull } from "./schema-parts.js";

/**
 * Every operator scope OpenClaw knows (2026.4.20: src/gateway/operator-scopes.ts; 2026.9.6 adds
 * operator.questions and operator.talk). The allow-list can name only these: plugin scopes, node scopes and
 * unknown operator.* scopes are never granted automatically (reference §13.5).
 */
export const KNOWN_OPERATOR_SCOPES = [
  ...CLI_DEFAULT_SCOPES_2026_4,
  "operator.questions",
  "operator.talk",
] as const;

export const remediationPolicies = ["notify", "approve-local", "repair"] as const;
export type RemediationPolicy = (typeof remediationPolicies)[number];

/** The `remediation` section's schema, built on first use. */
export const remediationSchema = lazySchema(() =>
  described(
    z
      .strictObject({
        policy: described(
          z._default(z.enum(remediationPolicies), "notify"),
          "notify: explain and notify only, change nothing. approve-local: approve this machine's own pending scope-upgrade request (same device id and public key, loopback, operator role, CLI or gateway-client, nothing outside allowScopes) through `openclaw devices approve`, then verify. repair: like approve-local, and when the device lacks required scopes but has no pending request, make OpenClaw create one (one `openclaw devices list --json` on 2026.4.x before 4.27) and approve it under the same guards.",
        ),
        allowScopes: described(
          z._default(z.array(z.enum(KNOWN_OPERATOR_SCOPES)), []),
          "The only scopes the watchdog may grant, by exact name (operator.admin here does not let it grant other scopes). A request asking for anything else is refused as a whole, never partly approved. Required (non-empty) for approve-local and repair. On 2026.4.18 to 4.24 list all six CLI default scopes (operator.admin, operator.read, operator.write, operator.approvals, operator.pairing, operator.talk.secrets): subagents (sessions_spawn) and cron need operator.admin there, and every `openclaw devices` call merges the CLI's full default scope set into the device's pending request, so a shorter list makes the watchdog refuse the request it would have to approve.",
        ),
        dryRun: described(
          z._default(z.boolean(), false),
          "Decide and explain, but run nothing and change nothing (like `scope-watchdog fix --dry-run`).",
        ),
        maxPerHour: described(
          z._default(z.number().check(z.int(), z.gte(1), z.lte(60)), 3),
          "At most this many approvals or re-pair requests per hour; beyond it the watchdog notifies instead.",
        ),
        backoff: described(
          z.prefault(
            z.strictObject({
              initial: z.prefault(duration("Wait after a failed attempt before the next one."), "1m"),
              max: z.prefault(
                duration("The longest wait; the wait doubles after each failure in a row up to this."),
                "30m",
              ),
            }),
            {},
          ),
          "Waiting between attempts that did not heal the device; reset by a verified heal.",
        ),
        killSwitchFile: described(
          orNull(z.string().check(z.minLength(1))),
          "While this file exists the watchdog approves and requests nothing (it still detects and notifies); a file it cannot examine counts as existing. The watchdog creates it itself, with the reason as JSON, when an approval changed more than it approved (finding remediation-halted). null: <dataDir>/disable-remediation.",
        ),
        regressionWindow: z.prefault(
          duration(
            "When the same device loses its scopes again this soon after the watchdog healed it, it is not healed again but escalated to you: something keeps re-pairing it narrowly (a status probe, a second profile, a client started before an upgrade).",
          ),
          "30m",
        ),
        cliTimeout: z.prefault(
          duration(
            "Hard limit for one `openclaw devices …` command; then SIGTERM, and SIGKILL 3 s later. An approve that printed its result and then hangs is killed and checked by re-reading the pairing state.",
          ),
          "30s",
        ),
        maxRetries: described(
          z._default(z.number().check(z.int(), z.gte(0), z.lte(10)), 3),
          'How often to list again and retry when `openclaw devices approve` answers "unknown requestId" because another client reconnected and the request got a new id (every guard is checked again on the new request).',
        ),
        expiryMargin: z.prefault(
          duration(
            "A pending request is left alone when it expires (OpenClaw's 5-minute TTL) within this margin, so the approval cannot race its expiry.",
          ),
          "30s",
        ),
      })
      .check(
        z.superRefine((v, ctx) => {
          if (v.policy !== "notify" && v.allowScopes.length === 0) {
            ctx.addIssue({
              code: "custom",
              path: ["allowScopes"],
              message: `expected a non-empty list of scopes when policy is "${v.policy}": the watchdog grants nothing outside it (for 2026.4.18 to 4.24: operator.admin, operator.read, operator.write, operator.approvals, operator.pairing, operator.talk.secrets)`,
            });
          }
        }),
      ),
    "Healing a scope regression automatically. Off (notify) unless you opt in; even then it only approves this machine's own device, within allowScopes, within the bounds below (kept in <dataDir>/remediation-ledger.json), one pass at a time per OpenClaw state, verifies what each approval changed, and writes every step to <dataDir>/audit.jsonl (rotated at 5 MiB).",
  ),
);

/** The section as written in a file (durations as text). */
export type RemediationConfigInput = z.input<ReturnType<typeof remediationSchema>>;
/** The section after defaults (durations in milliseconds). */
export type RemediationConfig = z.output<ReturnType<typeof remediationSchema>>;

/** The section's defaults: policy notify, nothing allowed. */
export function defaultRemediationConfig(): RemediationConfig {
  return remediationSchema().parse({});
}
