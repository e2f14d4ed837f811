// `scope-watchdog pair` against the fake gateway, and the watchdog's identity file it creates.

import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import net, { type AddressInfo } from "node:net";
import path from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it, onTestFinished } from "vitest";
import type { Io } from "../../src/cli/io.js";
import { type PairOptions, runPair } from "../../src/cli/pair.js";
import { Secret } from "../../src/common/secret.js";
import {
  loadOrCreateWatchdogIdentity,
  WatchdogIdentityError,
} from "../../src/sources/gateway/watchdog-identity.js";
import { FakeGateway } from "../helpers/fake-gateway.js";
import { tempDir } from "../helpers/openclaw-state.js";

const UUID = "2b640a10-5c1e-4a7e-9f5e-0a1b2c3d4e5f";

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return Object.assign(w, { text: () => chunks.join("") });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function pair(
  opts: Partial<PairOptions> & Pick<PairOptions, "url" | "identityFile">,
  secret: string | null,
  now: () => number = Date.now,
): Promise<Run> {
  const stdout = sink();
  const stderr = sink();
  const io: Io = { stdout, stderr, env: {}, now, home: "/nonexistent" };
  const code = await runPair(
    {
      authMode: "token",
      secret: secret ? new Secret(secret) : null,
      clientVersion: "0.1.0",
      timeoutMs: 3_000,
      ...opts,
    },
    io,
  );
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

async function gateway(): Promise<FakeGateway> {
  const gw = await FakeGateway.start();
  onTestFinished(() => gw.stop());
  return gw;
}

/** device.pair.list answering with our device, approved at `approvedAtMs`. */
function listsUs(gw: FakeGateway, approvedAtMs: () => number): void {
  gw.methods.set("device.pair.list", () => {
    const device = gw.connects.at(-1)?.params.device as { id?: string } | undefined;
    return {
      ok: true,
      payload: {
        pending: [],
        paired: [
          {
            deviceId: device?.id,
            approvedAtMs: approvedAtMs(),
            scopes: ["operator.read", "operator.pairing"],
          },
        ],
      },
    };
  });
}

/** The device id the gateway saw in connect number `i`. */
function deviceIdOf(gw: FakeGateway, i: number): string {
  const device = gw.connects[i]?.params.device;
  return device && typeof device === "object" && "id" in device ? String(device.id) : "";
}

async function setup() {
  const dir = await tempDir();
  return { dir, identityFile: path.join(dir, "state", "openclaw-scope-watchdog", "identity.json") };
}

describe("scope-watchdog pair", () => {
  it("creates the identity (0600 in a 0700 folder) and reports a silent first pairing", async () => {
    const gw = await gateway();
    listsUs(gw, Date.now);
    const { identityFile } = await setup();
    const r = await pair({ url: gw.url, identityFile }, gw.token);
    const saved = JSON.parse(await readFile(identityFile, "utf8")) as Record<string, unknown>;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`approved the watchdog's own device ${String(saved.deviceId)} without asking`);
    expect(r.stdout).toContain("It holds operator.read, operator.pairing.");
    expect((await stat(identityFile)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(identityFile))).mode & 0o777).toBe(0o700);
    expect(Object.keys(saved).sort()).toEqual([
      "createdAtMs",
      "deviceId",
      "privateKeyPem",
      "publicKeyPem",
      "version",
    ]);
    expect(gw.connects[0]).toMatchObject({ signatureProblems: [], secretMatches: true });
    expect(gw.connects[0]?.params.scopes).toEqual(["operator.read", "operator.pairing"]);
    expect(gw.calls.map((c) => c.method)).toEqual(["device.pair.list"]);
    expect(gw.open).toEqual([]); // it closed its connection
    expect(r.stdout + r.stderr).not.toContain(gw.token);
  });

  it("says 'already paired' the next time, with the same device", async () => {
    const gw = await gateway();
    let approvedAtMs: number | null = null;
    listsUs(gw, () => {
      approvedAtMs ??= Date.now(); // approved once, by the first connect
      return approvedAtMs;
    });
    const { identityFile } = await setup();
    const first = await pair({ url: gw.url, identityFile }, gw.token);
    expect(first.stdout).toContain("without asking");
    // the second run starts after the approval (a clock 1 ms ahead makes that certain even within one millisecond)
    const r = await pair({ url: gw.url, identityFile, json: true }, gw.token, () => Date.now() + 1);
    const deviceId = deviceIdOf(gw, 0);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      deviceId,
      status: "paired",
      message: `Already paired: the gateway at ${gw.url} accepts the watchdog's own device ${deviceId}; nothing to do. It holds operator.read, operator.pairing.`,
    });
    expect(deviceIdOf(gw, 1)).toBe(deviceId);
  });

  it("prints exactly the one approve command when the gateway asks for approval (exit 1)", async () => {
    const gw = await gateway();
    gw.replies.push({ kind: "pairing-required", reason: "not-paired", requestId: UUID });
    const { identityFile } = await setup();
    const r = await pair({ url: gw.url, identityFile }, gw.token);
    const deviceId = deviceIdOf(gw, 0);
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    expect(lines).toContain(`openclaw devices approve ${UUID}`);
    expect(lines.filter((l) => l.includes("openclaw devices approve"))).toEqual([
      `openclaw devices approve ${UUID}`,
    ]);
    expect(r.stdout).toContain(
      `Device: ${deviceId} (the watchdog's identity, ${identityFile}; not this machine's OpenClaw identity)`,
    );
    expect(r.stdout).toContain("operator.read, operator.pairing only");
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toContain(gw.token);
  });

  it("takes the full request id from the refusal when the close reason was cut (--json)", async () => {
    const gw = await gateway();
    gw.replies.push({ kind: "pairing-required", reason: "scope-upgrade", requestId: UUID });
    const { identityFile } = await setup();
    const r = await pair({ url: gw.url, identityFile, json: true }, gw.token);
    const deviceId = deviceIdOf(gw, 0);
    expect(r.code).toBe(1);
    expect(gw.clients[0]?.closed?.reason).not.toContain(UUID); // cut at 120 bytes
    expect(JSON.parse(r.stdout)).toEqual({
      deviceId,
      status: "pending",
      requestId: UUID,
      command: `openclaw devices approve ${UUID}`,
      message: expect.stringContaining(`run \`openclaw devices approve ${UUID}\``),
    });
  });

  it("points at `openclaw devices list` when the gateway names no request (2026.4.18)", async () => {
    const gw = await gateway();
    gw.replies.push({ kind: "pairing-required", bare: true });
    const { identityFile } = await setup();
    const r = await pair({ url: gw.url, identityFile, json: true }, gw.token);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(r.code).toBe(1);
    expect(out).toMatchObject({ status: "pending", command: "openclaw devices list" });
    expect(out.requestId).toBeUndefined();
  });

  it("fails with exit 2 and the URL it tried when the gateway is not running", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const url = `ws://127.0.0.1:${port}`;
    const { identityFile } = await setup();
    const r = await pair({ url, identityFile }, "some-token-value");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      new RegExp(`^scope-watchdog pair: Could not reach the OpenClaw gateway at ${url}: .*ECONNREFUSED`),
    );
    const j = await pair({ url, identityFile, json: true }, "some-token-value");
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ status: "failed", message: expect.stringContaining(url) });
    expect(j.stdout + r.stderr).not.toContain("some-token-value");
  });

  it("fails with exit 2 and says the token does not match, without printing it", async () => {
    const gw = await gateway();
    const { identityFile } = await setup();
    const r = await pair({ url: gw.url, identityFile }, "wrong-token-0123456789");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the gateway token in openclaw.json does not match the gateway");
    expect(r.stderr + r.stdout).not.toContain("wrong-token-0123456789");
    expect(r.stderr + r.stdout).not.toContain(gw.token);
  });

  it("refuses a URL off loopback", async () => {
    const { identityFile } = await setup();
    const r = await pair({ url: "ws://192.0.2.1:18789", identityFile, json: true }, "t");
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: "failed",
      message: expect.stringContaining("refusing to connect to ws://192.0.2.1:18789"),
    });
  });

  it("leaves a corrupt identity file alone and says how to start over", async () => {
    const gw = await gateway();
    const { identityFile } = await setup();
    await mkdir(path.dirname(identityFile), { recursive: true });
    await writeFile(identityFile, "{ not json", { mode: 0o600 });
    const r = await pair({ url: gw.url, identityFile }, gw.token);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`The watchdog's device identity ${identityFile} is not valid JSON`);
    expect(r.stderr).toContain(`delete ${identityFile} and run \`scope-watchdog pair\``);
    expect(await readFile(identityFile, "utf8")).toBe("{ not json");
    expect(gw.connects).toEqual([]);
  });
});

