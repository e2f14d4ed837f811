// Builders for OpenClaw state directories in the exact on-disk shapes of 2026.4.20 (JSON files); the
// SQLite shape of 2026.9.6 is written by sqlite-state.mjs under Node 24.

import { createHash, generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { onTestFinished } from "vitest";
import { CLI_SCOPES } from "./records.js";

export interface FixtureIdentity {
  deviceId: string;
  /** base64url of the raw 32-byte key, as pairing records store it. */
  publicKey: string;
  publicKeyPem: string;
  privateKeyPem: string;
}

export function makeIdentity(): FixtureIdentity {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const raw = publicKey.export({ type: "spki", format: "der" }).subarray(12);
  return {
    deviceId: createHash("sha256").update(raw).digest("hex"),
    publicKey: raw.toString("base64url"),
    publicKeyPem,
    privateKeyPem,
  };
}

/** A device token as OpenClaw mints it: randomBytes(32).toString("base64url"). */
export function makeToken(): string {
  return randomBytes(32).toString("base64url");
}

/** What the 2026.4.20 CLI asks for (CLI_DEFAULT_OPERATOR_SCOPES), sorted. */
export const CLI_DEFAULT_SCOPES_4_20 = CLI_SCOPES;

export interface PairedOptions {
  scopes: string[];
  approvedScopes?: string[];
  clientId?: string;
  clientMode?: string;
  platform?: string;
  roles?: string[];
  token?: string;
  tokenScopes?: string[];
  revokedAtMs?: number;
  approvedAtMs?: number;
}

/** A devices/paired.json entry as approveDevicePairing writes it on 2026.4.20. */
export function pairedRecord(id: FixtureIdentity, o: PairedOptions): Record<string, unknown> {
  const now = o.approvedAtMs ?? Date.now() - 60_000;
  return {
    deviceId: id.deviceId,
    publicKey: id.publicKey,
    platform: o.platform ?? "linux",
    clientId: o.clientId ?? "cli",
    clientMode: o.clientMode ?? "cli",
    role: "operator",
    roles: o.roles ?? ["operator"],
    scopes: o.scopes,
    approvedScopes: o.approvedScopes ?? o.scopes,
    tokens: {
      operator: {
        token: o.token ?? makeToken(),
        role: "operator",
        scopes: o.tokenScopes ?? o.scopes,
        createdAtMs: now,
        ...(o.revokedAtMs ? { revokedAtMs: o.revokedAtMs } : {}),
      },
    },
    createdAtMs: now,
    approvedAtMs: now,
  };
}

export interface PendingOptions {
  requestId?: string;
  scopes: string[];
  ts?: number;
  isRepair?: boolean;
  clientId?: string;
  clientMode?: string;
  platform?: string;
  role?: string;
  roles?: string[];
  remoteIp?: string;
  displayName?: string;
  publicKey?: string;
}

/** A devices/pending.json entry as requestDevicePairing writes it on 2026.4.20. */
export function pendingRecord(id: FixtureIdentity, o: PendingOptions): Record<string, unknown> {
  return {
    requestId: o.requestId ?? randomUUID(),
    deviceId: id.deviceId,
    publicKey: o.publicKey ?? id.publicKey,
    displayName: o.displayName ?? "cli",
    platform: o.platform ?? "linux",
    clientId: o.clientId ?? "cli",
    clientMode: o.clientMode ?? "cli",
    role: o.role ?? "operator",
    roles: o.roles ?? [o.role ?? "operator"],
    scopes: o.scopes,
    ...(o.remoteIp ? { remoteIp: o.remoteIp } : {}),
    silent: false,
    isRepair: o.isRepair ?? true,
    ts: o.ts ?? Date.now() - 5_000,
  };
}

export async function tempDir(prefix = "sw-test-"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true, maxRetries: 3 }));
  return dir;
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

