// Shared fast-check generators for the property tests of every parser of outside input (issue 11, item 11):
// hostile text (control, bidi, invisible characters, lone surrogates, quotes, long runs), JSON-like values of
// bounded size, records whose known fields hold values of every type, and the checks every parsed value passes.

import fc from "fast-check";
import { expect } from "vitest";
import { hasUnsafeChars } from "../../../src/common/clean-text.js";

/** Characters that turn text into markup or a lie on a terminal. */
const NASTY = [
  "\u0000",
  "\u0007",
  "\u001b[31m",
  "\u001b]0;title\u0007",
  "\r",
  "\n",
  "\t",
  "\u007f",
  "\u0085",
  "\u200b",
  "\u200e",
  "\u202a",
  "\u202e",
  "\u2066",
  "\u2069",
  "\ufeff",
  "\u061c",
  "\ud800",
  "\udc00",
  "😀",
  '"',
  "\\",
  "%",
  "$(",
  "`",
  ";",
  " ",
];

/** Text from outside: printable, any code point, nasty pieces, mixed; at most `max` characters. */
export function hostileText(max = 300): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: max }),
    fc.string({ unit: "binary", maxLength: max }),
    fc
      .array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 8 })), { maxLength: 40 })
      .map((parts) => parts.join("").slice(0, max)),
    fc.constantFrom("", " ", "cli", "operator", "operator.admin", "127.0.0.1", "null"),
  );
}

/** A long run of one character (a cap must hold), up to `max`. */
export function longText(max = 5000): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom("a", "\u202e", "x", "😀", "\u0000"), fc.integer({ min: 200, max }))
    .map(([c, n]) => c.repeat(n));
}

/** Any JSON value of bounded size. */
export const jsonValue: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 4, depthSize: "small" });

/** A value of any type a JSON file or a SQLite column can hold, and a few more. */
export function anyValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: hostileText() },
    { weight: 1, arbitrary: longText() },
    { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 1e308, Number.NaN)) },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
    { weight: 2, arbitrary: fc.array(fc.oneof(hostileText(40), fc.integer()), { maxLength: 8 }) },
    { weight: 1, arbitrary: fc.array(fc.constant("s"), { minLength: 250, maxLength: 300 }) },
    { weight: 1, arbitrary: jsonValue },
  );
}

/** An object with `keys` holding plausible or hostile values (some missing), plus a few unknown keys. */
export function recordWith(
  keys: readonly string[],
  plausible: Readonly<Record<string, fc.Arbitrary<unknown>>> = {},
): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(
    keys.map((k) => [
      k,
      plausible[k] ? fc.oneof({ weight: 3, arbitrary: plausible[k] }, anyValue()) : anyValue(),
    ]),
  );
  return fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.dictionary(fc.string({ maxLength: 10 }), jsonValue, { maxKeys: 3 }),
    )
    .map(([known, extra]) => ({ ...extra, ...known }));
}

export const hexId = fc.stringMatching(/^[0-9a-f]{64}$/);
export const uuid = fc.uuid();
export const scopeList = fc.array(
  fc.oneof(fc.constantFrom("operator.read", "operator.write", "operator.admin"), hostileText(60)),
  { maxLength: 10 },
);

/** A string that is safe to show: no control, bidi or invisible characters, at most `max` characters. */
export function expectClean(s: unknown, max: number, what: string): void {
  expect(typeof s, what).toBe("string");
  const text = s as string;
  expect(text.length, what).toBeLessThanOrEqual(max);
  expect(hasUnsafeChars(text), `${what}: ${JSON.stringify(text)}`).toBe(false);
}

/** Every string of a parsed value, with its path. */
export function stringsIn(v: unknown, at = "$"): [string, string][] {
  if (typeof v === "string") return [[at, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringsIn(x, `${at}[${i}]`));
  if (v !== null && typeof v === "object")
    return Object.entries(v).flatMap(([k, x]) => stringsIn(x, `${at}.${k}`));
  return [];
}

/** fast-check's settings for these suites: enough runs to find the edges, inputs small enough to stay quick. */
export const RUNS = { numRuns: 200 } as const;

/** A record with the right types where they are checked and hostile text in every free-text field. */
export function validDescriptor(
  extra: Readonly<Record<string, fc.Arbitrary<unknown>>> = {},
): fc.Arbitrary<Record<string, unknown>> {
  const text = hostileText(300);
  const fields: Record<string, fc.Arbitrary<unknown>> = {
    deviceId: hexId,
    publicKey: fc.base64String({ minLength: 4, maxLength: 44 }),
    displayName: text,
    platform: text,
    deviceFamily: text,
    clientId: text,
    clientMode: text,
    role: text,
    roles: fc.array(text, { maxLength: 4 }),
    scopes: fc.array(text, { maxLength: 8 }),
    remoteIp: text,
    ...extra,
  };
  return fc.record(fields, { requiredKeys: ["deviceId", "publicKey", ...Object.keys(extra)] });
}
