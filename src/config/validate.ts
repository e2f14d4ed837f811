// Validating a parsed config file against the schema (zod); issues name the field and what was expected.

import { escapeUnsafe } from "../common/clean-text.js";
import * as z from "../common/zod.js";
import { defaultConfig } from "./defaults.js";
import type { ConfigIssue } from "./load.js";
import { type Config, fileSchema } from "./schema.js";

// zod compiles a parser with new Function on each schema's first parse: worth it for a hot loop, not for one
// config file read once per run (the first parse cost 60-180 ms of `check --config`; interpreted it costs 2-6 ms).
z.config({ jitless: true });

export type Validation = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

function valueAt(raw: unknown, keys: readonly PropertyKey[]): unknown {
  let cur = raw;
  for (const k of keys) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** The most issues one error lists. */
export const MAX_ISSUES = 20;

/** Keys whose values are secrets: never shown in an error. */
const SECRET_KEY = /token|password|secret/i;

function describeIssue(raw: unknown, issue: z.core.$ZodIssue): ConfigIssue {
  const field = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const where = field ? `${field}.` : "";
    return {
      field,
      message: `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${where}${k}"`).join(", ")} (check the spelling against config.example.json)`,
    };
  }
  const got = valueAt(raw, issue.path);
  // a secret's value is never echoed, even a malformed one (it may be a real token pasted in the wrong place)
  const secret = SECRET_KEY.test(String(issue.path.at(-1) ?? ""));
  const shown =
    got === undefined
      ? ""
      : secret
        ? ", got a value (not shown)"
        : `, got ${escapeUnsafe(JSON.stringify(got)?.slice(0, 80) ?? "")}`;
  let message: string = issue.message
    .replace(/^(Invalid \w+|Too small|Too big): /, "")
    .replace(/, received \w+$/, "");
  if (!/^expected /.test(message)) message = `expected ${message}`;
  return { field, message: `${message}${shown}` };
}

/** Pure: a parsed JSON value to a Config, or the list of what is wrong with it. */
export function validateConfig(raw: unknown): Validation {
  // one parse per file read: zod's compiled fast path would cost more than it saves
  const result = fileSchema(raw).safeParse(raw, { jitless: true });
  // the sections the file leaves out are the defaults (what the whole schema makes of them)
  if (result.success) return { ok: true, config: { ...defaultConfig(), ...result.data } };
  const all = result.error.issues;
  const shown = all.slice(0, MAX_ISSUES).map((i) => describeIssue(raw, i));
  // a list of 300 bad items is 300 issues: the error stays readable and bounded
  if (all.length > MAX_ISSUES)
    shown.push({
      field: "…",
      message: `and ${all.length - MAX_ISSUES} more problems of the same kind not shown`,
    });
  return { ok: false, issues: shown };
}
