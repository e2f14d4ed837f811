// Which log file to follow, against real directories: OpenClaw's /tmp/openclaw safety rules, profiles, overrides.

import { chmod, mkdir, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  encodeLogProfileSegment,
  formatLogDate,
  type LogLocationInput,
  logProfileSegment,
  resolveLogLocation,
  resolveOpenClawTmpDir,
} from "../../src/sources/log/location.js";
import { tempDir } from "../helpers/openclaw-state.js";

const NOW = new Date(2026, 10, 27, 12, 0, 0); // local noon: the same calendar day in every zone offset < 12 h
const UID = process.getuid?.() ?? 0;

async function setup(): Promise<{ root: string; preferred: string; tmp: string; input: LogLocationInput }> {
  const root = await tempDir("sw-logloc-");
  const preferred = path.join(root, "tmp-openclaw");
  const tmp = path.join(root, "os-tmp");
  await mkdir(tmp);
  return {
    root,
    preferred,
    tmp,
    input: {
      configuredLogFile: null,
      openclawLoggingFile: null,
      profile: null,
      env: { HOME: path.join(root, "home") },
      now: NOW,
      tmpdir: tmp,
      uid: UID,
      preferredTmpDir: preferred,
      cwd: root,
    },
  };
}

describe("the default directory (resolvePreferredOpenClawTmpDir, without creating or fixing anything)", () => {
  it("uses /tmp/openclaw when it is a private directory of the gateway's user", async () => {
    const { preferred, input } = await setup();
    await mkdir(preferred, { mode: 0o700 });
    const loc = resolveLogLocation(input);
    expect(loc.dir).toBe(preferred);
    expect(loc.file).toBe(path.join(preferred, "openclaw-2026-11-27.log"));
    expect(loc.source).toBe("default");
    expect(loc.rolling).toBe(true);
  });

  it("waits on /tmp/openclaw when it does not exist yet (the gateway creates it) and does not create it", async () => {
    const { preferred, input } = await setup();
    const loc = resolveLogLocation(input);
    expect(loc.dir).toBe(preferred);
    expect(loc.why).toMatch(/does not exist yet/);
    await expect(stat(preferred)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("falls back to <tmpdir>/openclaw-<uid> when /tmp/openclaw is a symlink", async () => {
    const { root, preferred, tmp, input } = await setup();
    await mkdir(path.join(root, "elsewhere"), { mode: 0o700 });
    await symlink(path.join(root, "elsewhere"), preferred);
    const loc = resolveLogLocation(input);
    expect(loc.dir).toBe(path.join(tmp, `openclaw-${UID}`));
    expect(loc.why).toMatch(/symlink/);
  });

  it("falls back when /tmp/openclaw belongs to another user", async () => {
    const { preferred, tmp, input } = await setup();
    await mkdir(preferred, { mode: 0o700 });
    const loc = resolveLogLocation({ ...input, uid: UID + 4242 });
    expect(loc.dir).toBe(path.join(tmp, `openclaw-${UID + 4242}`));
    expect(loc.why).toMatch(/belongs to uid/);
  });

  it("falls back when /tmp/openclaw is a file", async () => {
    const { preferred, tmp, input } = await setup();
    await writeFile(preferred, "");
    expect(resolveLogLocation(input).dir).toBe(path.join(tmp, `openclaw-${UID}`));
  });

  it("falls back when /tmp/openclaw is missing and cannot be created (no parent)", async () => {
    const { root, tmp, input } = await setup();
    const loc = resolveLogLocation({
      ...input,
      preferredTmpDir: path.join(root, "no-such-parent", "openclaw"),
    });
    expect(loc.dir).toBe(path.join(tmp, `openclaw-${UID}`));
  });

  it("keeps a group/world-writable /tmp/openclaw of the same owner (OpenClaw chmods it to 0700) and leaves the mode alone", async () => {
    const { preferred, input } = await setup();
    await mkdir(preferred);
    await chmod(preferred, 0o777);
    const loc = resolveLogLocation(input);
    expect(loc.dir).toBe(preferred);
    expect(loc.why).toMatch(/tightens it to 0700/);
    expect((await stat(preferred)).mode & 0o777).toBe(0o777);
  });

  it("names the fallback without a uid where there is none", async () => {
    const { preferred, tmp } = await setup();
    await writeFile(preferred, "");
    expect(resolveOpenClawTmpDir(preferred, tmp, null).dir).toBe(path.join(tmp, "openclaw"));
  });
});

describe("profiles (9.x profile-qualified daily names)", () => {
  it.each([
    ["dev", "dev"],
    ["work-2", "work--2"],
    ["Work_1", "-1work-01"],
    ["a.b", "a-22e-b"],
  ])("encodes %s as %s", (profile, encoded) => {
    expect(encodeLogProfileSegment(profile)).toBe(encoded);
  });

  it("hashes a segment longer than 220 characters and has none for the default profile", () => {
    expect(logProfileSegment("A".repeat(100))).toMatch(/^-3[0-9a-f]{64}$/);
    expect(logProfileSegment("default")).toBeNull();
    expect(logProfileSegment("  ")).toBeNull();
  });

  it("takes the profile from the config, else OPENCLAW_PROFILE, and only follows that profile's files", async () => {
    const { preferred, input } = await setup();
    await mkdir(preferred, { mode: 0o700 });
    const fromEnv = resolveLogLocation({ ...input, env: { ...input.env, OPENCLAW_PROFILE: "dev" } });
    expect(fromEnv.file).toBe(path.join(preferred, "openclaw-dev-2026-11-27.log"));
    const fromConfig = resolveLogLocation({ ...input, profile: "work", env: { OPENCLAW_PROFILE: "dev" } });
    expect(path.basename(fromConfig.file)).toBe("openclaw-work-2026-11-27.log");
    expect(fromEnv.isFamilyName("openclaw-dev-2026-11-27.2.log")).toBe(true);
    expect(fromEnv.isFamilyName("openclaw-2026-11-27.log")).toBe(false);
    expect(fromEnv.isFamilyName("openclaw-dev2-2026-11-27.log")).toBe(false);
  });

  it.each([
    { version: "2026.4.20", name: "openclaw-2026-11-27.log" },
    { version: "2026.7.35", name: "openclaw-2026-11-27.log" },
    { version: "2026.8.1", name: "openclaw-dev-2026-11-27.log" },
    { version: null, name: "openclaw-dev-2026-11-27.log" },
  ])("names a profile's file as OpenClaw $version does: $name", async ({ version, name }) => {
    const { preferred, input } = await setup();
    await mkdir(preferred, { mode: 0o700 });
    const loc = resolveLogLocation({ ...input, profile: "dev", openclawVersion: version });
    expect(path.basename(loc.file)).toBe(name);
  });
});

describe("the default family", () => {
  it("holds this profile's daily files and their .N archives, nothing else", async () => {
    const { preferred, input } = await setup();
    await mkdir(preferred, { mode: 0o700 });
    const loc = resolveLogLocation(input);
    for (const name of ["openclaw-2026-11-27.log", "openclaw-2026-11-26.log", "openclaw-2026-11-27.5.log"]) {
      expect(loc.isFamilyName(name), name).toBe(true);
    }
    for (const name of [
      "openclaw-dev-2026-11-27.log",
      "openclaw.log",
      "openclaw-2026-11-27.log.1",
      "x.log",
    ]) {
      expect(loc.isFamilyName(name), name).toBe(false);
    }
  });

  it("sorts oldest first: earlier day, then .5 … .1, then the active file", async () => {
    const { input } = await setup();
    const loc = resolveLogLocation(input);
    const names = [
      "openclaw-2026-11-27.log",
      "openclaw-2026-11-27.1.log",
      "openclaw-2026-11-26.log",
      "openclaw-2026-11-27.3.log",
    ];
    expect([...names].sort(loc.compareAge)).toEqual([
      "openclaw-2026-11-26.log",
      "openclaw-2026-11-27.3.log",
      "openclaw-2026-11-27.1.log",
      "openclaw-2026-11-27.log",
    ]);
  });

  it("names tomorrow's file, on the gateway's calendar (env TZ)", async () => {
    const { preferred, input } = await setup();
    await mkdir(preferred, { mode: 0o700 });
    const loc = resolveLogLocation(input);
    expect(path.basename(loc.fileFor(new Date(2026, 10, 28, 0, 0, 1)))).toBe("openclaw-2026-11-28.log");
    const tokyo = resolveLogLocation({ ...input, env: { ...input.env, TZ: "Asia/Tokyo" } });
    expect(path.basename(tokyo.fileFor(Date.parse("2026-11-27T23:30:00Z")))).toBe("openclaw-2026-11-28.log");
    expect(formatLogDate(Date.parse("2026-11-27T23:30:00Z"), "America/New_York")).toBe("2026-11-27");
  });
});

describe("overrides", () => {
  it("follows logging.file as one fixed file with 9.x's `.N` archives; `~` is the gateway user's home", async () => {
    const { root, input } = await setup();
    const loc = resolveLogLocation({ ...input, openclawLoggingFile: "~/logs/openclaw-gateway.log" });
    expect(loc.source).toBe("logging.file");
    expect(loc.file).toBe(path.join(root, "home", "logs", "openclaw-gateway.log"));
    expect(loc.fileFor(new Date(2027, 0, 1))).toBe(loc.file);
    expect(loc.rolling).toBe(false);
    expect(loc.isFamilyName("openclaw-gateway.1.log")).toBe(true);
    expect(loc.isFamilyName("openclaw-gateway.log.1")).toBe(false);
    expect(loc.isFamilyName("other.log")).toBe(false);
    expect(
      ["openclaw-gateway.log", "openclaw-gateway.2.log", "openclaw-gateway.1.log"].sort(loc.compareAge),
    ).toEqual(["openclaw-gateway.2.log", "openclaw-gateway.1.log", "openclaw-gateway.log"]);
  });

  it("keeps the daily rollover for a logging.file in the legacy dated shape (9.x isLegacyRollingLogFilePath)", async () => {
    const { root, input } = await setup();
    const loc = resolveLogLocation({
      ...input,
      openclawLoggingFile: path.join(root, "l", "openclaw-2026-01-01.log"),
    });
    expect(loc.rolling).toBe(true);
    expect(loc.file).toBe(path.join(root, "l", "openclaw-2026-11-27.log"));
  });

  it("prefers the watchdog's openclaw.logFile, with a YYYY-MM-DD placeholder for daily files", async () => {
    const { root, input } = await setup();
    const loc = resolveLogLocation({
      ...input,
      configuredLogFile: path.join(root, "gw", "openclaw-dev-YYYY-MM-DD.log"),
      openclawLoggingFile: "/elsewhere/x.log",
    });
    expect(loc.source).toBe("config openclaw.logFile");
    expect(loc.file).toBe(path.join(root, "gw", "openclaw-dev-2026-11-27.log"));
    expect(loc.isFamilyName("openclaw-dev-2026-11-26.1.log")).toBe(true);
    expect(loc.isFamilyName("openclaw-2026-11-26.log")).toBe(false);
  });

  it("ignores logging.file for 2026.4.24 and older, whose npm build never reads it", async () => {
    const { root, preferred, input } = await setup();
    await mkdir(preferred, { mode: 0o700 });
    const file = path.join(root, "logs", "gw.log");
    const old = resolveLogLocation({ ...input, openclawLoggingFile: file, openclawVersion: "2026.4.20" });
    expect(old).toMatchObject({ source: "default", file: path.join(preferred, "openclaw-2026-11-27.log") });
    expect(old.why).toContain("ignores logging.file");
    const fixed = resolveLogLocation({ ...input, openclawLoggingFile: file, openclawVersion: "2026.4.25" });
    expect(fixed).toMatchObject({ source: "logging.file", file });
  });

  it("resolves a relative logging.file against the given directory", async () => {
    const { root, input } = await setup();
    expect(resolveLogLocation({ ...input, openclawLoggingFile: "logs/gw.log" }).file).toBe(
      path.join(root, "logs", "gw.log"),
    );
  });
});
