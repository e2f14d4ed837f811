// Property tests of the configuration parsers (issue 11, item 11): the watchdog's config file (bytes on disk,
// JSON5 text, the validated value) and OpenClaw's openclaw.json. Any input gives a typed config or a ConfigError
// naming the file and each bad field, never echoing a secret; openclaw.json always gives usable gateway settings.

import { writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJson5 } from "../../../src/common/json5.js";
import { defaultConfig } from "../../../src/config/defaults.js";
import { ConfigError, readConfigFile } from "../../../src/config/load.js";
import { configSchema, fileSchema } from "../../../src/config/schema.js";
import { validateConfig } from "../../../src/config/validate.js";
import { readGatewaySettings, resolveGatewaySettings } from "../../../src/sources/state/openclaw-config.js";
import { tempDir } from "../../helpers/openclaw-state.js";
import { anyValue, expectClean, hostileText, jsonValue, RUNS, recordWith } from "./arbitraries.js";

const BOT = "123456789:AAbbCCddEEffGGhhIIjjKK_lmnopq";

/** The default config with one field at `path` replaced (a nested object) by `value`. */
function mutate(pathKeys: string[], value: unknown): Record<string, unknown> {
  const base = JSON.parse(JSON.stringify(defaultConfig())) as Record<string, unknown>;
  let cur = base;
  for (const k of pathKeys.slice(0, -1)) {
    if (cur[k] === null || typeof cur[k] !== "object") cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[pathKeys.at(-1) ?? "x"] = value;
  return base;
}

const FIELD_PATHS = [
  ["openclaw", "stateDir"],
  ["openclaw", "profile"],
  ["openclaw", "instances"],
  ["requiredScopes"],
  ["reconcile", "schedule"],
  ["watch", "debounce"],
  ["detect", "minInterval"],
  ["notify", "rateLimit", "max"],
  ["notify", "webhook", "url"],
  ["notify", "telegram", "botToken"],
  ["notify", "telegram", "chatId"],
  ["remediation", "policy"],
  ["remediation", "allowScopes"],
  ["metrics", "listen"],
  ["status", "socket"],
  ["log", "level"],
  ["unknownKey"],
];

const configValue = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom(...FIELD_PATHS), fc.oneof(anyValue(), fc.constant(BOT)))
      .map(([p, v]) => mutate(p, v)),
  },
  { weight: 1, arbitrary: jsonValue },
);

