// The daemon's status endpoint: one HTTP GET over a unix socket only its user can open (0600 in a 0700 folder) that
// answers with the StatusReport (status-report.ts); where that socket lives, and refusing to start where another
// daemon already answers.

import { chmod, lstat, mkdir, unlink } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect } from "node:net";
import path from "node:path";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import { APP_NAME } from "../config/load.js";
import { createScrubber } from "./logger.js";
import type { StatusReport } from "./status-report.js";

export const STATUS_PATH = "/status";
/** sun_path is 108 bytes on Linux, including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;
const _iso = (ms: number) => new Date(ms).toISOString();

/**
 * Where the daemon listens and `status` looks: the configured socket only, else
 * $XDG_RUNTIME_DIR/openclaw-scope-watchdog/status.sock then <dataDir>/status.sock.
 */
export function statusSocketCandidates(
  configured: string | null,
  env: NodeJS.ProcessEnv,
  dataDir: string,
  home: string,
): string[] {
  if (configured) return [path.resolve(configured.replace(/^~(?=$|\/)/, home))];
  const runtime = env.XDG_RUNTIME_DIR?.trim();
  const list = runtime && path.isAbsolute(runtime) ? [path.join(runtime, APP_NAME, "status.sock")] : [];
  list.push(path.join(dataDir, "status.sock"));
  return list;
}

export type StatusSocketProblem = "in-use" | "not-a-socket" | "folder-not-private" | "path-too-long";

/** The status endpoint cannot start; `problem` says why, the message what to do. */
export class StatusSocketError extends Error {
  override readonly name = "StatusSocketError";
  constructor(
    readonly problem: StatusSocketProblem,
    message: string,
  ) {
    super(message);
  }
}

/** What is behind a socket file: a listener, nothing (ECONNREFUSED: left by a process that died), or an error. */
export function probeSocket(socketPath: string, timeoutMs = 1_000): Promise<"answers" | "stale" | string> {
  return new Promise((resolve) => {
    const s = connect({ path: socketPath });
    const done = (v: string) => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done("answers"), timeoutMs); // a hung listener is still a listener
    s.once("connect", () => done("answers"));
    s.once("error", (err: NodeJS.ErrnoException) =>
      done(err.code === "ECONNREFUSED" || err.code === "ENOENT" ? "stale" : (err.code ?? err.message)),
    );
  });
}

async function ensurePrivateFolder(dir: string, ownFolder: boolean): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
    throw new StatusSocketError(
      "folder-not-private",
      `the status socket's folder ${dir} is not a folder owned by this user; choose another status.socket`,
    );
  }
  if ((st.mode & 0o077) === 0) return;
  if (!ownFolder) {
    throw new StatusSocketError(
      "folder-not-private",
      `the status socket's folder ${dir} has mode ${(st.mode & 0o777).toString(8)}; other users could reach the socket. Use a folder only you can open (chmod 700 ${dir}) or another status.socket`,
    );
  }
  await chmod(dir, 0o700);
}

/** Removes what is at `socketPath` if it is a socket nobody answers on; refuses anything else. */
async function clearStaleSocket(socketPath: string, logger: Logger): Promise<void> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  if (!st.isSocket()) {
    throw new StatusSocketError(
      "not-a-socket",
      `${socketPath} exists and is not a socket; not replacing it. Remove it or choose another status.socket`,
    );
  }
  const probe = await probeSocket(socketPath);
  if (probe !== "stale") {
    throw new StatusSocketError(
      "in-use",
      probe === "answers"
        ? `another scope-watchdog already answers on ${socketPath}; stop it first (systemctl --user stop openclaw-scope-watchdog) or set another status.socket`
        : `cannot tell whether ${socketPath} is in use (${probe}); not replacing it`,
    );
  }
  await unlink(socketPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT") throw err;
  });
  logger.warn({ socket: socketPath }, "replaced a stale status socket left by a watchdog that stopped");
}

export interface StatusServerOptions {
  socketPath: string;
  getStatus: () => StatusReport;
  logger: Logger;
  /**
   * The folder is the watchdog's own (the default locations): created 0700 and tightened if needed. A configured
   * socket's existing folder must already be private (a socket in /tmp or ~ is refused, not chmod-ed).
   */
  ownFolder?: boolean;
  /** Values scrubbed from every answer, like the log (the gateway token). */
  secrets?: () => readonly string[];
}

export interface StatusServer {
  readonly socketPath: string;
  /** Listens; rejects with StatusSocketError when the socket is taken or its folder is not private. */
  start(): Promise<void>;
  /** Idempotent: closes the server and removes the socket if it is still ours. */
  stop(): Promise<void>;
}

/** Creates the status endpoint (not started). */
export function createStatusServer(opts: StatusServerOptions): StatusServer {
  const { socketPath, logger } = opts;
  const scrub = createScrubber(opts.secrets ?? (() => []));
  let server: Server | null = null;
  let ours: { dev: number; ino: number } | null = null;
  let starting: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json; charset=utf-8", connection: "close" });
      res.end(`${scrub(JSON.stringify(body))}\n`);
    };
    if (req.url !== STATUS_PATH) return send(404, { error: `not found; ask GET ${STATUS_PATH}` });
    if (req.method !== "GET") return send(405, { error: "only GET" });
    try {
      send(200, opts.getStatus());
    } catch (err) {
      logger.error({ err: errorMessage(err) }, "cannot build the status report");
      send(500, { error: "the daemon could not build its status report; see its log" });
    }
  };

  const listen = async () => {
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
      throw new StatusSocketError(
        "path-too-long",
        `the status socket path is ${Buffer.byteLength(socketPath)} bytes, more than a unix socket allows (${MAX_SOCKET_PATH_BYTES}): ${socketPath}; set a shorter status.socket`,
      );
    }
    await ensurePrivateFolder(path.dirname(socketPath), opts.ownFolder ?? false);
    await clearStaleSocket(socketPath, logger);
    const srv = createServer(handle);
    srv.requestTimeout = 5_000;
    srv.headersTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) =>
        reject(
          err.code === "EADDRINUSE"
            ? new StatusSocketError("in-use", `another process took ${socketPath} while this one started`)
            : err,
        );
      srv.once("error", onError);
      srv.listen(socketPath, () => {
        srv.off("error", onError);
        resolve();
      });
    });
    server = srv;
    srv.on("error", (err) => logger.warn({ err: errorMessage(err) }, "status endpoint error"));
    await chmod(socketPath, 0o600);
    const st = await lstat(socketPath);
    ours = { dev: st.dev, ino: st.ino };
    logger.info({ socket: socketPath }, "status endpoint listening");
  };

  return {
    socketPath,
    start() {
      if (stopping) return Promise.reject(new Error("the status server was stopped"));
      starting ??= listen();
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        await starting?.catch(() => undefined);
        const srv = server;
        server = null;
        if (srv) {
          const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
          srv.closeAllConnections();
          await closed;
        }
        if (!ours) return;
        const st = await lstat(socketPath).catch(() => null);
        // another instance may have replaced a socket we considered stale; only ours is removed
        if (st && st.dev === ours.dev && st.ino === ours.ino) await unlink(socketPath).catch(() => undefined);
      })();
      return stopping;
    },
  };
}
