// The watchdog's OWN Ed25519 device identity (never OpenClaw's identity/device.json): created once, kept 0600.

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { chmod, link, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { syncDir, writePrivateTemp } from "../../common/atomic-file.js";
import { deriveDeviceKey } from "../../common/device-key.js";
import { errorMessage } from "../../common/errors.js";
import type { DeviceSigner } from "./protocol.js";

/** The file's shape, the same as OpenClaw's identity/device.json so its tools can read it. */
export interface WatchdogIdentityFile {
  version: 1;
  deviceId: string;
  publicKeyPem: string;
  privateKeyPem: string;
  createdAtMs: number;
}

/** The identity in memory: the private key is a KeyObject, which prints and serialises without its material. */
export interface WatchdogIdentity extends DeviceSigner {
  publicKeyPem: string;
  createdAtMs: number;
  file: string;
}

export interface LoadedIdentity {
  identity: WatchdogIdentity;
  /** The file did not exist and was written now (a new device: it needs pairing). */
  created: boolean;
}

/** The identity file exists but cannot be used; it is never replaced behind the user's back. */
export class WatchdogIdentityError extends Error {
  override readonly name = "WatchdogIdentityError";
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(
      `The watchdog's device identity ${file} ${problem}. It was left as it is: a new identity is a new device, ` +
        `which must be paired again. To start over, delete ${file} and run \`scope-watchdog pair\` ` +
        "(and remove the old device with `openclaw devices remove <deviceId>` if it was paired).",
    );
  }
}

/** `<dataDir>/identity.json`. */
export function watchdogIdentityFile(dataDir: string): string {
  return path.join(dataDir, "identity.json");
}

function fromFile(file: string, raw: unknown): WatchdogIdentity {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new WatchdogIdentityError(file, "is not a JSON object");
  const r = raw as Record<string, unknown>;
  if (r.version !== 1)
    throw new WatchdogIdentityError(file, `has version ${JSON.stringify(r.version)} (expected 1)`);
  const { deviceId, publicKeyPem, privateKeyPem, createdAtMs } = r;
  if (typeof publicKeyPem !== "string" || typeof privateKeyPem !== "string" || typeof deviceId !== "string") {
    throw new WatchdogIdentityError(file, "lacks deviceId, publicKeyPem or privateKeyPem");
  }
  let privateKey: KeyObject;
  let derived: ReturnType<typeof deriveDeviceKey>;
  try {
    privateKey = createPrivateKey(privateKeyPem);
    derived = deriveDeviceKey(publicKeyPem);
  } catch (err) {
    throw new WatchdogIdentityError(file, `holds an unusable key (${errorMessage(err)})`);
  }
  if (privateKey.asymmetricKeyType !== "ed25519")
    throw new WatchdogIdentityError(file, "holds a private key that is not Ed25519");
  const fromPrivate = deriveDeviceKey(
    createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString(),
  );
  if (fromPrivate.publicKey !== derived.publicKey)
    throw new WatchdogIdentityError(file, "holds a public key that does not belong to its private key");
  if (deviceId !== derived.deviceId)
    throw new WatchdogIdentityError(file, "has a deviceId that is not the sha256 of its public key");
  return {
    deviceId,
    publicKey: derived.publicKey,
    publicKeyPem,
    privateKey,
    createdAtMs: typeof createdAtMs === "number" ? createdAtMs : 0,
    file,
  };
}

function generate(nowMs: number): WatchdogIdentityFile {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return {
    version: 1,
    deviceId: deriveDeviceKey(publicKeyPem).deviceId,
    publicKeyPem,
    privateKeyPem,
    createdAtMs: nowMs,
  };
}

/** Writes `data` to `file` only if it does not exist yet: temp file (0600, fsync), hard link, dir fsync. */
async function createExclusive(file: string, data: string): Promise<boolean> {
  const tmp = await writePrivateTemp(file, data);
  let created = true;
  try {
    // link fails with EEXIST where rename would replace: two processes starting at once keep one identity
    await link(tmp, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") created = false;
    else if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS") {
      // file systems without hard links (some FUSE/DrvFs mounts): the atomic rename is the next best thing
      await rename(tmp, file);
    } else {
      await rm(tmp, { force: true });
      throw err;
    }
  }
  await rm(tmp, { force: true });
  await syncDir(path.dirname(file));
  return created;
}

/** Loads the watchdog's identity from `file`, creating it (0600, folder 0700) on first use; corrupt is an error. */
export async function loadOrCreateWatchdogIdentity(
  file: string,
  now: () => number = Date.now,
): Promise<LoadedIdentity> {
  const abs = path.resolve(file);
  if (path.basename(abs) === "device.json" && path.basename(path.dirname(abs)) === "identity") {
    throw new WatchdogIdentityError(
      abs,
      "looks like OpenClaw's own identity/device.json, which the watchdog must never use or write",
    );
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    let text: string | null = null;
    try {
      text = await readFile(abs, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT")
        throw new WatchdogIdentityError(abs, `cannot be read (${code ?? errorMessage(err)})`);
    }
    if (text === null) {
      const fresh = generate(now());
      if (await createExclusive(abs, `${JSON.stringify(fresh, null, 2)}\n`))
        return { identity: fromFile(abs, fresh), created: true };
      continue; // another process created it first: read theirs
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new WatchdogIdentityError(abs, "is not valid JSON");
    }
    const identity = fromFile(abs, raw);
    // the file holds a private key: tighten it if someone loosened it
    if (((await stat(abs)).mode & 0o077) !== 0) await chmod(abs, 0o600);
    return { identity, created: false };
  }
  throw new WatchdogIdentityError(abs, "kept appearing and disappearing while it was being created");
}