describe("property: the watchdog's config", () => {
  it("any value validates to a config or to issues naming each field, never echoing a secret", () => {
    fc.assert(
      fc.property(configValue, (raw) => {
        const v = validateConfig(raw);
        if (v.ok) {
          expect(typeof v.config.detect.minInterval).toBe("number");
          return;
        }
        expect(v.issues.length).toBeGreaterThan(0);
        expect(v.issues.length).toBeLessThanOrEqual(21);
        for (const i of v.issues) {
          expect(typeof i.field).toBe("string");
          expect(i.message).toMatch(/^(expected|unknown key|and \d+ more problems)/);
          expect(i.message.length).toBeLessThan(2000);
          if (/token|password|secret/i.test(i.field)) expect(i.message).not.toContain(BOT);
        }
      }),
      RUNS,
    );
  });

  it("a file is validated against the sections it sets exactly as against the whole schema", () => {
    // validateConfig builds only the sections a file sets (fileSchema) and takes the rest from defaults.ts: on any
    // file that must give the config, or the issues, the whole schema gives
    const sparse = fc
      .tuple(configValue, fc.subarray([...Object.keys(defaultConfig()), "$schema", "unknownKey"]))
      .map(([raw, keep]) =>
        raw !== null && typeof raw === "object" && !Array.isArray(raw)
          ? Object.fromEntries(Object.entries(raw).filter(([k]) => keep.includes(k)))
          : raw,
      );
    let valid = 0;
    let partial = 0;
    fc.assert(
      fc.property(sparse, (raw) => {
        const whole = configSchema().safeParse(raw, { jitless: true });
        const v = validateConfig(raw);
        expect(v.ok).toBe(whole.success);
        if (raw && typeof raw === "object" && Object.keys(raw).length < Object.keys(defaultConfig()).length)
          partial++;
        if (v.ok && whole.success) {
          valid++;
          expect(v.config).toEqual(whole.data);
          return;
        }
        const issues = (r: {
          error?: { issues: { code: string; path: PropertyKey[]; message: string }[] };
        }) => r.error?.issues.map((i) => ({ code: i.code, path: i.path, message: i.message }));
        expect(issues(fileSchema(raw).safeParse(raw, { jitless: true }))).toEqual(issues(whole));
      }),
      { numRuns: 400 },
    );
    // the property saw both outcomes, and files that leave sections out
    expect(valid).toBeGreaterThan(20);
    expect(partial).toBeGreaterThan(100);
  });

  it("any bytes in a config file are a config or a ConfigError naming the file", async () => {
    const dir = await tempDir("sw-prop-config-");
    const file = path.join(dir, "config.json");
    const bytes = fc.oneof(
      configValue.map((v) => Buffer.from(JSON.stringify(v) ?? "null")),
      hostileText(300).map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
      fc
        .constantFrom("{ // c\n a: 1, }", "[".repeat(5000), `{"a":${"[".repeat(3000)}`, "\ufeff{}")
        .map((s) => Buffer.from(s)),
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (b) => {
        await writeFile(file, b);
        try {
          const c = await readConfigFile(file);
          expect(typeof c.notify.minSeverity).toBe("string");
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          const e = err as ConfigError;
          expect(e.message.startsWith(`${file}:`)).toBe(true);
          for (const i of e.issues) expectClean(i.message, 2000, "issue");
          expect(e.message.length).toBeLessThan(8_000);
          // a value is echoed to help (cut at 80 characters), except where the field holds a secret
          for (const i of e.issues)
            if (/token|password|secret/i.test(i.field)) expect(i.message).not.toContain(BOT);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("JSON5 text parses to a value or throws a SyntaxError, nothing else", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostileText(200),
          jsonValue.map((v) => JSON.stringify(v)),
          fc.constant("[".repeat(20_000)),
        ),
        async (t) => {
          try {
            await parseJson5(t);
          } catch (err) {
            expect(err).toBeInstanceOf(SyntaxError);
          }
        },
      ),
      RUNS,
    );
  });
});

describe("property: openclaw.json", () => {
  const openclawJson = fc.oneof(
    recordWith(["gateway", "logging", "meta"], {
      gateway: recordWith(["port", "bind", "mode", "auth", "nodes"], {
        port: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1e308, -1, 65536, "18789", `\${PORT}`)),
        auth: recordWith(["mode", "token", "password"], {
          token: fc.oneof(
            hostileText(60),
            fc.constant(`\${TOKEN}`),
            fc.constant({ source: "env", id: "TOKEN" }),
          ),
        }),
      }),
      logging: recordWith(["file"]),
      meta: recordWith(["lastTouchedVersion"]),
    }),
    jsonValue,
  );

  it("any parsed value gives settings with a real port and clean bounded words", () => {
    fc.assert(
      fc.property(
        openclawJson,
        fc.dictionary(fc.constantFrom("TOKEN", "PORT", "OPENCLAW_GATEWAY_TOKEN"), hostileText(40)),
        (raw, env) => {
          const s = resolveGatewaySettings(raw, env, null, "/s/openclaw.json");
          expect(Number.isInteger(s.port)).toBe(true);
          expect(s.port).toBeGreaterThan(0);
          expect(s.port).toBeLessThan(65536);
          expectClean(s.bind, 128, "bind");
          for (const k of ["authMode", "mode", "lastTouchedVersion"] as const)
            if (s[k] !== null && s[k] !== undefined) expectClean(s[k], 128, k);
          expect(JSON.stringify(s)).not.toMatch(/"secret":"(?!\[redacted\])/);
        },
      ),
      RUNS,
    );
  });

  it("regressions it found: a port past 65535 (1e308) falls back to the default; bidi in a JSON5 error is cleaned", () => {
    expect(resolveGatewaySettings({ gateway: { port: 1e308 } }, {}, null, null).port).toBe(18789);
    expect(resolveGatewaySettings({ gateway: { port: 70000 } }, {}, null, null).port).toBe(18789);
    expect(resolveGatewaySettings({ gateway: { mode: "local\u200b" } }, {}, null, null).mode).toBe(
      "local\ufffd",
    );
  });

  it("any bytes in openclaw.json give settings, with a clean problem when they do not parse", async () => {
    const dir = await tempDir("sw-prop-ocjson-");
    const file = path.join(dir, "openclaw.json");
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          openclawJson.map((v) => JSON.stringify(v) ?? "null"),
          hostileText(300),
          fc.constant("{\u202e"),
        ),
        async (text) => {
          await writeFile(file, text);
          const { settings, problems } = await readGatewaySettings(file, {}, null);
          expect(settings.port).toBeGreaterThan(0);
          for (const p of problems) {
            expect(p.file).toBe(file);
            expectClean(p.problem, 1000, "problem");
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("regressions the config properties found", () => {
  it("a list of 300 bad items is 20 issues and one that counts the rest, not 300", () => {
    const v = validateConfig({ remediation: { allowScopes: Array.from({ length: 300 }, () => 7) } });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.issues).toHaveLength(21);
    expect(v.issues.at(-1)).toEqual({
      field: "…",
      message: "and 280 more problems of the same kind not shown",
    });
  });

  it("a bad value with a bidi or invisible character is shown escaped, never as is", () => {
    const v = validateConfig({ notify: { telegram: { chatId: "a\u202eb\u061c" } } });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.issues[0]?.message).toBe('expected a chat id or @channelname, got "a\\u202eb\\u061c"');
  });
});
