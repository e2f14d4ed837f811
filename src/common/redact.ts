// The one redaction module. Every output of the watchdog (its log, the audit log, notifications on every channel,
// the status socket and `status`, metrics, the state files it writes, the CLI's stdout and stderr and its error
// messages) passes through `redact`, and the secrets are registered where they are read: the gateway token and
// password (openclaw.json or the environment, through `new Secret`), device tokens (device-auth.json, paired.json),
// the Telegram bot token and the webhook and ntfy URLs (the config). Pure apart from the registry it keeps.
//
// What goes:
// - every registered secret, in raw form, JSON-escaped (once and twice: a JSON text inside a JSON log line),
//   URL-encoded and form-encoded. A secret of MIN_ANYWHERE_CHARS or more is removed wherever it occurs; a
//   shorter one (down to one character) only where it stands alone, not touching a letter or digit on either side,
//   so a 3-character password is still removed from `password=abc` or `"abc"` without cutting words that contain it;
// - credentials by pattern: `token=…`, `"password": "…"`, `secret: …`, `api_key=…`, `Authorization: …`,
//   bearer and basic credentials, and the password of `scheme://user:password@host`;
// - with `shapes`, token-shaped values: OpenClaw's tokens (32 random bytes as base64url: 43 characters with upper
//   and lower case and digits; 24 bytes as hex: 48 characters). Public keys have the very same shape, so shapes
//   apply to text from outside and text for people (CLI output excerpts, log lines, notifications, the audit log),
//   not to the status report and the watchdog's state files, which keep the public keys they compare.

import { cleanText } from "./clean-text.js";

export const REDACTED = "[redacted]";

/** Secrets at least this long are removed wherever they occur; shorter ones only where they stand alone. */
export const MIN_ANYWHERE_CHARS = 8;

/** The most secrets the registry keeps (the most recently read; a rotated device token ages out). */
export const MAX_SECRETS = 512;

/** A secret as it is held: its value, or a holder (common/secret.ts) that reveals it. */
export type KnownSecret = string | { reveal(): string };

export interface RedactOptions {
  /** Secrets to remove besides the registered ones (they are registered too). */
  extra?: readonly (KnownSecret | null | undefined)[];
  /** Also remove token-shaped values (see the header). */
  shapes?: boolean;
}

const CREDENTIAL_PATTERNS: [RegExp, string][] = [
  // bearer and basic credentials first: `Authorization: Bearer x` would otherwise lose only the word "Bearer"
  [/\b(Bearer|Basic)\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  // token=…, "password": "…", secret: …, api_key=… (the key is kept, the value goes)
  [
    /\b((?:device[_-]?)?token|password|passwd|secret|api[_-]?key|authorization)(["']?\s*[=:]\s*["']?)(?!\[redacted\])[^\s"',;)}&]+/gi,
    `$1$2${REDACTED}`,
  ],
  // scheme://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, `$1${REDACTED}@`],
];

const TOKEN_SHAPES: RegExp[] = [
  /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g,
  /(?<![A-Za-z0-9])[0-9a-f]{48}(?![A-Za-z0-9])/g,
];

function tokenLike(run: string): boolean {
  if (/^[0-9a-f]{48}$/.test(run)) return /[a-f]/.test(run) && /\d/.test(run);
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run);
}

function reveal(s: KnownSecret): string {
  return typeof s === "string" ? s : s.reveal();
}

