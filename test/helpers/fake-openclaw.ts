// Installs test/fixtures/fake-openclaw.mjs as an `openclaw` executable (with a package.json naming its version)
// and reads back what it was called with.

import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export const FAKE_OPENCLAW = path.resolve(import.meta.dirname, "..", "fixtures", "fake-openclaw.mjs");

export interface FakeControl {
  gatewayDown?: boolean;
  churnApproves?: number;
  churnScopes?: string[];
  churnPatch?: Record<string, unknown>;
  hangAfterApprove?: boolean;
  hangBeforeApprove?: boolean;
  ignoreSigterm?: boolean;
  approveWithoutWriting?: boolean;
  failApprove?: { code?: number; stderr?: string };
  listExitCode?: number;
  floodBytes?: number;
  connectCreatesNoRequest?: boolean;
  approveGrants?: string[];
  approveAddsRole?: string;
  approveSetsKey?: string;
  approveTouchesOthers?: boolean;
  approveViaGateway?: { url: string; persistFirst?: boolean };
  crash?: "list" | "approve";
  garbage?: "list" | "approve";
}

export interface FakeCall {
  argv: string[];
  pid: number;
  stateDir: string | null;
  configPath: string | null;
  gatewayUrlSet: boolean;
  gatewayTokenSha256: string | null;
}

export interface FakeOpenClaw {
  /** The executable to configure as openclaw.bin. */
  bin: string;
  /** FAKE_OPENCLAW_* variables to put into the environment the watchdog passes on. */
  env: Record<string, string>;
  control(c: FakeControl): Promise<void>;
  calls(): Promise<FakeCall[]>;
}

/** `<root>/oc/lib/node_modules/openclaw/openclaw`: a shell shim running the fixture with this Node. */
export async function installFakeOpenClaw(root: string, version = "2026.4.20"): Promise<FakeOpenClaw> {
  const pkgDir = path.join(root, "oc", "lib", "node_modules", "openclaw");
  await mkdir(pkgDir, { recursive: true });
  await writeFile(path.join(pkgDir, "package.json"), JSON.stringify({ name: "openclaw", version }));
  const bin = path.join(pkgDir, "openclaw");
  await writeFile(bin, `#!/bin/sh\nexec '${process.execPath}' '${FAKE_OPENCLAW}' "$@"\n`);
  await chmod(bin, 0o755);
  const controlFile = path.join(root, "fake-openclaw-control.json");
  const logFile = path.join(root, "fake-openclaw-calls.jsonl");
  await writeFile(controlFile, "{}");
  return {
    bin,
    env: { FAKE_OPENCLAW_CONTROL: controlFile, FAKE_OPENCLAW_LOG: logFile },
    async control(c) {
      await writeFile(controlFile, JSON.stringify(c));
    },
    async calls() {
      let text = "";
      try {
        text = await readFile(logFile, "utf8");
      } catch {
        return [];
      }
      return text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as FakeCall);
    },
  };
}

/** sha256 of every file under `dir` (relative path -> hash), to prove a run changed nothing there. */
export async function hashTree(dir: string): Promise<Record<string, string>> {
  const { createHash } = await import("node:crypto");
  const { readdir } = await import("node:fs/promises");
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else
        out[path.relative(dir, p)] = createHash("sha256")
          .update(await readFile(p))
          .digest("hex");
    }
  };
  await walk(dir);
  return out;
}

/** Every token string in a 2026.4.x paired.json (the values a leak scan must not find anywhere). */
export async function pairedTokens(pairedJson: string): Promise<string[]> {
  const raw = JSON.parse(await readFile(pairedJson, "utf8")) as Record<
    string,
    { tokens?: Record<string, { token?: string }> }
  >;
  return Object.values(raw).flatMap((d) =>
    Object.values(d.tokens ?? {}).flatMap((t) => (typeof t.token === "string" ? [t.token] : [])),
  );
}
