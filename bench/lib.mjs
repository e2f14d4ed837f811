// Small helpers shared by the benchmarks: statistics, temp folders, typical OpenClaw state.
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..");
/** What `scope-watchdog` runs: the package's "bin" (dist/cli/bin.cjs). */
export const CLI = path.join(
  ROOT,
  JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).bin["scope-watchdog"],
);

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

export async function tempDir(prefix = "sw-bench-") {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export function identity() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ type: "spki", format: "der" }).subarray(12);
  return {
    deviceId: createHash("sha256").update(raw).digest("hex"),
    publicKey: raw.toString("base64url"),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

const json = (file, value) =>
  mkdir(path.dirname(file), { recursive: true }).then(() =>
    writeFile(file, JSON.stringify(value, null, 2), { mode: 0o600 }),
  );

/** The 2026.4.x CLI's default scope set: what a healthy local device has. */
export const FULL_SCOPES = [
  "operator.admin",
  "operator.approvals",
  "operator.pairing",
  "operator.read",
  "operator.talk.secrets",
  "operator.write",
];

function paired(id, scopes, clientId = "cli") {
  const now = Date.now() - 3_600_000;
  return {
    deviceId: id.deviceId,
    publicKey: id.publicKey,
    platform: "linux",
    clientId,
    clientMode: clientId,
    role: "operator",
    roles: ["operator"],
    scopes,
    approvedScopes: scopes,
    tokens: {
      operator: {
        token: randomBytes(32).toString("base64url"),
        role: "operator",
        scopes,
        createdAtMs: now,
        lastUsedAtMs: now,
      },
    },
    createdAtMs: now,
    approvedAtMs: now,
  };
}

/**
 * A typical 2026.4.x state directory: the local device (seed state: approvals only, one pending upgrade; or
 * with `healthy`, the CLI's full scope set and nothing pending),
 * four other paired devices (phones, a laptop), one other pending request, openclaw.json, and a fake
 * `openclaw` install at `version` for the version lookup.
 */
export async function typicalState(root, version = "2026.4.20", { healthy = false } = {}) {
  const stateDir = path.join(root, "home", ".openclaw");
  const me = await typicalStateDir(stateDir, { healthy });
  const pkg = path.join(root, "oc", "lib", "node_modules", "openclaw");
  await json(path.join(pkg, "package.json"), { name: "openclaw", version });
  await writeFile(path.join(pkg, "openclaw.mjs"), "#!/usr/bin/env node\n", { mode: 0o755 });
  await mkdir(path.join(root, "oc", "bin"), { recursive: true });
  await symlink(path.join(pkg, "openclaw.mjs"), path.join(root, "oc", "bin", "openclaw"));
  const config = path.join(root, "watchdog.json");
  // the gateway log the daemon follows (an idle gateway writes nothing to it)
  const logFile = path.join(root, "logs", "openclaw.log");
  await mkdir(path.dirname(logFile), { recursive: true });
  await writeFile(logFile, "");
  await json(config, { openclaw: { stateDir, bin: path.join(root, "oc", "bin", "openclaw"), logFile } });
  return { stateDir, config, home: path.join(root, "home"), me };
}

/** The paired.json of a typical state whose local device holds `scopes` (and four other devices' records). */
export function pairedFile(me, scopes, others) {
  const all = [
    paired(me, scopes),
    ...others.map((o, i) =>
      paired(o, ["operator.read", "operator.write"], i % 2 ? "openclaw-ios" : "openclaw-macos"),
    ),
  ];
  return Object.fromEntries(all.map((d) => [d.deviceId, d]));
}

/** One typical 2026.4.x state directory (see typicalState); returns the local identity and the other devices. */
export async function typicalStateDir(stateDir, { healthy = false, port = 18790 } = {}) {
  const me = identity();
  const others = [identity(), identity(), identity(), identity()];
  await json(path.join(stateDir, "openclaw.json"), {
    gateway: {
      mode: "local",
      port,
      bind: "loopback",
      auth: { mode: "token", token: randomBytes(24).toString("hex") },
    },
    agents: { defaults: { heartbeat: { every: "30m" } } },
  });
  await json(path.join(stateDir, "identity", "device.json"), { version: 1, ...me, createdAtMs: Date.now() });
  await json(path.join(stateDir, "identity", "device-auth.json"), {
    version: 1,
    deviceId: me.deviceId,
    tokens: {
      operator: {
        token: randomBytes(32).toString("base64url"),
        role: "operator",
        scopes: ["operator.approvals"],
        updatedAtMs: Date.now(),
      },
    },
  });
  await json(
    path.join(stateDir, "devices", "paired.json"),
    pairedFile(me, healthy ? FULL_SCOPES : ["operator.approvals"], others),
  );
  const pend = (id, scopes, clientId) => ({
    requestId: randomUUID(),
    deviceId: id.deviceId,
    publicKey: id.publicKey,
    displayName: clientId,
    platform: "linux",
    clientId,
    clientMode: "cli",
    role: "operator",
    roles: ["operator"],
    scopes,
    silent: false,
    isRepair: true,
    ts: Date.now() - 10_000,
  });
  const pending = healthy
    ? []
    : [pend(me, FULL_SCOPES, "cli"), pend(others[0], ["operator.admin"], "openclaw-ios")];
  await json(
    path.join(stateDir, "devices", "pending.json"),
    Object.fromEntries(pending.map((p) => [p.requestId, p])),
  );
  me.others = others;
  return me;
}

export function machine() {
  return `${os.cpus()[0]?.model ?? "?"} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}
