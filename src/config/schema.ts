// The watchdog's configuration: one zod schema with defaults; the JSON Schema for editors is generated from it.

import { createRequire } from "node:module";
import * as z from "../common/zod.js";
import { DEFAULT_SCHEDULE } from "./defaults.js";
import { notifySchema } from "./schema-notify.js";
import { described, duration, lazySchema, orNull } from "./schema-parts.js";
import { remediationSchema } from "./schema-remediation.js";
import { metricsSchema, statusSchema } from "./schema-service.js";

/**
 * croner's own parser (the one that runs the schedule), loaded only when a file sets a schedule other than the
 * built-in one (which is known good: loading croner costs `check --config` about 9 ms).
 */
function validCron(expr: string): boolean {
  if (expr === DEFAULT_SCHEDULE) return true;
  const { Cron } = createRequire(import.meta.url)("croner") as typeof import("croner");
  try {
    new Cron(expr, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

const scopeName = () =>
  described(
    z.string().check(z.regex(/^[a-z][a-z0-9_.-]*$/, "a scope name such as operator.admin")),
    "An OpenClaw scope, e.g. operator.admin",
  );

const nullablePath = (description: string) =>
  described(orNull(z.string().check(z.minLength(1))), description);

/** A top-level section: its object (every field has a default), `{}` when the file leaves it out, described. */
const section = <T extends z.ZodMiniType>(schema: T, description: string) =>
  described(z.prefault(schema, {} as z.input<T>), description);

/** The `openclaw` section's schema, built on first use. */
export const openclawSchema = lazySchema(() =>
  z.strictObject({
    stateDir: nullablePath(
      "OpenClaw's state directory. null: resolved like OpenClaw does (OPENCLAW_STATE_DIR, profile, ~/.openclaw, legacy ~/.clawdbot).",
    ),
    profile: described(
      orNull(z.string().check(z.regex(/^[A-Za-z0-9_-]+$/, 'a profile name (letters, numbers, "_", "-")'))),
      "OpenClaw profile (openclaw --profile NAME uses ~/.openclaw-NAME). null: none.",
    ),
    configPath: nullablePath(
      "OpenClaw's openclaw.json. null: OPENCLAW_CONFIG_PATH, else <stateDir>/openclaw.json.",
    ),
    bin: nullablePath("The openclaw executable. null: `openclaw` on PATH."),
    logFile: nullablePath(
      "The gateway's log file (a YYYY-MM-DD placeholder follows the daily files). null: logging.file from openclaw.json (honoured from OpenClaw 2026.4.25), else /tmp/openclaw/openclaw-YYYY-MM-DD.log (profile-named from 2026.8.1).",
    ),
    instances: described(
      orNull(
        z
          .array(
            z
              .string()
              .check(
                z.minLength(1),
                z.regex(
                  /^(?:[A-Za-z0-9_-]+|[~./].*)$/,
                  'a profile name, or a state directory starting with "/", "~" or "."',
                ),
              ),
          )
          .check(z.minLength(1)),
      ),
      'The OpenClaw states to watch, each a profile name ("default", "work") or a state directory ("~/.openclaw-work"). null: with no stateDir or profile set, every one on this machine: the default state dir and every ~/.openclaw-<profile> that holds openclaw.json or identity/, picked up as they appear.',
    ),
  }),
);

/**
 * The file's top-level sections, in the order zod reports them, each built on first use: a file is validated
 * against the sections it sets (`fileSchema`), the ones it leaves out are the defaults (defaults.ts).
 */
const SECTIONS = {
  $schema: () =>
    described(z.optional(z.string()), "JSON Schema reference for editors; ignored by the watchdog."),
  openclaw: () => section(openclawSchema(), "Where OpenClaw is on this machine."),
  requiredScopes: () =>
    described(
      orNull(z.array(scopeName()).check(z.minLength(1))),
      "Scopes the local device's approved baseline must satisfy. null: by OpenClaw version (operator.admin before 2026.4.25, else operator.approvals, operator.read, operator.write).",
    ),
  dataDir: () =>
    nullablePath(
      "Where the watchdog keeps its own state, so a restart forgets nothing: the last good pairing, log offsets, open incidents, notification state, silences, the audit log, its device identity. null: $XDG_STATE_HOME/openclaw-scope-watchdog (~/.local/state/openclaw-scope-watchdog).",
    ),
  reconcile: () =>
    section(
      z.strictObject({
        schedule: described(
          z._default(
            z.string().check(z.refine((expr) => validCron(expr), 'a cron expression such as "*/5 * * * *"')),
            DEFAULT_SCHEDULE,
          ),
          "When to re-read everything as a safety net behind the file, log and connection events (cron syntax, optional seconds field).",
        ),
      }),
      "The periodic full reconcile.",
    ),
  watch: () =>
    section(
      z.strictObject({
        debounce: z.prefault(
          duration("How long to gather file events before re-reading the pairing state."),
          "75ms",
        ),
        polling: described(
          z._default(z.enum(["auto", "always", "never"]), "auto"),
          "Poll files instead of inotify. auto: poll on WSL paths under /mnt/, which get no change events (microsoft/WSL#4739).",
        ),
        pollInterval: z.prefault(duration("How often to poll when polling."), "1s"),
      }),
      "Watching OpenClaw's state files.",
    ),
  connection: () =>
    section(
      z.strictObject({
        enabled: described(
          z._default(z.union([z.literal("auto"), z.boolean()]), "auto"),
          "The watchdog's own gateway connection (live pairing events and close codes). auto: only once `scope-watchdog pair` has created the watchdog's device identity, so the daemon never pairs a device on its own.",
        ),
        url: described(
          orNull(
            z
              .string()
              .check(
                z.regex(
                  /^wss?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/.*)?$/,
                  "a loopback WebSocket URL such as ws://127.0.0.1:18789",
                ),
              ),
          ),
          "The gateway URL. null: ws://127.0.0.1:<gateway.port from openclaw.json>.",
        ),
        handshakeTimeout: z.prefault(duration("From opening the socket to the gateway's hello-ok."), "10s"),
      }),
      "The watchdog's own connection to the gateway, under its own device identity.",
    ),
  detect: () =>
    section(
      z.strictObject({
        closeWindow: z.prefault(
          duration(
            "How long a refused connection seen in the log or on the watchdog's own connection counts as an open problem.",
          ),
          "10m",
        ),
        logReplayWindow: z.prefault(
          duration(
            "Log lines older than this, read while catching up after a restart, are recorded but not raised as new incidents.",
          ),
          "2m",
        ),
        minInterval: z.prefault(
          duration(
            "The shortest time between the starts of two evaluations: events that arrive sooner (a flood of file changes or log lines) are merged into one evaluation of the latest state, and the last one is always evaluated.",
          ),
          "50ms",
        ),
      }),
      "Detection windows and pacing.",
    ),
  notify: () =>
    section(
      notifySchema(),
      "Desktop and network notifications: when (grouping, repeats, flapping, silences, rate limit) and through which channels.",
    ),
  remediation: () =>
    section(
      remediationSchema(),
      "Healing a scope regression through OpenClaw's own CLI: off (notify) unless you opt in.",
    ),
  status: () => section(statusSchema(), "The local status endpoint `scope-watchdog status` asks."),
  metrics: () => section(metricsSchema(), "The optional Prometheus endpoint for fleets (off by default)."),
  log: () =>
    section(
      z.strictObject({
        level: described(
          z._default(z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]), "info"),
          "Daemon log level (pino).",
        ),
        format: described(
          z._default(z.enum(["auto", "json", "pretty"]), "auto"),
          "auto: readable lines on a terminal, JSON lines otherwise (journald).",
        ),
      }),
      "The daemon's own log.",
    ),
};

