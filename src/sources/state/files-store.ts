// The file-based pairing state of OpenClaw 2026.4.x to 2026.7.x: identity/*.json and devices/*.json.

import { lstat } from "node:fs/promises";
import path from "node:path";
import { cleanField } from "../../common/clean-text.js";
import { deriveDeviceKey } from "../../common/device-key.js";
import { errorMessage } from "../../common/errors.js";
import { isPendingLive } from "../../common/pairing.js";
import type {
  DeviceAuthCache,
  LocalIdentity,
  PairedDevice,
  PendingRequest,
  StateProblem,
} from "../../common/types.js";
import {
  MAX_FIELD_CHARS,
  parsePairedDevice,
  parsePendingRequest,
  parseRecordMap,
  parseTokenMap,
  type RecordSpec,
  recordIssues,
} from "./records.js";
import { type ReadOptions, readJsonFile } from "./safe-read.js";

export const IDENTITY_FILE = "identity/device.json";
export const DEVICE_AUTH_FILE = "identity/device-auth.json";
export const PAIRED_FILE = "devices/paired.json";
export const PENDING_FILE = "devices/pending.json";

const SUPPORTED_VERSION = 1;

const IDENTITY: RecordSpec = { version: "number", deviceId: "string", publicKeyPem: "string" };
const DEVICE_AUTH: RecordSpec = { version: "number", deviceId: "string" };

export interface Read<T> {
  value: T;
  problems: StateProblem[];
}

function problem(
  stateDir: string,
  rel: string,
  text: string,
  hint?: string,
  severity?: StateProblem["severity"],
) {
  const p: StateProblem = { file: path.join(stateDir, rel), problem: text };
  if (hint) p.hint = hint;
  if (severity) p.severity = severity;
  return p;
}

function versionProblem(stateDir: string, rel: string, version: number): StateProblem {
  return problem(
    stateDir,
    rel,
    `has schema version ${version}; this watchdog understands version ${SUPPORTED_VERSION}`,
    "update openclaw-scope-watchdog, it may predate this OpenClaw release",
  );
}

export async function readIdentityFile(
  stateDir: string,
  opts?: ReadOptions,
): Promise<Read<LocalIdentity | null>> {
  const file = path.join(stateDir, IDENTITY_FILE);
  const r = await readJsonFile(file, opts);
  if (!r.ok) {
    if (r.missing) {
      return {
        value: null,
        problems: [
          problem(
            stateDir,
            IDENTITY_FILE,
            "does not exist: no OpenClaw client has used this state directory yet",
            "it is created the first time the CLI, the gateway's own clients or a probe connect",
            "info",
          ),
        ],
      };
    }
    return { value: null, problems: [problem(stateDir, IDENTITY_FILE, r.problem, r.hint)] };
  }
  return identityFromJson(stateDir, r.value);
}

/** A parsed identity/device.json as this machine's identity (key derived from the PEM), or the problem. */
export function identityFromJson(stateDir: string, value: unknown): Read<LocalIdentity | null> {
  const file = path.join(stateDir, IDENTITY_FILE);
  const issues = recordIssues(value, IDENTITY, "", "(file)");
  if (issues.length > 0) {
    const why = issues.join("; ");
    return { value: null, problems: [problem(stateDir, IDENTITY_FILE, `is not a device identity (${why})`)] };
  }
  const id = value as { version: number; deviceId: string; publicKeyPem: string };
  if (id.version !== SUPPORTED_VERSION) {
    return { value: null, problems: [versionProblem(stateDir, IDENTITY_FILE, id.version)] };
  }
  try {
    const key = deriveDeviceKey(id.publicKeyPem);
    return {
      value: {
        deviceId: key.deviceId,
        storedDeviceId: cleanField(id.deviceId, MAX_FIELD_CHARS),
        publicKey: key.publicKey,
        source: file,
      },
      problems: [],
    };
  } catch (err) {
    return { value: null, problems: [problem(stateDir, IDENTITY_FILE, errorMessage(err))] };
  }
}

export async function readDeviceAuthFile(
  stateDir: string,
  opts?: ReadOptions,
): Promise<Read<DeviceAuthCache | null>> {
  const file = path.join(stateDir, DEVICE_AUTH_FILE);
  const r = await readJsonFile(file, opts);
  if (!r.ok)
    return {
      value: null,
      problems: r.missing ? [] : [problem(stateDir, DEVICE_AUTH_FILE, r.problem, r.hint)],
    };
  return deviceAuthFromJson(stateDir, r.value);
}

/** A parsed identity/device-auth.json as the token cache's metadata (token strings registered and dropped). */
export function deviceAuthFromJson(stateDir: string, value: unknown): Read<DeviceAuthCache | null> {
  const file = path.join(stateDir, DEVICE_AUTH_FILE);
  const issues = recordIssues(value, DEVICE_AUTH, "", "(file)");
  if (issues.length > 0) {
    return {
      value: null,
      problems: [
        problem(
          stateDir,
          DEVICE_AUTH_FILE,
          `is not a device-auth token cache (${issues.slice(0, 3).join("; ")})`,
        ),
      ],
    };
  }
  const auth = value as { version: number; deviceId: string; tokens?: unknown };
  if (auth.version !== SUPPORTED_VERSION) {
    return { value: null, problems: [versionProblem(stateDir, DEVICE_AUTH_FILE, auth.version)] };
  }
  const tokens = parseTokenMap(auth.tokens ?? {});
  if (!tokens) {
    return {
      value: null,
      problems: [problem(stateDir, DEVICE_AUTH_FILE, "tokens: expected an object keyed by role")],
    };
  }
  return {
    value: { deviceId: cleanField(auth.deviceId, MAX_FIELD_CHARS), tokens, source: file },
    problems: [],
  };
}

/** Whether identity/device-auth.json exists (on 2026.8+ its mere presence blocks every device-auth operation). */
export async function deviceAuthFileExists(stateDir: string): Promise<boolean> {
  try {
    await lstat(path.join(stateDir, DEVICE_AUTH_FILE));
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

export async function readPairedFile(stateDir: string, opts?: ReadOptions): Promise<Read<PairedDevice[]>> {
  const file = path.join(stateDir, PAIRED_FILE);
  const r = await readJsonFile(file, opts);
  // OpenClaw treats a missing store as empty: nothing has been paired yet.
  if (!r.ok)
    return { value: [], problems: r.missing ? [] : [problem(stateDir, PAIRED_FILE, r.problem, r.hint)] };
  const { values, problems } = parseRecordMap(r.value, file, "deviceId", parsePairedDevice);
  return { value: values, problems };
}

export async function readPendingFile(
  stateDir: string,
  nowMs: number,
  opts?: ReadOptions,
): Promise<Read<PendingRequest[]>> {
  const file = path.join(stateDir, PENDING_FILE);
  const r = await readJsonFile(file, opts);
  if (!r.ok)
    return { value: [], problems: r.missing ? [] : [problem(stateDir, PENDING_FILE, r.problem, r.hint)] };
  const { values, problems } = parseRecordMap(r.value, file, "requestId", parsePendingRequest);
  return { value: values.filter((req) => isPendingLive(req, nowMs)), problems };
}
