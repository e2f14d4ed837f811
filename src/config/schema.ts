// The watchdog's configuration: one zod schema with defaults; the JSON Schema for editors is generated from it.

import { createRequire } from "node:module";
import * as z from "zod";
import { notifySchema } from "./schema-notify.js";
import { duration } from "./schema-parts.js";
import { remediationSchema } from "./schema-remediation.js";
import { metricsSchema, statusSchema } from "./schema-service.js";

/** croner's own parser (the one that runs the schedule), loaded only when a file sets a schedule. */
function validCron(expr: string): boolean {
  const { Cron } = createRequire(import.meta.url)("croner") as typeof import("croner");
  try {
    new Cron(expr, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

const scopeName = z
  .string()
  .regex(/^[a-z][a-z0-9_.-]*$/, "a scope name such as operator.admin")
  .describe("An OpenClaw scope, e.g. operator.admin");

const nullablePath = (description: string) =>
  z.string().min(1).nullable().default(null).describe(description);

export const openclawSchema = z
  .object({
    stateDir: nullablePath(
      "OpenClaw's state directory. null: resolved like OpenClaw does (OPENCLAW_STATE_DIR, profile, ~/.openclaw, legacy ~/.clawdbot).",
    ),
    profile: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'a profile name (letters, numbers, "_", "-")')
      .nullable()
      .default(null)
      .describe("OpenClaw profile (openclaw --profile NAME uses ~/.openclaw-NAME). null: none."),
    configPath: nullablePath(
      "OpenClaw's openclaw.json. null: OPENCLAW_CONFIG_PATH, else <stateDir>/openclaw.json.",
    ),
    bin: nullablePath("The openclaw executable. null: `openclaw` on PATH."),
    logFile: nullablePath(
      "The gateway's log file (a YYYY-MM-DD placeholder follows the daily files). null: logging.file from openclaw.json (honoured from OpenClaw 2026.4.25), else /tmp/openclaw/openclaw-YYYY-MM-DD.log (profile-named from 2026.8.1).",
    ),
    instances: z
      .array(
        z
          .string()
          .min(1)
          .regex(
            /^(?:[A-Za-z0-9_-]+|[~./].*)$/,
            'a profile name, or a state directory starting with "/", "~" or "."',
          ),
      )
      .min(1)
      .nullable()
      .default(null)
      .describe(
        'The OpenClaw states to watch, each a profile name ("default", "work") or a state directory ("~/.openclaw-work"). null: with no stateDir or profile set, every one on this machine: the default state dir and every ~/.openclaw-<profile> that holds openclaw.json or identity/, picked up as they appear.',
      ),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional().describe("JSON Schema reference for editors; ignored by the watchdog."),
    openclaw: openclawSchema.prefault({}).describe("Where OpenClaw is on this machine."),
    requiredScopes: z
      .array(scopeName)
      .min(1)
      .nullable()
      .default(null)
      .describe(
        "Scopes the local device's approved baseline must satisfy. null: by OpenClaw version (operator.admin before 2026.4.25, else operator.approvals, operator.read, operator.write).",
      ),
    dataDir: nullablePath(
      "Where the watchdog keeps its own state, so a restart forgets nothing: the last good pairing, log offsets, open incidents, notification state, silences, the audit log, its device identity. null: $XDG_STATE_HOME/openclaw-scope-watchdog (~/.local/state/openclaw-scope-watchdog).",
    ),
    reconcile: z
      .object({
        schedule: z
          .string()
          .refine((expr) => validCron(expr), 'a cron expression such as "*/5 * * * *"')
          .default("*/5 * * * *")
          .describe(
            "When to re-read everything as a safety net behind the file, log and connection events (cron syntax, optional seconds field).",
          ),
      })
      .strict()
      .prefault({})
      .describe("The periodic full reconcile."),
    watch: z
      .object({
        debounce: duration("How long to gather file events before re-reading the pairing state.").prefault(
          "75ms",
        ),
        polling: z
          .enum(["auto", "always", "never"])
          .default("auto")
          .describe(
            "Poll files instead of inotify. auto: poll on WSL paths under /mnt/, which get no change events (microsoft/WSL#4739).",
          ),
        pollInterval: duration("How often to poll when polling.").prefault("1s"),
      })
      .strict()
      .prefault({})
      .describe("Watching OpenClaw's state files."),
    connection: z
      .object({
        enabled: z
          .union([z.literal("auto"), z.boolean()])
          .default("auto")
          .describe(
            "The watchdog's own gateway connection (live pairing events and close codes). auto: only once `scope-watchdog pair` has created the watchdog's device identity, so the daemon never pairs a device on its own.",
          ),
        url: z
          .string()
          .regex(
            /^wss?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/.*)?$/,
            "a loopback WebSocket URL such as ws://127.0.0.1:18789",
          )
          .nullable()
          .default(null)
          .describe("The gateway URL. null: ws://127.0.0.1:<gateway.port from openclaw.json>."),
        handshakeTimeout: duration("From opening the socket to the gateway's hello-ok.").prefault("10s"),
      })
      .strict()
      .prefault({})
      .describe("The watchdog's own connection to the gateway, under its own device identity."),
    detect: z
      .object({
        closeWindow: duration(
          "How long a refused connection seen in the log or on the watchdog's own connection counts as an open problem.",
        ).prefault("10m"),
        logReplayWindow: duration(
          "Log lines older than this, read while catching up after a restart, are recorded but not raised as new incidents.",
        ).prefault("2m"),
        minInterval: duration(
          "The shortest time between the starts of two evaluations: events that arrive sooner (a flood of file changes or log lines) are merged into one evaluation of the latest state, and the last one is always evaluated.",
        ).prefault("50ms"),
      })
      .strict()
      .prefault({})
      .describe("Detection windows and pacing."),
    notify: notifySchema
      .prefault({})
      .describe(
        "Desktop and network notifications: when (grouping, repeats, flapping, silences, rate limit) and through which channels.",
      ),
    remediation: remediationSchema
      .prefault({})
      .describe("Healing a scope regression through OpenClaw's own CLI: off (notify) unless you opt in."),
    status: statusSchema.prefault({}).describe("The local status endpoint `scope-watchdog status` asks."),
    metrics: metricsSchema
      .prefault({})
      .describe("The optional Prometheus endpoint for fleets (off by default)."),
    log: z
      .object({
        level: z
          .enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"])
          .default("info")
          .describe("Daemon log level (pino)."),
        format: z
          .enum(["auto", "json", "pretty"])
          .default("auto")
          .describe("auto: readable lines on a terminal, JSON lines otherwise (journald)."),
      })
      .strict()
      .prefault({})
      .describe("The daemon's own log."),
  })
  .strict();

/** The configuration as written in a file (durations as text). */
export type ConfigInput = z.input<typeof configSchema>;
/** The configuration after defaults and normalisation (durations in milliseconds). */
export type Config = z.output<typeof configSchema>;

/** JSON Schema (draft 2020-12) of the file format, for editor completion. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}
