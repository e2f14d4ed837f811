// Text that came from outside (display names, client ids, platforms, CLI output, reasons quoting them) made
// safe to store and show: control characters, bidirectional overrides, invisible characters and lone surrogates
// removed (free text) or replaced (fields that are compared too), length capped, and in structured values every
// string and every list bounded. Pure.

/** C0 controls but tab and newline, DEL and C1, Arabic letter mark, zero-width and bidi controls, BOM. */
const UNSAFE_CHARS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
/** Half of a surrogate pair without its other half: not a character at all. */
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function cut(clean: string, maxChars: number): string {
  if (clean.length <= maxChars) return clean;
  let head = clean.slice(0, Math.max(0, maxChars - 1));
  const last = head.charCodeAt(head.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  return `${head}…`;
}

/** `text` without unsafe characters, at most `maxChars` long (cut with "…", never inside a surrogate pair). */
export function cleanText(text: string, maxChars: number): string {
  return cut(text.replace(UNSAFE_CHARS, "").replace(LONE_SURROGATES, ""), maxChars);
}

/**
 * A field that is compared as well as shown (client id, client mode, platform, scopes, remoteIp …): every unsafe
 * character becomes U+FFFD instead of disappearing, so `cli\u200b` never turns into the `cli` a guard accepts and
 * an invisible remoteIp never into an empty one. One line: tab and newline are replaced too (a display name must
 * not start a line of its own in `check`). Cut like cleanText (a cut value ends in "…", matching nothing).
 */
export function cleanField(text: string, maxChars: number): string {
  return cut(
    text
      .replace(UNSAFE_CHARS, "\ufffd")
      .replace(LONE_SURROGATES, "\ufffd")
      .replace(/[\t\n]/g, "\ufffd"),
    maxChars,
  );
}

/** `text` with every unsafe character written as a \uXXXX escape: shows a value as it is, safely (config errors). */
export function escapeUnsafe(text: string): string {
  const hex = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  return text
    .replace(UNSAFE_CHARS, hex)
    .replace(LONE_SURROGATES, hex)
    .replace(/[\t\n]/g, hex);
}

/** Whether `text` holds a character cleanField would replace (tab and newline included). */
export function hasUnsafeChars(text: string): boolean {
  return cleanField(text, Number.POSITIVE_INFINITY) !== text;
}

export interface CleanLimits {
  /** Longest string kept. */
  maxChars: number;
  /** Most list items kept; the rest are counted in one last item. */
  maxItems: number;
}

/** A copy of a JSON-like value with every string cleaned and every list capped (object keys are ours). */
export function cleanValue<T>(value: T, limits: CleanLimits): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return cleanText(v, limits.maxChars);
    if (Array.isArray(v)) {
      const kept = v.slice(0, limits.maxItems).map(walk);
      return v.length > limits.maxItems ? [...kept, `… and ${v.length - limits.maxItems} more`] : kept;
    }
    if (v !== null && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
