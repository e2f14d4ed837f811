// Self-tests of the e2e harness's safety nets: the loopback guard refuses and logs, the socket check sees leaks.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GUARD_FILE, nodeBin } from "./harness/paths.js";
import { runCommand } from "./harness/run.js";
import { decodeProcAddress, isLoopbackAddress, tcpSocketsOf } from "./harness/sockets.js";

// Every attempt below stays on this machine even if the guard were broken: 0.0.0.0 and :: are local binds, and a
// connect to 0.0.0.0 reaches the local host on Linux. No packet can leave.
const GUARDED_SCRIPT = `
const net = require("node:net");
const tryListen = (opts) => new Promise((resolve) => {
  const s = net.createServer();
  s.once("error", (e) => resolve({ opts, error: e.code }));
  s.listen(opts, () => { const a = s.address(); s.close(); resolve({ opts, address: a.address }); });
});
const tryConnect = (host) => new Promise((resolve) => {
  const c = net.connect({ host, port: 9 });
  c.once("error", (e) => resolve({ host, error: e.code }));
  c.once("connect", () => { c.destroy(); resolve({ host, connected: true }); });
});
(async () => {
  const out = [];
  for (const opts of [{ host: "0.0.0.0", port: 0 }, { host: "::1", port: 0 }, { host: "::", port: 0 }, { port: 0 }]) {
    out.push(await tryListen(opts));
  }
  out.push(await tryConnect("0.0.0.0"));
  process.stdout.write(JSON.stringify(out));
})();
`;

describe("e2e harness safety nets", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it("the loopback guard refuses non-127.0.0.1 listens and non-loopback connects, and logs each refusal", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "oc-e2e-guard-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const guardLog = path.join(dir, "guard.log");
    const result = await runCommand(nodeBin(), ["-e", GUARDED_SCRIPT], {
      env: { PATH: "/usr/bin:/bin", NODE_OPTIONS: `--require ${GUARD_FILE}`, OC_GUARD_LOG: guardLog },
      timeoutMs: 30_000,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { opts: { host: "0.0.0.0", port: 0 }, error: "EADDRNOTAVAIL" },
      { opts: { host: "::1", port: 0 }, error: "EADDRNOTAVAIL" },
      { opts: { host: "::", port: 0 }, error: "EADDRNOTAVAIL" },
      { opts: { port: 0 }, address: "127.0.0.1" },
      { host: "0.0.0.0", error: "ECONNREFUSED" },
    ]);
    const lines = readFileSync(guardLog, "utf8").trim().split("\n");
    expect(lines.map((l) => /pid=\d+ (.*?) ::/.exec(l)?.[1])).toEqual([
      "listen refused host=0.0.0.0",
      "listen refused host=::1",
      "listen refused host=::",
      "connect refused 0.0.0.0:9",
    ]);
  });

  it("the socket check sees a listener outside 127.0.0.1 (so the gateway assertion can fail)", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: "0.0.0.0", port: 0 }, resolve));
    cleanups.push(() => server.close());
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : -1;
    const mine = tcpSocketsOf([process.pid]).filter((s) => s.state === "LISTEN" && s.localPort === port);
    expect(mine).toEqual([expect.objectContaining({ family: 4, localAddress: "0.0.0.0" })]);
    expect(isLoopbackAddress("0.0.0.0")).toBe(false);
  });

  it("decodes /proc/net/tcp6 addresses", () => {
    expect(decodeProcAddress("0100007F:1F90")).toEqual({ address: "127.0.0.1", port: 8080 });
    expect(decodeProcAddress("00000000000000000000000001000000:0050")).toEqual({ address: "::1", port: 80 });
    expect(decodeProcAddress("0000000000000000FFFF00000100007F:0050")).toEqual({
      address: "::ffff:127.0.0.1",
      port: 80,
    });
    expect(decodeProcAddress("B80D0120000000000000000001000000:0001")).toEqual({
      address: "2001:db8::1",
      port: 1,
    });
    expect(isLoopbackAddress("::ffff:127.0.0.1")).toBe(true);
  });
});
