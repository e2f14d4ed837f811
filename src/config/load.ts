// Finding and reading the watchdog's config file; errors name the file, the field and what was expected. The
// schema (zod) is loaded only when there is a file to validate: without one, `check` never loads it.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { cleanField } from "../common/clean-text.js";
import { errorMessage } from "../common/errors.js";
import { parseJson5 } from "../common/json5.js";
import { registerSecret, registerUrlSecret } from "../common/redact.js";
import { defaultConfig } from "./defaults.js";
import type { Config } from "./schema.js";

export const APP_NAME = "openclaw-scope-watchdog";
const MAX_CONFIG_BYTES = 1024 * 1024;

export interface ConfigIssue {
  /** Dotted path of the field, e.g. "openclaw.profile"; "" for the whole file. */
  field: string;
  message: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(
      issues.length === 1 && issues[0]?.field === ""
        ? `${file}: ${issues[0].message}`
        : `${file}: invalid configuration:\n${issues.map((i) => `  ${i.field || "(file)"}: ${i.message}`).join("\n")}`,
    );
  }
}

export type ConfigSource = "--config" | "SCOPE_WATCHDOG_CONFIG" | "XDG_CONFIG_HOME" | "defaults";

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or null for built-in defaults. */
  file: string | null;
  source: ConfigSource;
}

/** Reads and validates one config file; throws ConfigError naming the file and each bad field. */
export async function readConfigFile(file: string): Promise<Config> {
  let text: string;
  try {
    const buf = await readFile(file);
    if (buf.length > MAX_CONFIG_BYTES)
      throw new ConfigError(file, [{ field: "", message: "file is larger than 1 MiB" }]);
    text = buf.toString("utf8");
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "file not found"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "is a directory, expected a JSON file"
            : String(errorMessage(err));
    throw new ConfigError(file, [{ field: "", message: why }]);
  }
  let raw: unknown;
  try {
    raw = await parseJson5(text);
  } catch (err) {
    // JSON5's message quotes the offending character: cleaned, it can be a control or bidi character
    throw new ConfigError(file, [
      { field: "", message: `not valid JSON: ${cleanField(errorMessage(err), 200)}` },
    ]);
  }
  const { validateConfig } = await import("./validate.js");
  const v = validateConfig(raw);
  if (!v.ok) throw new ConfigError(file, v.issues);
  registerConfigSecrets(v.config);
  return v.config;
}

/** The config's secrets, registered with the one redactor: the bot token and the URLs that act as passwords. */
function registerConfigSecrets(c: Config): void {
  registerSecret(c.notify.telegram.botToken);
  registerUrlSecret(c.notify.ntfy.url);
  registerUrlSecret(c.notify.webhook.url);
}

export function xdgConfigFile(env: NodeJS.ProcessEnv, home: string): string {
  const base = env.XDG_CONFIG_HOME?.trim() || path.join(home, ".config");
  return path.join(base, APP_NAME, "config.json");
}

/**
 * The config in effect: --config FILE, else $SCOPE_WATCHDOG_CONFIG, else
 * $XDG_CONFIG_HOME/openclaw-scope-watchdog/config.json if it exists, else the defaults.
 */
export async function loadConfig(opts: {
  flag?: string | undefined;
  env: NodeJS.ProcessEnv;
  home: string;
}): Promise<LoadedConfig> {
  if (opts.flag)
    return {
      config: await readConfigFile(path.resolve(opts.flag)),
      file: path.resolve(opts.flag),
      source: "--config",
    };
  const fromEnv = opts.env.SCOPE_WATCHDOG_CONFIG?.trim();
  if (fromEnv) {
    const file = path.resolve(fromEnv);
    return { config: await readConfigFile(file), file, source: "SCOPE_WATCHDOG_CONFIG" };
  }
  const xdg = xdgConfigFile(opts.env, opts.home);
  try {
    return { config: await readConfigFile(xdg), file: xdg, source: "XDG_CONFIG_HOME" };
  } catch (err) {
    if (err instanceof ConfigError && err.issues[0]?.message === "file not found") {
      return { config: defaultConfig(), file: null, source: "defaults" };
    }
    throw err;
  }
}
