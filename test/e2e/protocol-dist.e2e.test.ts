// The watchdog's v3 device-auth payload against OpenClaw's own buildDeviceAuthPayloadV3 from the installed
// 2026.4.20 and 2026.9.6 dists (installed by the e2e globalSetup).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { buildDeviceAuthPayloadV3, type DeviceAuthPayloadInput } from "../../src/sources/gateway/protocol.js";
import { SAMPLES } from "../fixtures/v3-payload-samples.js";
import { openclawPackageDir } from "./harness/paths.js";

const DIST_4_20 = path.join(openclawPackageDir("2026.4.20"), "dist");
const DIST_9_6 = path.join(openclawPackageDir("2026.9.6"), "dist");

type PayloadFn = (p: DeviceAuthPayloadInput) => string;

/** 2026.9.6 ships device-auth as a standalone module: import it and find the export's short name. */
async function loadDist96(): Promise<PayloadFn> {
  const file = readdirSync(DIST_9_6).find(
    (f) =>
      /^device-auth-.*\.mjs$/.test(f) &&
      readFileSync(path.join(DIST_9_6, f), "utf8").includes("function buildDeviceAuthPayloadV3"),
  );
  if (!file) throw new Error("buildDeviceAuthPayloadV3 not found in the 2026.9.6 dist");
  const text = readFileSync(path.join(DIST_9_6, file), "utf8");
  const name = /buildDeviceAuthPayloadV3 as (\w+)/.exec(text)?.[1] ?? "";
  const mod = (await import(pathToFileURL(path.join(DIST_9_6, file)).href)) as Record<string, PayloadFn>;
  const fn = mod[name];
  if (!fn) throw new Error(`export ${name} missing`);
  return fn;
}

/** 2026.4.20 has it inside the client chunk (heavy imports): evaluate just its `src/gateway/device-auth.ts` region. */
async function loadDist420(): Promise<PayloadFn> {
  const files = readdirSync(DIST_4_20).filter((f) => f.endsWith(".js"));
  const client = files.find((f) =>
    readFileSync(path.join(DIST_4_20, f), "utf8").includes("//#region src/gateway/device-auth.ts"),
  );
  const norm = files.find((f) => f.startsWith("device-metadata-normalization-"));
  if (!client || !norm) throw new Error("device-auth region not found in the 2026.4.20 dist");
  const region =
    /\/\/#region src\/gateway\/device-auth\.ts\n([\s\S]*?)\/\/#endregion/.exec(
      readFileSync(path.join(DIST_4_20, client), "utf8"),
    )?.[1] ?? "";
  const normText = readFileSync(path.join(DIST_4_20, norm), "utf8");
  const normName = /normalizeDeviceMetadataForAuth as (\w+)/.exec(normText)?.[1] ?? "";
  const normMod = (await import(pathToFileURL(path.join(DIST_4_20, norm)).href)) as Record<
    string,
    (v: unknown) => string
  >;
  const factory = new Function(
    "normalizeDeviceMetadataForAuth",
    `${region}\nreturn buildDeviceAuthPayloadV3;`,
  ) as (n: unknown) => PayloadFn;
  return factory(normMod[normName]);
}

describe("v3 device-auth payload against OpenClaw's own builder", () => {
  it("matches buildDeviceAuthPayloadV3 of the real 2026.9.6 dist", async () => {
    const real = await loadDist96();
    for (const s of SAMPLES) expect(buildDeviceAuthPayloadV3(s)).toBe(real(s));
  });

  it("matches buildDeviceAuthPayloadV3 of the real 2026.4.20 dist", async () => {
    const real = await loadDist420();
    for (const s of SAMPLES) expect(buildDeviceAuthPayloadV3(s)).toBe(real(s));
  });
});