describe("watchdog identity file", () => {
  it("gives concurrent first runs one identity", async () => {
    const { identityFile } = await setup();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => loadOrCreateWatchdogIdentity(identityFile)),
    );
    expect(new Set(results.map((r) => r.identity.deviceId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const saved = JSON.parse(await readFile(identityFile, "utf8")) as { deviceId: string };
    expect(saved.deviceId).toBe(results[0]?.identity.deviceId);
  });

  it("never prints its private key", async () => {
    const { identityFile } = await setup();
    const { identity } = await loadOrCreateWatchdogIdentity(identityFile);
    const saved = JSON.parse(await readFile(identityFile, "utf8")) as { privateKeyPem: string };
    const body = saved.privateKeyPem.split("\n")[1] ?? "";
    expect(body.length).toBeGreaterThan(10);
    expect(JSON.stringify(identity)).not.toContain(body);
    expect(String(Object.values(identity))).not.toContain(body);
  });

  it("rejects a deviceId that is not derived from the key, and tightens a loosened mode", async () => {
    const { identityFile } = await setup();
    await loadOrCreateWatchdogIdentity(identityFile);
    await chmod(identityFile, 0o644);
    await loadOrCreateWatchdogIdentity(identityFile);
    expect((await stat(identityFile)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(identityFile, "utf8")) as Record<string, unknown>;
    await writeFile(identityFile, JSON.stringify({ ...saved, deviceId: "f".repeat(64) }));
    await expect(loadOrCreateWatchdogIdentity(identityFile)).rejects.toThrow(
      /has a deviceId that is not the sha256 of its public key/,
    );
  });

  it("refuses OpenClaw's own identity/device.json", async () => {
    const { dir } = await setup();
    const err = await loadOrCreateWatchdogIdentity(
      path.join(dir, ".openclaw", "identity", "device.json"),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WatchdogIdentityError);
    expect(String(err)).toMatch(/OpenClaw's own identity\/device.json/);
  });
});
