// Ed25519 device keys as OpenClaw derives them (src/infra/device-identity.ts): deviceId and wire public key.

import { createHash, createPublicKey } from "node:crypto";
import { errorMessage } from "./errors.js";

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface DerivedKey {
  /** sha256 hex of the raw public key. */
  deviceId: string;
  /** base64url of the raw 32 bytes, the form used in pairing records and on the wire. */
  publicKey: string;
}

/** Derives OpenClaw's device id and wire key from an SPKI PEM; throws with a plain message when it is not Ed25519. */
export function deriveDeviceKey(publicKeyPem: string): DerivedKey {
  let der: Buffer;
  try {
    der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  } catch (err) {
    throw new Error(`publicKeyPem is not a valid public key (${errorMessage(err)})`);
  }
  if (der.length !== ED25519_SPKI_PREFIX.length + 32 || !der.subarray(0, 12).equals(ED25519_SPKI_PREFIX)) {
    throw new Error("publicKeyPem is not an Ed25519 key");
  }
  const raw = der.subarray(ED25519_SPKI_PREFIX.length);
  return {
    deviceId: createHash("sha256").update(raw).digest("hex"),
    publicKey: raw.toString("base64url"),
  };
}
