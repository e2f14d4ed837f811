// Who listens on a loopback port, asked of the real /proc: this process's own server, another user's server (a
// child started as uid 65534, which needs root: CI runs as root), a port nobody listens on, and a system without
// /proc/net/tcp.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { checkLoopbackListener } from "../../src/sources/host/listener.js";

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    );
  });
}

const isRoot = process.getuid?.() === 0;

describe("checkLoopbackListener", () => {
  it("finds this user's own listener and the process that holds it", async () => {
    const { server, port } = await listen();
    onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
    const v = await checkLoopbackListener(port);
    expect(v.status).toBe("own");
    expect(v.status === "own" ? v.pids : []).toContain(process.pid);
  });

  it("says when nobody listens on the port (the gateway is down)", async () => {
    const { server, port } = await listen();
    await new Promise<void>((r) => server.close(() => r()));
    const v = await checkLoopbackListener(port);
    expect(v).toMatchObject({ status: "absent" });
    expect(v.status === "absent" ? v.reason : "").toMatch(/nothing listens on 127\.0\.0\.1:/);
  });

  it.runIf(isRoot)("refuses a listener of another user (uid 65534)", async () => {
    const child = spawn(
      process.execPath,
      [
        "-e",
        "require('net').createServer().listen(0,'127.0.0.1',function(){console.log(this.address().port)})",
      ],
      { uid: 65534, gid: 65534, stdio: ["ignore", "pipe", "inherit"] },
    );
    onTestFinished(() => {
      child.kill("SIGKILL");
    });
    const port = await new Promise<number>((resolve) =>
      child.stdout.once("data", (d: Buffer) => resolve(Number(String(d)))),
    );
    const v = await checkLoopbackListener(port);
    expect(v.status).toBe("refused");
    expect(v.status === "refused" ? v.reason : "").toMatch(
      /belongs to another user \(uid 65534 on 127\.0\.0\.1:/,
    );
  });

  it("says so where the system has no /proc/net/tcp", async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), "sw-noproc-"));
    onTestFinished(() => rm(empty, { recursive: true, force: true }));
    expect((await checkLoopbackListener(18790, { procRoot: empty })).status).toBe("unverifiable");
  });
});
