// `scope-watchdog fix` on real temp state dirs with the fake-openclaw stand-in as openclaw.bin: the --json
// contract, exit codes, notify/dry-run/kill switch changing nothing, hostile requests never approved.

import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import JSON5 from "json5";
import { describe, expect, it } from "vitest";
import { createMachineLocks } from "../../src/actions/locks.js";
import { runFix } from "../../src/cli/fix.js";
import type { Io } from "../../src/cli/io.js";
import { ConfigError, type LoadedConfig } from "../../src/config/load.js";
import { remediationSchema } from "../../src/config/schema-remediation.js";
import { validateConfig } from "../../src/config/validate.js";
import { hashTree, installFakeOpenClaw, pairedTokens } from "../helpers/fake-openclaw.js";
import {
  CLI_DEFAULT_SCOPES_4_20,
  LegacyStateDir,
  makeIdentity,
  pendingRecord,
  tempDir,
  writeSeedState,
} from "../helpers/openclaw-state.js";

const GATEWAY_TOKEN = "gw-token-not-printed-0123456789";

interface FixJson {
  policy: string;
  dryRun: boolean;
  decisions: {
    requestId?: string;
    action: "approve" | "request-repair" | "notify" | "skip";
    reasons: string[];
    outcome?: { status: string; message: string; healed?: boolean };
  }[];
}

/**
 * Reads the --config file like the loader will once src/config/schema.ts mounts remediationSchema: the rest
 * through validateConfig, the `remediation` section through its schema, errors as ConfigError.
 */
async function loadWithRemediation(o: { flag: string | undefined }): Promise<LoadedConfig> {
  const file = o.flag ?? "";
  const { remediation, ...rest } = JSON5.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  const base = validateConfig(rest);
  if (!base.ok) throw new ConfigError(file, base.issues);
  const r = remediationSchema().safeParse(remediation ?? {});
  if (!r.success)
    throw new ConfigError(
      file,
      r.error.issues.map((i) => ({ field: ["remediation", ...i.path].join("."), message: i.message })),
    );
  return {
    config: { ...base.config, remediation: r.data } as LoadedConfig["config"],
    file,
    source: "--config",
  };
}

function memIo(env: NodeJS.ProcessEnv): { io: Io; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
  return {
    io: {
      stdout: sink((s) => {
        out += s;
      }),
      stderr: sink((s) => {
        err += s;
      }),
      env,
      now: Date.now,
      home: env.HOME ?? "/nonexistent",
    },
    out: () => out,
    err: () => err,
  };
}

async function setup(remediation?: Record<string, unknown>) {
  const root = await tempDir("sw-fix-");
  const state = new LegacyStateDir(path.join(root, "home", ".openclaw"));
  const seed = await writeSeedState(state);
  const fake = await installFakeOpenClaw(root);
  const config = path.join(root, "watchdog.json");
  await writeFile(
    config,
    JSON.stringify({ openclaw: { bin: fake.bin }, ...(remediation ? { remediation } : {}) }),
  );
  const env = {
    PATH: process.env.PATH,
    HOME: path.join(root, "home"),
    XDG_STATE_HOME: path.join(root, "xdg-state"),
    XDG_RUNTIME_DIR: path.join(root, "run"),
    NO_COLOR: "1",
    ...fake.env,
  };
  const dataDir = path.join(root, "xdg-state", "openclaw-scope-watchdog");
  const fix = async (args: { dryRun?: boolean; json?: boolean } = { json: true }) => {
    const m = memIo(env);
    const code = await runFix({ ...args, config }, m.io, {
      loadConfig: loadWithRemediation,
      retryDelayMs: 0,
    });
    return {
      code,
      stdout: m.out(),
      stderr: m.err(),
      json: args.json ? (JSON.parse(m.out()) as FixJson) : null,
    };
  };
  const approved = async () => {
    const paired = JSON.parse(await readFile(state.file("devices/paired.json"), "utf8")) as Record<
      string,
      { approvedScopes: string[] }
    >;
    return [...(paired[seed.id.deviceId]?.approvedScopes ?? [])].sort();
  };
  return { root, state, seed, fake, env, dataDir, fix, approved };
}

const APPROVE_LOCAL = { policy: "approve-local", allowScopes: CLI_DEFAULT_SCOPES_4_20 };