/** The forms in which `value` can appear in an output. */
export function secretForms(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const forms = new Set([
    value,
    json,
    JSON.stringify(json).slice(1, -1),
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
  ]);
  return [...forms].filter((f) => f.length > 0);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

interface Compiled {
  /** Forms removed wherever they occur, longest first. */
  anywhere: string[];
  /** Short forms, removed where they stand alone; null when there are none. */
  alone: RegExp | null;
}

export class Redactor {
  // insertion order is recency: a secret read again moves to the end, the oldest goes first
  readonly #secrets = new Map<string, true>();
  #compiled: Compiled | null = null;

  /** Registers a secret (empty and missing values are ignored). */
  add(secret: KnownSecret | null | undefined): void {
    if (secret === null || secret === undefined) return;
    const value = reveal(secret);
    if (value === "" || value === REDACTED) return;
    if (this.#secrets.has(value)) {
      this.#secrets.delete(value);
      this.#secrets.set(value, true);
      return;
    }
    this.#secrets.set(value, true);
    while (this.#secrets.size > MAX_SECRETS) {
      const oldest = this.#secrets.keys().next().value;
      if (oldest === undefined) break;
      this.#secrets.delete(oldest);
    }
    this.#compiled = null;
  }

  /** How many secrets are registered. */
  get size(): number {
    return this.#secrets.size;
  }

  /** Forgets every secret (tests). */
  clear(): void {
    this.#secrets.clear();
    this.#compiled = null;
  }

  #compile(): Compiled {
    if (this.#compiled) return this.#compiled;
    const anywhere = new Set<string>();
    const alone = new Set<string>();
    for (const value of this.#secrets.keys())
      for (const form of secretForms(value)) (form.length >= MIN_ANYWHERE_CHARS ? anywhere : alone).add(form);
    const byLength = (a: string, b: string) => b.length - a.length;
    const short = [...alone].sort(byLength);
    this.#compiled = {
      anywhere: [...anywhere].sort(byLength),
      alone:
        short.length > 0
          ? new RegExp(`(?<![A-Za-z0-9])(?:${short.map(escapeRegExp).join("|")})(?![A-Za-z0-9])`, "g")
          : null,
    };
    return this.#compiled;
  }

  /** `text` without any registered secret, credential pattern and (with `shapes`) token-shaped value. */
  redact(text: string, o: RedactOptions = {}): string {
    for (const s of o.extra ?? []) this.add(s);
    const { anywhere, alone } = this.#compile();
    let out = text;
    for (const form of anywhere) if (out.includes(form)) out = out.split(form).join(REDACTED);
    if (alone) out = out.replace(alone, REDACTED);
    for (const [re, to] of CREDENTIAL_PATTERNS) out = out.replace(re, to);
    if (o.shapes)
      for (const re of TOKEN_SHAPES) out = out.replace(re, (run) => (tokenLike(run) ? REDACTED : run));
    return out;
  }

  /** Only the registered secrets (and `extra`) removed: for the watchdog's state files, which keep their keys. */
  redactKnown(text: string, extra: readonly (KnownSecret | null | undefined)[] = []): string {
    for (const s of extra) this.add(s);
    const { anywhere, alone } = this.#compile();
    let out = text;
    for (const form of anywhere) if (out.includes(form)) out = out.split(form).join(REDACTED);
    if (alone) out = out.replace(alone, REDACTED);
    return out;
  }
}

/** The process's registry: everything that reads a secret registers it here, every output redacts through it. */
export const redactor = new Redactor();

/** Registers a secret with the process's redactor. */
export function registerSecret(secret: KnownSecret | null | undefined): void {
  redactor.add(secret);
}

/** `text` through the process's redactor. */
export function redact(text: string, o: RedactOptions = {}): string {
  return redactor.redact(text, o);
}

/** The end of a stream (CLI output), redacted before it is cut and without control or bidi characters. */
export function excerpt(text: string, secrets: readonly KnownSecret[] = [], max = 600): string {
  const t = redact(cleanText(text, Number.MAX_SAFE_INTEGER).trim(), { extra: secrets, shapes: true });
  if (t.length <= max) return t;
  const tail = t.slice(-max);
  // never start inside a surrogate pair (a lone half is not a character)
  const first = tail.charCodeAt(0);
  return `…${first >= 0xdc00 && first <= 0xdfff ? tail.slice(1) : tail}`;
}

/**
 * Registers the secret parts of a URL whose path or query acts as a password (a webhook, an ntfy topic): the
 * whole URL, its password, and its path (without the leading slash) and query values of MIN_ANYWHERE_CHARS or
 * more (a shorter one guards nothing, and removing a word like "hook" from every output would garble it).
 */
export function registerUrlSecret(url: string | null | undefined): void {
  if (!url) return;
  redactor.add(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return;
  }
  redactor.add(u.password ? decodeURIComponent(u.password) : null);
  const long = (v: string) => (v.length >= MIN_ANYWHERE_CHARS ? v : null);
  const p = u.pathname.replace(/^\/+/, "");
  redactor.add(long(p));
  redactor.add(long(safeDecode(p)));
  for (const v of u.searchParams.values()) redactor.add(long(v));
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
