// The status endpoint on a real unix socket: private permissions, safe replacement of a stale socket, refusal of
// a live or foreign one, idempotent stop, and (as root) proof that another user gets EACCES.

import { spawn } from "node:child_process";
import { chmod, lstat, mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { queryStatus } from "../../src/cli/status.js";
import type { Logger } from "../../src/common/log.js";
import type { DaemonStatus } from "../../src/daemon/daemon.js";
import { buildStatusReport, type StatusReport } from "../../src/daemon/status-report.js";
import { createStatusServer, StatusSocketError } from "../../src/daemon/status-server.js";
import { tempDir } from "../helpers/openclaw-state.js";

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

function status(detail = "watching /x"): DaemonStatus {
  return {
    startedAtMs: Date.parse("2026-11-27T10:00:00Z"),
    mode: "watching",
    waitingFor: null,
    openclaw: { version: "2026.4.20", stateDir: "/x", store: "files" },
    lastEvaluation: null,
    lastReconcileAtMs: null,
    stateChangedAtMs: null,
    incidents: {},
    recentObservations: [],
    connectionState: null,
    logStats: null,
    sources: { files: { healthy: true, detail } },
  };
}

function report(detail?: string): StatusReport {
  return buildStatusReport(status(detail), {
    nowMs: Date.parse("2026-11-27T10:01:00Z"),
    version: "0.1.0",
    pid: 4242,
    device: null,
    recentEvents: [],
    lastActions: null,
  });
}

interface Logged {
  level: string;
  obj: unknown;
  msg?: string;
}

function memoryLogger(into: Logged[]): Logger {
  const at =
    (level: string) =>
    (a: object | string, msg?: string): void => {
      into.push(typeof a === "string" ? { level, obj: {}, msg: a } : { level, obj: a, msg });
    };
  const logger: Logger = {
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => logger,
  };
  return logger;
}

async function socketIn(prefix: string): Promise<{ root: string; dir: string; socket: string }> {
  const root = await tempDir(prefix);
  const dir = path.join(root, "run", "openclaw-scope-watchdog");
  return { root, dir, socket: path.join(dir, "status.sock") };
}

function started(opts: Parameters<typeof createStatusServer>[0]) {
  const server = createStatusServer(opts);
  onTestFinished(() => server.stop());
  return server;
}

/** Leaves a socket file nobody listens on, as a SIGKILLed daemon does. */
async function staleSocket(socket: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `require("node:net").createServer().listen(${JSON.stringify(socket)}, () => process.stdout.write("ready"))`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  const gone = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await gone;
}

/** Connects to the socket from a child process running as `uid`; resolves to "ok:<HTTP status>" or the error code. */
function connectAs(uid: number, socket: string): Promise<string> {
  const code = `require("node:http").get({ socketPath: ${JSON.stringify(socket)}, path: "/status" }, (r) => { console.log("ok:" + r.statusCode); r.resume(); }).on("error", (e) => console.log(e.code));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", code], { uid, gid: uid, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("error", reject);
    child.on("close", () => resolve(out.trim()));
  });
}

describe("status server", () => {
  it("answers GET /status on a 0600 socket in a 0700 folder; stop() is idempotent and removes the socket", async () => {
    const t = await socketIn("sw-status-");
    const logs: Logged[] = [];
    const expected = report();
    const server = started({
      socketPath: t.socket,
      getStatus: () => expected,
      logger: memoryLogger(logs),
      ownFolder: true,
    });
    await server.start();
    const st = await lstat(t.socket);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect((await stat(t.dir)).mode & 0o777).toBe(0o700);

    const q = await queryStatus(t.socket);
    expect(q).toEqual({ ok: true, report: expected });

    const first = server.stop();
    expect(server.stop()).toBe(first);
    await first;
    await expect(lstat(t.socket)).rejects.toThrow(/ENOENT/);
    expect(await queryStatus(t.socket)).toMatchObject({ ok: false, reason: "absent" });
  });

  it("scrubs known secrets from its answers and survives a failing report", async () => {
    const t = await socketIn("sw-status-");
    const secret = "gw-token-0123456789abcdef";
    let fail = false;
    const server = started({
      socketPath: t.socket,
      getStatus: () => {
        if (fail) throw new Error("boom");
        return report(`connected with ${secret}`);
      },
      logger: memoryLogger([]),
      ownFolder: true,
      secrets: () => [secret],
    });
    await server.start();
    const q = await queryStatus(t.socket);
    expect(q.ok && q.report.sources.files?.detail).toBe("connected with [redacted]");
    fail = true;
    expect(await queryStatus(t.socket)).toMatchObject({ ok: false, reason: "invalid" });
    fail = false;
    expect((await queryStatus(t.socket)).ok).toBe(true);
  });

  it("tightens its own folder, but refuses a configured folder others can open", async () => {
    const own = await socketIn("sw-status-");
    await mkdir(own.dir, { recursive: true, mode: 0o755 });
    await chmod(own.dir, 0o755);
    await started({
      socketPath: own.socket,
      getStatus: report,
      logger: memoryLogger([]),
      ownFolder: true,
    }).start();
    expect((await stat(own.dir)).mode & 0o777).toBe(0o700);

    const shared = await socketIn("sw-status-");
    await mkdir(shared.dir, { recursive: true });
    await chmod(shared.dir, 0o755);
    const err = await started({ socketPath: shared.socket, getStatus: report, logger: memoryLogger([]) })
      .start()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusSocketError);
    expect((err as StatusSocketError).problem).toBe("folder-not-private");
    expect((await stat(shared.dir)).mode & 0o777).toBe(0o755);
  });

  it("replaces a stale socket left by a killed daemon, and says so", async () => {
    const t = await socketIn("sw-status-");
    await mkdir(t.dir, { recursive: true, mode: 0o700 });
    await staleSocket(t.socket);
    expect((await lstat(t.socket)).isSocket()).toBe(true);
    expect(await queryStatus(t.socket)).toMatchObject({ ok: false, reason: "stale" });
    const logs: Logged[] = [];
    await started({
      socketPath: t.socket,
      getStatus: report,
      logger: memoryLogger(logs),
      ownFolder: true,
    }).start();
    expect((await queryStatus(t.socket)).ok).toBe(true);
    expect(logs.some((l) => l.level === "warn" && /replaced a stale status socket/.test(l.msg ?? ""))).toBe(
      true,
    );
  });

  it("never takes over a socket a live daemon answers on, nor a file that is not a socket", async () => {
    const t = await socketIn("sw-status-");
    const first = started({
      socketPath: t.socket,
      getStatus: report,
      logger: memoryLogger([]),
      ownFolder: true,
    });
    await first.start();
    const second = started({
      socketPath: t.socket,
      getStatus: report,
      logger: memoryLogger([]),
      ownFolder: true,
    });
    const err = await second.start().catch((e: unknown) => e);
    expect((err as StatusSocketError).problem).toBe("in-use");
    expect((err as Error).message).toContain("another scope-watchdog already answers");
    await second.stop();
    expect((await queryStatus(t.socket)).ok).toBe(true); // the second's stop left the first's socket alone

    const f = await socketIn("sw-status-");
    await mkdir(f.dir, { recursive: true, mode: 0o700 });
    await writeFile(f.socket, "not a socket");
    const err2 = await started({
      socketPath: f.socket,
      getStatus: report,
      logger: memoryLogger([]),
      ownFolder: true,
    })
      .start()
      .catch((e: unknown) => e);
    expect((err2 as StatusSocketError).problem).toBe("not-a-socket");
    expect((await lstat(f.socket)).isFile()).toBe(true);
  });

  it("refuses a socket path longer than a unix socket allows", async () => {
    const t = await socketIn("sw-status-");
    const long = path.join(t.dir, `${"x".repeat(120)}.sock`);
    const err = await started({
      socketPath: long,
      getStatus: report,
      logger: memoryLogger([]),
      ownFolder: true,
    })
      .start()
      .catch((e: unknown) => e);
    expect((err as StatusSocketError).problem).toBe("path-too-long");
  });

  it.runIf(isRoot)(
    "another user (nobody, uid 65534) gets EACCES; with open permissions it would get in",
    async () => {
      const t = await socketIn("sw-status-");
      await chmod(t.root, 0o755); // mkdtemp makes 0700: open it so only our own folder's mode is tested
      await mkdir(path.join(t.root, "run"), { mode: 0o755 });
      await chmod(path.join(t.root, "run"), 0o755);
      await started({
        socketPath: t.socket,
        getStatus: report,
        logger: memoryLogger([]),
        ownFolder: true,
      }).start();
      expect((await lstat(t.socket)).uid).toBe(0);

      expect(await connectAs(NOBODY, t.socket)).toBe("EACCES");
      // the socket's own 0600 also keeps nobody out when the folder is opened
      await chmod(t.dir, 0o755);
      expect(await connectAs(NOBODY, t.socket)).toBe("EACCES");
      // control: with both opened, the same child connects, so the EACCES above came from the permissions
      await chmod(t.socket, 0o666);
      expect(await connectAs(NOBODY, t.socket)).toBe("ok:200");
      // and the owner always can
      expect(await connectAs(0, t.socket)).toBe("ok:200");
    },
  );
});
