// The daemon learns the running gateway's version from hello-ok on its own connection (a real `ws` gateway
// stand-in on 127.0.0.1 that answers with server.version): it decides the rules, `status` names the source, and
// a different version on disk is openclaw-version-mismatch.

import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { startTestDaemon } from "../helpers/daemon.js";
import { FakeGateway } from "../helpers/fake-gateway.js";
import {
  fakeOpenClawInstall,
  LegacyStateDir,
  tempDir,
  writeHealthyState,
} from "../helpers/openclaw-state.js";

const TOKEN = "gw-token-not-printed-0123456789abcdef";

async function daemonAgainst(serverVersion: string, installed: string) {
  const gw = await FakeGateway.start({ token: TOKEN, serverVersion });
  onTestFinished(() => gw.stop());
  const root = await tempDir();
  const state = new LegacyStateDir(path.join(root, "home", ".openclaw"));
  await writeHealthyState(state);
  await state.writeOpenClawConfig({ gateway: { port: gw.port, auth: { mode: "token", token: TOKEN } } });
  const binDir = await fakeOpenClawInstall(path.join(root, "oc"), installed);
  const d = await startTestDaemon({
    root,
    config: {
      openclaw: { bin: path.join(binDir, "openclaw") },
      connection: { enabled: true, url: gw.url },
      reconcile: { schedule: "* * * * * *" },
    },
  });
  // the own connection opens, then a reconcile looks again with hello-ok known
  await expect.poll(() => gw.open.length, { timeout: 10_000 }).toBe(1);
  const seen = d.evaluations.length;
  await expect.poll(() => d.evaluations.length > seen + 1, { timeout: 10_000 }).toBe(true);
  const last = d.evaluations[d.evaluations.length - 1];
  return { d, last };
}

describe("hello-ok's server version", () => {
  it("agreeing with the package on disk: the first source in order answers, no mismatch", async () => {
    const { d, last } = await daemonAgainst("2026.4.20", "2026.4.20");
    expect(last?.inspection?.install.versionsSeen?.map((s) => s.source)).toEqual([
      "openclaw.bin",
      "gateway hello-ok",
    ]);
    expect(d.daemon.status().openclaw).toMatchObject({ version: "2026.4.20", versionSource: "openclaw.bin" });
    expect(last?.findings.map((f) => f.code)).not.toContain("openclaw-version-mismatch");
  });

  it("disagreeing: the running gateway's version decides, and the mismatch is a finding", async () => {
    const { d, last } = await daemonAgainst("2026.4.24", "2026.5.28");
    expect(d.daemon.status().openclaw).toMatchObject({
      version: "2026.4.24",
      versionSource: "gateway hello-ok",
    });
    const m = last?.findings.find((f) => f.code === "openclaw-version-mismatch");
    expect(m?.message).toMatch(
      /^OpenClaw 2026\.5\.28 is installed \(openclaw\.bin: .*\), but the running gateway is 2026\.4\.24 \(gateway hello-ok\)\.$/,
    );
    // the pre-4.25 rules of the running gateway: operator.admin is required
    expect(last?.inspection?.requiredScopes).toEqual(["operator.admin"]);
  });
});
