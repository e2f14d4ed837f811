// `scope-watchdog silence CODE --for DURATION | --list | --clear CODE`: mute notifications for a finding code.
// The daemon still detects and logs muted findings; it only does not send them.

import {
  addSilence,
  clearSilence,
  listSilences,
  type StoredSilence,
  silencesPath,
} from "../actions/silences.js";
import { resolveDataDir } from "../actions/state-store.js";
import { errorMessage } from "../common/errors.js";
import { FINDING_CODES, isFindingCode } from "../common/finding-codes.js";
import { formatDuration, parseDuration } from "../config/duration.js";
import { loadConfig } from "../config/load.js";
import { EXIT, type Io, print } from "./io.js";

export interface SilenceOptions {
  for?: string;
  list?: boolean;
  clear?: string;
  json?: boolean;
  config?: string;
}

const MAX_SILENCE_MS = 365 * 86_400_000;

function until(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function left(ms: number): string {
  return formatDuration(Math.max(60_000, Math.round(ms / 60_000) * 60_000));
}

function usage(io: Io, message: string): number {
  print(io.stderr, `scope-watchdog silence: ${message}`);
  print(
    io.stderr,
    "usage: scope-watchdog silence CODE --for DURATION | --list | --clear CODE\n" +
      `codes: ${FINDING_CODES.join(", ")}`,
  );
  return EXIT.failed;
}

function asJson(s: StoredSilence, nowMs: number) {
  return {
    code: s.code,
    until: new Date(s.untilMs).toISOString(),
    remainingMs: s.untilMs - nowMs,
    createdAt: new Date(s.createdAtMs).toISOString(),
  };
}

/** Runs the silence command; exit 0 on success, 2 on bad usage or an unwritable data dir. */
export async function runSilence(code: string | undefined, opts: SilenceOptions, io: Io): Promise<number> {
  const modes = [opts.list, opts.clear !== undefined, code !== undefined].filter(Boolean).length;
  if (modes !== 1) return usage(io, "give one of CODE --for DURATION, --list or --clear CODE");
  const loaded = await loadConfig({ flag: opts.config, env: io.env, home: io.home });
  const dataDir = resolveDataDir(loaded.config.dataDir, io.env, io.home);
  const nowMs = io.now();
  try {
    if (opts.list) {
      const active = await listSilences(dataDir, nowMs);
      if (opts.json)
        print(io.stdout, JSON.stringify({ silences: active.map((s) => asJson(s, nowMs)) }, null, 2));
      else if (active.length === 0) print(io.stdout, "No finding codes are silenced.");
      else
        for (const s of active)
          print(io.stdout, `${s.code}  until ${until(s.untilMs)} (${left(s.untilMs - nowMs)} left)`);
      return EXIT.ok;
    }
    if (opts.clear !== undefined) {
      if (!isFindingCode(opts.clear)) return usage(io, `unknown finding code "${opts.clear}"`);
      const removed = await clearSilence(dataDir, opts.clear, nowMs);
      if (opts.json) print(io.stdout, JSON.stringify({ code: opts.clear, cleared: removed }));
      else
        print(
          io.stdout,
          removed ? `Notifications for ${opts.clear} are on again.` : `${opts.clear} was not silenced.`,
        );
      return EXIT.ok;
    }
    if (code === undefined || !isFindingCode(code)) return usage(io, `unknown finding code "${code ?? ""}"`);
    if (opts.for === undefined) return usage(io, "--for DURATION is required, e.g. --for 2h");
    const forMs = parseDuration(opts.for);
    if (forMs === null || forMs <= 0 || forMs > MAX_SILENCE_MS)
      return usage(
        io,
        `--for expects a duration between 1s and 365d such as "30m", "2h" or "1d", got "${opts.for}"`,
      );
    const s = await addSilence(dataDir, code, forMs, nowMs);
    if (opts.json) print(io.stdout, JSON.stringify(asJson(s, nowMs)));
    else
      print(
        io.stdout,
        `Silenced ${code} for ${formatDuration(forMs)}, until ${until(s.untilMs)}. The watchdog still detects and logs it.\nUndo: scope-watchdog silence --clear ${code}`,
      );
    return EXIT.ok;
  } catch (err) {
    print(io.stderr, `scope-watchdog silence: ${silencesPath(dataDir)}: ${errorMessage(err)}`);
    return EXIT.failed;
  }
}
