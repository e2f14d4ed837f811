import { readFileSync } from "node:fs";
import JSON5 from "json5";
import { describe, expect, it } from "vitest";
import { parseJson5 } from "../../src/common/json5.js";
import { defaultConfig } from "../../src/config/defaults.js";
import { formatDuration, parseDuration } from "../../src/config/duration.js";
import { readConfigFile } from "../../src/config/load.js";
import { configJsonSchema, configSchema } from "../../src/config/schema.js";
import { validateConfig } from "../../src/config/validate.js";

describe("validateConfig", () => {
  it("fills every default from an empty object", () => {
    // defaults.ts is what the whole schema makes of an empty file (a file's missing sections come from it)
    expect(configSchema().parse({})).toEqual(defaultConfig());
    const v = validateConfig({});
    expect(v.ok).toBe(true);
    expect(v.ok && v.config).toEqual(defaultConfig());
    expect(defaultConfig().openclaw.stateDir).toBeNull();
    expect(defaultConfig().log.level).toBe("info");
  });

  it.each([
    [{ openclaw: { profile: "my profile" } }, "openclaw.profile", /profile name/],
    [{ requiredScopes: "operator.admin" }, "requiredScopes", /expected array, got "operator.admin"/],
    [{ requiredScopes: [] }, "requiredScopes", /expected/],
    [{ log: { level: "loud" } }, "log.level", /expected one of .*"info".*got "loud"/],
    [{ opencalw: {} }, "", /unknown key "opencalw"/],
    [{ openclaw: { stateDirr: "/x" } }, "openclaw", /unknown key "openclaw.stateDirr"/],
  ])("rejects %j naming %s", (raw, field, message) => {
    const v = validateConfig(raw);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.issues[0]?.field).toBe(field);
    expect(v.issues[0]?.message).toMatch(message);
  });
});

describe("config.example.json and config.schema.json", () => {
  const example: unknown = JSON5.parse(readFileSync("config.example.json", "utf8"));

  it("the example is valid and equals the defaults", () => {
    const v = validateConfig(example);
    expect(v.ok).toBe(true);
    if (v.ok) expect({ ...v.config, $schema: undefined }).toEqual({ ...defaultConfig(), $schema: undefined });
  });

  it("the loader reads the example (JSON5: comments, trailing commas) to the same config", async () => {
    const config = await readConfigFile("config.example.json");
    expect({ ...config, $schema: undefined }).toEqual({ ...defaultConfig(), $schema: undefined });
  });

  it("the example documents every field of the schema", () => {
    const leaves: string[] = [];
    const walk = (schema: Record<string, unknown>, prefix: string): void => {
      const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
      if (!props) {
        leaves.push(prefix);
        return;
      }
      for (const [k, sub] of Object.entries(props))
        if (k !== "$schema") walk(sub, prefix ? `${prefix}.${k}` : k);
    };
    walk(configJsonSchema(), "");
    const has = (obj: unknown, dotted: string) =>
      dotted
        .split(".")
        .reduce<unknown>(
          (o, k) => (o && typeof o === "object" && k in o ? (o as Record<string, unknown>)[k] : undefined),
          obj,
        ) !== undefined;
    expect(leaves.length).toBeGreaterThan(5);
    expect(leaves.filter((l) => !has(example, l))).toEqual([]);
  });

  it("the committed JSON Schema is the one generated from the zod schema", () => {
    expect(JSON.parse(readFileSync("config.schema.json", "utf8"))).toEqual(configJsonSchema());
  });
});

describe("durations", () => {
  it.each([
    ["250ms", 250],
    ["90s", 90_000],
    ["5m", 300_000],
    ["4h", 14_400_000],
    ["1.5h", 5_400_000],
    ["2d", 172_800_000],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it.each(["", "5", "h", "-5m", "5 weeks"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeNull();
  });
  it("formats back to the largest whole unit", () => {
    expect(formatDuration(14_400_000)).toBe("4h");
    expect(formatDuration(90_000)).toBe("90s");
  });
});

describe("parseJson5", () => {
  it("reads plain JSON and JSON5 alike", async () => {
    expect(await parseJson5('{"a": [1, "x"]}')).toEqual({ a: [1, "x"] });
    expect(await parseJson5("// why\n{ a: [1, 'x',], }")).toEqual({ a: [1, "x"] });
  });

  it("reports JSON5's error for text that is neither", async () => {
    await expect(parseJson5("{ a: }")).rejects.toThrow(/JSON5: invalid character '}' at 1:6/);
  });
});