/** A 2026.4.x state directory written file by file. */
export class LegacyStateDir {
  constructor(readonly dir: string) {}

  file(rel: string): string {
    return path.join(this.dir, rel);
  }

  async writeIdentity(id: FixtureIdentity, storedDeviceId = id.deviceId): Promise<void> {
    await writeJson(this.file("identity/device.json"), {
      version: 1,
      deviceId: storedDeviceId,
      publicKeyPem: id.publicKeyPem,
      privateKeyPem: id.privateKeyPem,
      createdAtMs: Date.now() - 86_400_000,
    });
  }

  async writeDeviceAuth(id: FixtureIdentity, scopes: string[], token = makeToken()): Promise<void> {
    await writeJson(this.file("identity/device-auth.json"), {
      version: 1,
      deviceId: id.deviceId,
      tokens: { operator: { token, role: "operator", scopes, updatedAtMs: Date.now() - 1_000 } },
    });
  }

  async writePaired(records: Record<string, unknown>[]): Promise<void> {
    await writeJson(
      this.file("devices/paired.json"),
      Object.fromEntries(records.map((r) => [r.deviceId, r])),
    );
  }

  async writePending(records: Record<string, unknown>[]): Promise<void> {
    await writeJson(
      this.file("devices/pending.json"),
      Object.fromEntries(records.map((r) => [r.requestId, r])),
    );
  }

  async writeOpenClawConfig(config: Record<string, unknown>): Promise<void> {
    await writeJson(this.file("openclaw.json"), config);
  }
}

/** The gateway port writeSeedState puts in openclaw.json: log lines of this state's gateway name it. */
export const SEED_GATEWAY_PORT = 18790;

/** The seed's state on 2026.4.x: paired approvals-only, a pending scope-upgrade from the same device. */
export async function writeSeedState(state: LegacyStateDir, id = makeIdentity()) {
  const requestId = randomUUID();
  const deviceToken = makeToken();
  await state.writeOpenClawConfig({
    gateway: {
      port: SEED_GATEWAY_PORT,
      bind: "loopback",
      auth: { mode: "token", token: "gw-token-not-printed-0123456789" },
    },
  });
  await state.writeIdentity(id);
  await state.writeDeviceAuth(id, ["operator.approvals"], deviceToken);
  await state.writePaired([pairedRecord(id, { scopes: ["operator.approvals"], token: deviceToken })]);
  await state.writePending([pendingRecord(id, { requestId, scopes: CLI_DEFAULT_SCOPES_4_20 })]);
  return { id, requestId, deviceToken };
}

/** A healthy 2026.4.x state: the CLI paired first with its full scope set. */
export async function writeHealthyState(state: LegacyStateDir, id = makeIdentity()) {
  const deviceToken = makeToken();
  await state.writeIdentity(id);
  await state.writeDeviceAuth(id, CLI_DEFAULT_SCOPES_4_20, deviceToken);
  await state.writePaired([pairedRecord(id, { scopes: CLI_DEFAULT_SCOPES_4_20, token: deviceToken })]);
  await state.writePending([]);
  return { id, deviceToken };
}

/** A directory holding a fake `openclaw` install (package.json + executable entry) at a given version. */
export async function fakeOpenClawInstall(root: string, version: string): Promise<string> {
  const pkgDir = path.join(root, "lib", "node_modules", "openclaw");
  await mkdir(pkgDir, { recursive: true });
  await writeFile(path.join(pkgDir, "package.json"), JSON.stringify({ name: "openclaw", version }));
  const entry = path.join(pkgDir, "openclaw.mjs");
  await writeFile(entry, `#!/usr/bin/env node\nconsole.log("OpenClaw ${version}");\n`, { mode: 0o755 });
  const binDir = path.join(root, "bin");
  await mkdir(binDir, { recursive: true });
  const { symlink } = await import("node:fs/promises");
  await symlink(entry, path.join(binDir, "openclaw"));
  return binDir;
}