describe("scope-watchdog fix", () => {
  it("approve-local heals the seed's state, verifies it, exits 0, and prints the --json contract", async () => {
    const t = await setup(APPROVE_LOCAL);
    const r = await t.fix();
    expect(r.code).toBe(0);
    expect(r.json).toEqual({
      policy: "approve-local",
      dryRun: false,
      decisions: [
        expect.objectContaining({
          requestId: t.seed.requestId,
          action: "approve",
          reasons: expect.arrayContaining([expect.stringMatching(/lacks operator\.admin/)]),
          outcome: expect.objectContaining({ status: "healed", healed: true }),
        }),
      ],
    });
    expect(await t.approved()).toEqual(CLI_DEFAULT_SCOPES_4_20);
    const audit = path.join(t.dataDir, "audit.jsonl");
    expect((await stat(audit)).mode & 0o777).toBe(0o600);
    const phases = (await readFile(audit, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { kind: string; phase: string }).phase);
    expect(phases.filter((p) => p === "before")).toHaveLength(3);
    expect(phases.filter((p) => p === "after")).toHaveLength(3);
    const secrets = [
      GATEWAY_TOKEN,
      t.seed.deviceToken,
      ...(await pairedTokens(t.state.file("devices/paired.json"))),
    ];
    const everything = [r.stdout, r.stderr, await readFile(audit, "utf8")].join("\n");
    for (const s of secrets) expect(everything).not.toContain(s);
    for (const c of await t.fake.calls()) expect(c.argv.join(" ")).not.toContain(GATEWAY_TOKEN);
  });

  it("prints a readable report without --json", async () => {
    const t = await setup(APPROVE_LOCAL);
    const r = await t.fix({});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`APPROVE request ${t.seed.requestId}  healed`);
    expect(r.stdout).toContain("Healed and verified.");
    expect(r.stdout).toContain(`Audit log: ${t.dataDir}/audit.jsonl`);
  });

  it("notify (the default) changes nothing, runs nothing, and exits 1 with the command to run", async () => {
    const t = await setup();
    const before = await hashTree(t.state.dir);
    const r = await t.fix();
    expect(r.code).toBe(1);
    expect(r.json?.decisions).toEqual([
      expect.objectContaining({ action: "notify", requestId: t.seed.requestId }),
    ]);
    expect(await hashTree(t.state.dir)).toEqual(before);
    expect(await t.fake.calls()).toEqual([]);
  });

  it("--dry-run decides and explains, changes nothing, and exits 1", async () => {
    const t = await setup(APPROVE_LOCAL);
    const before = await hashTree(t.state.dir);
    const r = await t.fix({ dryRun: true, json: true });
    expect(r.code).toBe(1);
    expect(r.json?.dryRun).toBe(true);
    expect(r.json?.decisions[0]).toMatchObject({ action: "approve", outcome: { status: "dry-run" } });
    expect(await hashTree(t.state.dir)).toEqual(before);
    expect(await t.fake.calls()).toEqual([]);
  });

  it("the kill switch file turns it off: nothing runs, nothing changes, exit 1", async () => {
    const t = await setup(APPROVE_LOCAL);
    const { mkdir } = await import("node:fs/promises");
    await mkdir(t.dataDir, { recursive: true });
    await writeFile(path.join(t.dataDir, "disable-remediation"), "");
    const before = await hashTree(t.state.dir);
    const r = await t.fix();
    expect(r.code).toBe(1);
    expect(r.json?.decisions[0]?.reasons.join(" ")).toMatch(/kill switch/);
    expect(await hashTree(t.state.dir)).toEqual(before);
    expect(await t.fake.calls()).toEqual([]);
  });

  it("exits 1 and decides nothing while another remediation (the daemon's) holds the lock", async () => {
    const t = await setup(APPROVE_LOCAL);
    const held = await createMachineLocks({ env: t.env }).remediation(t.state.dir);
    expect(held).not.toBeNull();
    const r = await t.fix();
    await held?.release();
    expect(r.code).toBe(1);
    expect(r.json?.decisions).toEqual([
      expect.objectContaining({
        action: "skip",
        outcome: { status: "busy", message: "another remediation is running" },
      }),
    ]);
    expect(await t.fake.calls()).toEqual([]);
    expect((await t.fix()).code).toBe(0);
  });

  it("exits 0 with no decisions when the device is healthy", async () => {
    const t = await setup(APPROVE_LOCAL);
    expect((await t.fix()).code).toBe(0);
    const r = await t.fix();
    expect(r.code).toBe(0);
    expect(r.json?.decisions).toEqual([]);
  });

  it("exits 2 with a clear message when the config asks for approve-local without an allow-list", async () => {
    const t = await setup({ policy: "approve-local" });
    const r = await t.fix({ json: false });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/remediation\.allowScopes: expected a non-empty list of scopes/);
    expect(await t.fake.calls()).toEqual([]);
  });
});

describe("hostile pending requests are never approved", () => {
  const other = makeIdentity();
  const hostile: [string, (local: ReturnType<typeof makeIdentity>) => Record<string, unknown>][] = [
    ["another device", () => pendingRecord(other, { scopes: CLI_DEFAULT_SCOPES_4_20 })],
    [
      "this device id with another key",
      (local) => pendingRecord(local, { scopes: CLI_DEFAULT_SCOPES_4_20, publicKey: other.publicKey }),
    ],
    [
      "a remote address",
      (local) => pendingRecord(local, { scopes: CLI_DEFAULT_SCOPES_4_20, remoteIp: "198.51.100.4" }),
    ],
    [
      "the Control UI",
      (local) => pendingRecord(local, { scopes: CLI_DEFAULT_SCOPES_4_20, clientId: "openclaw-control-ui" }),
    ],
    [
      "the Android app",
      (local) => pendingRecord(local, { scopes: CLI_DEFAULT_SCOPES_4_20, clientId: "openclaw-android" }),
    ],
    ["the node role", (local) => pendingRecord(local, { scopes: CLI_DEFAULT_SCOPES_4_20, role: "node" })],
    [
      "a platform change",
      (local) => pendingRecord(local, { scopes: CLI_DEFAULT_SCOPES_4_20, platform: "darwin" }),
    ],
    [
      "a scope outside the allow-list",
      (local) => pendingRecord(local, { scopes: [...CLI_DEFAULT_SCOPES_4_20, "operator.questions"] }),
    ],
    [
      "an expiring request",
      (local) => pendingRecord(local, { scopes: CLI_DEFAULT_SCOPES_4_20, ts: Date.now() - 290_000 }),
    ],
  ];

  it.each(hostile)("%s", async (_name, make) => {
    const t = await setup(APPROVE_LOCAL);
    await t.state.writePending([make(t.seed.id)]);
    const before = await hashTree(t.state.dir);
    const r = await t.fix();
    expect(r.code).toBe(1);
    expect(r.json?.decisions.some((d) => d.action === "approve" || d.action === "request-repair")).toBe(
      false,
    );
    expect((await t.fake.calls()).some((c) => c.argv[1] === "approve")).toBe(false);
    expect(await hashTree(t.state.dir)).toEqual(before);
    expect(await t.approved()).toEqual(["operator.approvals"]);
  });
});
