// Removing secrets from notification text: every known secret by value, and token-shaped key=value pairs,
// bearer credentials and URL passwords by pattern. Pure.

import { cleanText } from "./clean-text.js";

const REDACTED = "[redacted]";

const PATTERNS: [RegExp, string][] = [
  // token=…, "password": "…", secret: …, api_key=… (the key is kept, the value goes)
  [
    /\b((?:device[_-]?)?token|password|passwd|secret|api[_-]?key|authorization)(["']?\s*[=:]\s*["']?)(?!\[redacted\])[^\s"',;)}&]+/gi,
    `$1$2${REDACTED}`,
  ],
  [/\b(Bearer|Basic)\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{6,}/g, `$1 ${REDACTED}`],
  // https://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, `$1${REDACTED}@`],
];

/** `text` with every secret in `secrets` (4+ characters) and every token-looking value replaced. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4 && out.includes(s)) out = out.split(s).join(REDACTED);
  for (const [re, to] of PATTERNS) out = out.replace(re, to);
  return out;
}

/** Removes known secrets and anything shaped like an OpenClaw token (32 random bytes, base64url) from text. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8 && out.includes(s)) out = out.split(s).join("[redacted]");
  return out.replace(/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g, (m) =>
    /[A-Z]/.test(m) && /[a-z]/.test(m) && /\d/.test(m) ? "[redacted]" : m,
  );
}

/** The end of a stream, redacted and without control or bidi characters, for logs and the audit log. */
export function excerpt(text: string, secrets: readonly string[], max = 600): string {
  const t = cleanText(text, Number.MAX_SAFE_INTEGER).trim();
  return redactSecrets(t.length > max ? `…${t.slice(-max)}` : t, secrets);
}
