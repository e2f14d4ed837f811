// The local device identity every OpenClaw process signs with: identity/device.json (4.x) or SQLite (8.x+).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Gateway } from "./gateway.js";
import { SQLITE_IDENTITY_SCRIPT, usesSqliteStore } from "./paths.js";
import { runCommand } from "./run.js";

export interface DeviceIdentity {
  deviceId: string;
  publicKeyPem: string;
  privateKeyPem: string;
}

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX_LENGTH = 12;

function rawPublicKey(publicKeyPem: string): Buffer {
  const der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  return der.subarray(ED25519_SPKI_PREFIX_LENGTH);
}

/** What the gateway stores as `publicKey` and expects in `connect.device.publicKey`: base64url(raw key). */
export function publicKeyBase64Url(identity: DeviceIdentity): string {
  return rawPublicKey(identity.publicKeyPem).toString("base64url");
}

/** deviceId = sha256 hex of the raw public key. */
export function fingerprint(publicKeyPem: string): string {
  return createHash("sha256").update(rawPublicKey(publicKeyPem)).digest("hex");
}

/** A new Ed25519 identity: another device on the same gateway (a phone, a second machine, an intruder). */
export function generateIdentity(): DeviceIdentity {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  return {
    deviceId: fingerprint(publicKeyPem),
    publicKeyPem,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/** Ed25519 signature of a UTF-8 payload, base64url. */
export function signPayload(identity: DeviceIdentity, payload: string): string {
  return sign(null, Buffer.from(payload, "utf8"), createPrivateKey(identity.privateKeyPem)).toString(
    "base64url",
  );
}

function parseIdentity(value: unknown, source: string): DeviceIdentity {
  if (
    typeof value === "object" &&
    value !== null &&
    "deviceId" in value &&
    "publicKeyPem" in value &&
    "privateKeyPem" in value &&
    typeof value.deviceId === "string" &&
    typeof value.publicKeyPem === "string" &&
    typeof value.privateKeyPem === "string"
  ) {
    const identity = {
      deviceId: value.deviceId,
      publicKeyPem: value.publicKeyPem,
      privateKeyPem: value.privateKeyPem,
    };
    if (fingerprint(identity.publicKeyPem) !== identity.deviceId) {
      throw new Error(`${source}: deviceId does not match the public key`);
    }
    return identity;
  }
  throw new Error(`${source}: not a device identity`);
}

export const legacyIdentityPath = (stateDir: string): string =>
  path.join(stateDir, "identity", "device.json");
export const deviceAuthPath = (stateDir: string): string =>
  path.join(stateDir, "identity", "device-auth.json");
export const sqlitePath = (stateDir: string): string => path.join(stateDir, "state", "openclaw.sqlite");

/** 2026.4.x-7.x: `<stateDir>/identity/device.json`, or null if no client has created it yet. */
export function readLegacyIdentity(stateDir: string): DeviceIdentity | null {
  const file = legacyIdentityPath(stateDir);
  if (!existsSync(file)) return null;
  return parseIdentity(JSON.parse(readFileSync(file, "utf8")), file);
}

/**
 * 2026.8+: the `device_identities` row (default `primary`) of `<stateDir>/state/openclaw.sqlite`, read
 * read-only by a helper script under the gateway's Node 24 (node:sqlite; Node 20 has none).
 */
export async function readSqliteIdentity(
  gateway: Gateway,
  identityKey = "primary",
): Promise<DeviceIdentity | null> {
  const db = sqlitePath(gateway.stateDir);
  if (!existsSync(db)) return null;
  const result = await runCommand(
    gateway.nodeBin,
    ["--no-warnings", SQLITE_IDENTITY_SCRIPT, db, identityKey],
    {
      env: gateway.env(),
      timeoutMs: 30_000,
    },
  );
  if (result.code !== 0) throw new Error(`reading the identity from ${db} failed: ${result.stderr.trim()}`);
  const value: unknown = JSON.parse(result.stdout);
  return value === null ? null : parseIdentity(value, `${db} device_identities[${identityKey}]`);
}

/** The identity local OpenClaw clients of `gateway`'s version sign with. */
export async function localIdentity(gateway: Gateway): Promise<DeviceIdentity | null> {
  return usesSqliteStore(gateway.version)
    ? readSqliteIdentity(gateway)
    : readLegacyIdentity(gateway.stateDir);
}