type Sections = { [K in keyof typeof SECTIONS]: ReturnType<(typeof SECTIONS)[K]> };
const SECTION_KEYS = Object.keys(SECTIONS) as (keyof typeof SECTIONS)[];

function shapeOf<K extends keyof typeof SECTIONS>(keys: readonly K[]): Pick<Sections, K> {
  return Object.fromEntries(keys.map((k) => [k, SECTIONS[k]()])) as Pick<Sections, K>;
}

/** The whole file's schema, every section: the JSON Schema for editors, the types, and the defaults' test. */
export const configSchema = lazySchema(() => z.strictObject(shapeOf(SECTION_KEYS)));

/**
 * The schema a parsed file is validated against: strict like `configSchema`, with only the sections the file sets
 * (validating a one-section file builds one section). What it leaves out is the defaults: test/unit/config.test.ts
 * holds defaults.ts equal to what `configSchema` makes of `{}`, and the property test the two ways equal on any file.
 */
export function fileSchema(raw: unknown): z.ZodMiniType<Partial<Config>> {
  const set =
    typeof raw === "object" && raw !== null && !Array.isArray(raw)
      ? SECTION_KEYS.filter((k) => Object.hasOwn(raw, k))
      : [];
  return z.strictObject(shapeOf(set)) as z.ZodMiniType<Partial<Config>>;
}

/** The configuration as written in a file (durations as text). */
export type ConfigInput = z.input<ReturnType<typeof configSchema>>;
/** The configuration after defaults and normalisation (durations in milliseconds). */
export type Config = z.output<ReturnType<typeof configSchema>>;

/** JSON Schema (draft 2020-12) of the file format, for editor completion. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema(), { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}
