// Starts a real OpenClaw gateway on 127.0.0.1 in a throwaway HOME, offline, and stops it by PID.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { configCandidates, deepMerge, type JsonObject, writeValidConfig } from "./gateway-config.js";
import { ensureNode, ensureOpenClaw } from "./install.js";
import { offlineEnv, type TestDirs } from "./offline-env.js";
import { compareReleases, nodeBin, openclawEntry } from "./paths.js";
import { freePort, portAcceptsTcp } from "./ports.js";
import { descendantPids, isAlive, signalPid, stopProcessTree } from "./process-tree.js";
import { type RunResult, runCommand } from "./run.js";
import {
  removeNewOpenclawTmp,
  snapshotOpenclawTmp,
  type TmpCleanup,
  type TmpSnapshot,
} from "./tmp-leftovers.js";

export interface StartGatewayOptions {
  version: string;
  /** Extra openclaw.json keys, deep-merged over the generated offline config. */
  config?: JsonObject;
  /** Extra environment for the gateway and its CLI calls. */
  env?: NodeJS.ProcessEnv;
  /** Bound on the wait for "listening" and "ready" together (default 240 s). */
  startTimeoutMs?: number;
  /** How long SIGTERM gets before SIGKILL (default 20 s). */
  stopGraceMs?: number;
  /**
   * A second gateway of `--profile <profile>` in the HOME of `of` (state dir ~/.openclaw-<profile>, its own port
   * and token), as a user runs profiles side by side. Stop it before `of`: the test folder is `of`'s.
   */
  profileOf?: { gateway: Gateway; profile: string };
}

export interface CliOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

export interface StartupTimes {
  /** From spawn until 127.0.0.1:port accepts TCP. */
  listeningMs: number;
  /** From spawn until the `[gateway] ready` line. */
  readyMs: number;
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const READY_LINE = /\[gateway\] ready\b/;
/** 2026.3.x prints no ready line: "[gateway] listening on ws://..." is its last startup step that matters here. */
const LISTENING_LINE = /\[gateway\] listening on ws:\/\//;
const readyLine = (version: string): RegExp =>
  compareReleases(version, "2026.4.0") < 0 ? LISTENING_LINE : READY_LINE;
const LOG_FILE_LINE = /\[gateway\] log file: (\S+)/;
const LOG_FILE_LINE_WAIT_MS = 5_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Every gateway this process started and has not stopped, so a crashed test still leaves none behind. */
const running = new Set<number>();
process.once("exit", () => {
  for (const pid of running) {
    for (const child of descendantPids(pid)) signalPid(child, "SIGKILL");
    signalPid(pid, "SIGKILL");
  }
});

export class Gateway {
  readonly version: string;
  readonly port: number;
  readonly url: string;
  /** The per-test folder; HOME, TMPDIR, logs and the guard log are inside it. */
  readonly dir: string;
  readonly home: string;
  readonly stateDir: string;
  readonly configPath: string;
  /** What `logging.file` is set to. 2026.4.20 accepts the key but ignores it (see `logFile`). */
  readonly configuredLogFile: string;
  /** The gateway's stdout and stderr. */
  readonly stdoutFile: string;
  readonly guardLog: string;
  readonly nodeBin: string;
  readonly openclawEntry: string;
  /** The accepted openclaw.json, with gateway.auth.token replaced by "<redacted>" (the real one is `token`). */
  readonly config: JsonObject;
  /** Start times of the most recent start. */
  startup: StartupTimes = { listeningMs: 0, readyMs: 0 };
  readonly #token: string;
  readonly #dirs: TestDirs;
  readonly #extraEnv: NodeJS.ProcessEnv;
  readonly #stopGraceMs: number;
  readonly #tmpSnapshot: TmpSnapshot;
  readonly #ownsDir: boolean;
  #pid = 0;
  #exited = false;
  #stopping: Promise<TmpCleanup> | null = null;
  #logFile: string;
  /** Sizes of the possible log files before the first start, so `readLog()` returns only this gateway's lines. */
  #logSizesBefore: Map<string, number> | null = null;

  constructor(init: {
    version: string;
    port: number;
    token: string;
    dirs: TestDirs;
    configPath: string;
    configuredLogFile: string;
    config: JsonObject;
    extraEnv: NodeJS.ProcessEnv;
    stopGraceMs: number;
    tmpSnapshot: TmpSnapshot;
    /** A profile's gateway: its state dir, and it leaves the shared test folder to the default one. */
    profile?: { stateDir: string; name: string };
  }) {
    this.version = init.version;
    this.port = init.port;
    this.url = `ws://127.0.0.1:${init.port}`;
    this.#token = init.token;
    this.#dirs = init.dirs;
    this.dir = init.dirs.root;
    this.home = init.dirs.home;
    this.stateDir = init.profile?.stateDir ?? path.join(init.dirs.home, ".openclaw");
    this.#ownsDir = init.profile === undefined;
    this.configPath = init.configPath;
    this.configuredLogFile = init.configuredLogFile;
    this.#logFile = init.configuredLogFile;
    this.stdoutFile = path.join(
      init.dirs.root,
      "logs",
      init.profile ? `gateway-${init.profile.name}.out` : "gateway.out",
    );
    this.guardLog = init.dirs.guardLog;
    this.nodeBin = nodeBin();
    this.openclawEntry = openclawEntry(init.version);
    this.config = deepMerge(init.config, { gateway: { auth: { token: "<redacted>" } } });
    this.#extraEnv = init.extraEnv;
    this.#stopGraceMs = init.stopGraceMs;
    this.#tmpSnapshot = init.tmpSnapshot;
  }

  /** Whether stop() removes the test folder (a profile's gateway leaves it to the default one). */
  get ownsDir(): boolean {
    return this.#ownsDir;
  }

  /** The test's folders (HOME, TMPDIR, guard log), for a profile's gateway in the same HOME. */
  get testDirs(): TestDirs {
    return this.#dirs;
  }

  /** The shared gateway token (never passed in argv; the gateway and CLI read it from the config file). */
  get token(): string {
    return this.#token;
  }

  get pid(): number {
    return this.#pid;
  }

  /** The file the gateway actually logs to, from its `[gateway] log file:` line (4.20: /tmp/openclaw/...). */
  get logFile(): string {
    return this.#logFile;
  }

  /** The environment for OpenClaw processes of this test (the CLI reads HOME/.openclaw/openclaw.json). */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return offlineEnv(this.#dirs, { ...this.#extraEnv, ...extra });
  }

  /** Run the `openclaw` CLI of this version against this gateway's HOME, with a timeout. */
  openclaw(args: readonly string[], options: CliOptions = {}): Promise<RunResult> {
    return runCommand(this.nodeBin, [this.openclawEntry, ...args], {
      env: this.env(options.env),
      cwd: this.dir,
      timeoutMs: options.timeoutMs ?? 60_000,
      input: options.input,
    });
  }

  /** The gateway's stdout/stderr so far. */
  stdout(): string {
    return existsSync(this.stdoutFile) ? readFileSync(this.stdoutFile, "utf8").replace(ANSI, "") : "";
  }

  /** What the gateway wrote to its log file since this gateway started (the 4.20 file may be shared). */
  readLog(): string {
    if (!existsSync(this.#logFile)) return "";
    const offset = this.#logSizesBefore?.get(this.#logFile) ?? 0;
    return readFileSync(this.#logFile).subarray(offset).toString("utf8");
  }

  /**
   * This gateway's `closed before connect` log lines (stdout or log file) for refused handshakes with `code`:
   * matched on this gateway's port, since the 4.20 log file in /tmp/openclaw is shared by every 4.x gateway.
   */
  closedBeforeConnect(source: "stdout" | "log", code = 1008): string[] {
    const text = source === "stdout" ? this.stdout() : this.readLog();
    return text
      .split("\n")
      .filter(
        (line) =>
          line.includes("closed before connect") &&
          line.includes(`->127.0.0.1:${this.port}`) &&
          line.includes(`code=${code} `),
      );
  }

  /** Lines the loopback guard refused (empty when nothing was attempted). */
  readGuardLog(): string[] {
    if (!existsSync(this.guardLog)) return [];
    return readFileSync(this.guardLog, "utf8").split("\n").filter(Boolean);
  }

  /** The gateway PID and its live descendants (spawn broker, sqlite workers, ...). */
  processTree(): number[] {
    return isAlive(this.#pid) ? [this.#pid, ...descendantPids(this.#pid)] : [];
  }

  /** Resident memory in KiB: the main process and the whole tree. */
  rssKiB(): { main: number; total: number } {
    const rss = (pid: number): number => {
      try {
        const match = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        return Number(match?.[1] ?? 0);
      } catch {
        return 0;
      }
    };
    const tree = this.processTree();
    return { main: rss(this.#pid), total: tree.reduce((sum, pid) => sum + rss(pid), 0) };
  }

  /** Spawn `openclaw gateway run` and wait until it listens and reports ready. */
  async start(timeoutMs: number): Promise<void> {
    const started = Date.now();
    if (await portAcceptsTcp(this.port, 300)) throw new Error(`127.0.0.1:${this.port} is already in use`);
    this.#logSizesBefore ??= logFileSizes([this.configuredLogFile, ...rollingLogCandidates()]);
    const out = openSync(this.stdoutFile, "a");
    const stdoutOffset = statSync(this.stdoutFile).size;
    const child = spawn(this.nodeBin, [this.openclawEntry, "gateway", "run", "--port", String(this.port)], {
      env: this.env(),
      cwd: this.dir,
      detached: true,
      stdio: ["ignore", out, out],
    });
    closeSync(out);
    if (child.pid === undefined) throw new Error(`could not spawn the ${this.version} gateway`);
    const pid = child.pid;
    this.#pid = pid;
    this.#exited = false;
    running.add(pid);
    child.on("exit", () => {
      if (this.#pid === pid) this.#exited = true;
    });
    const newOutput = (): string =>
      readFileSync(this.stdoutFile).subarray(stdoutOffset).toString("utf8").replace(ANSI, "");
    const deadline = started + timeoutMs;
    const failure = (what: string): Error =>
      new Error(
        `${this.version} gateway ${what}; last output:\n${newOutput().split("\n").slice(-30).join("\n")}`,
      );
    while (!(await portAcceptsTcp(this.port, 500))) {
      if (this.#exited) throw failure("exited during startup");
      if (Date.now() > deadline)
        throw failure(`was not listening on 127.0.0.1:${this.port} after ${timeoutMs} ms`);
      await sleep(100);
    }
    const listeningMs = Date.now() - started;
    const ready = readyLine(this.version);
    while (!ready.test(newOutput())) {
      if (this.#exited) throw failure("exited during startup");
      if (Date.now() > deadline) throw failure(`printed no "[gateway] ready" line within ${timeoutMs} ms`);
      await sleep(100);
    }
    this.startup = { listeningMs, readyMs: Date.now() - started };
    // both releases print "[gateway] log file: <path>" right around the ready line
    const logLineDeadline = Date.now() + LOG_FILE_LINE_WAIT_MS;
    let reported = LOG_FILE_LINE.exec(newOutput())?.[1];
    while (reported === undefined && Date.now() < logLineDeadline && !this.#exited) {
      await sleep(100);
      reported = LOG_FILE_LINE.exec(newOutput())?.[1];
    }
    if (reported !== undefined) this.#logFile = reported;
  }

  /** Stop the gateway process tree (SIGTERM, then SIGKILL) without cleaning up. Returns true if killed. */
  async stopProcess(): Promise<boolean> {
    if (this.#pid === 0 || !isAlive(this.#pid)) {
      running.delete(this.#pid);
      return false;
    }
    const killed = await stopProcessTree(this.#pid, this.#stopGraceMs);
    running.delete(this.#pid);
    return killed;
  }

  /** Stop the gateway and start it again with the same HOME, port and token. */
  async restart(timeoutMs = 240_000): Promise<void> {
    if (this.#stopping) throw new Error("restart() after stop()");
    await this.stopProcess();
    await this.start(timeoutMs);
  }

  /**
   * Stop the gateway and its children, remove the /tmp/openclaw* folders this test created (left alone, and
   * reported, while another OpenClaw process runs) and the per-test folder (kept when OC_E2E_KEEP=1). Idempotent.
   */
  stop(): Promise<TmpCleanup> {
    this.#stopping ??= this.#stopAndCleanUp();
    return this.#stopping;
  }

  async #stopAndCleanUp(): Promise<TmpCleanup> {
    await this.stopProcess();
    let cleanup = removeNewOpenclawTmp(this.#tmpSnapshot);
    // an OpenClaw process that is just exiting (a CLI child, a worker) holds the folders for a moment
    for (let i = 0; i < 20 && cleanup.kept.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      cleanup = removeNewOpenclawTmp(this.#tmpSnapshot);
    }
    if (cleanup.kept.length > 0) {
      process.stderr.write(
        `[e2e] left ${cleanup.kept.join(", ")} in place: other OpenClaw processes are running ` +
          `(pids ${cleanup.foreignPids.join(", ")})\n`,
      );
    }
    if (process.env.OC_E2E_KEEP !== "1" && this.#ownsDir) rmSync(this.dir, { recursive: true, force: true });
    return cleanup;
  }
}

/** 2026.4.x logs to /tmp/openclaw/openclaw-YYYY-MM-DD.log (local date) whatever `logging.file` says. */
function rollingLogCandidates(): string[] {
  const now = new Date();
  const pad = (n: number): string => String(n).padStart(2, "0");
  const today = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const uid = typeof process.getuid === "function" ? process.getuid() : 0;
  return [`/tmp/openclaw/openclaw-${today}.log`, `/tmp/openclaw-${uid}/openclaw-${today}.log`];
}

function logFileSizes(files: readonly string[]): Map<string, number> {
  return new Map(files.map((file) => [file, existsSync(file) ? statSync(file).size : 0]));
}

/** Create the per-test folders under os.tmpdir(). */
function makeTestDirs(version: string): TestDirs {
  const root = mkdtempSync(path.join(os.tmpdir(), `oc-e2e-${version}-`));
  const dirs: TestDirs = {
    root,
    home: path.join(root, "home"),
    tmp: path.join(root, "tmp"),
    guardLog: path.join(root, "logs", "guard.log"),
  };
  for (const dir of [dirs.home, path.join(dirs.home, ".openclaw"), dirs.tmp, path.join(root, "logs")]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  return dirs;
}

/**
 * Start a gateway of `options.version` for one test: fresh HOME and state dir, free port, random token,
 * offline config validated by `openclaw config validate`. Call `stop()` when done (e.g. onTestFinished).
 */
export async function startGateway(options: StartGatewayOptions): Promise<Gateway> {
  await ensureNode();
  await ensureOpenClaw(options.version);
  const tmpSnapshot = snapshotOpenclawTmp();
  const of = options.profileOf;
  const dirs = of ? of.gateway.testDirs : makeTestDirs(options.version);
  const port = await freePort();
  const token = randomBytes(24).toString("hex");
  // a profile: ~/.openclaw-<name>, named to OpenClaw the way `openclaw --profile <name>` does
  const profile = of
    ? { name: of.profile, stateDir: path.join(dirs.home, `.openclaw-${of.profile}`) }
    : undefined;
  if (profile) mkdirSync(profile.stateDir, { recursive: true, mode: 0o700 });
  const configPath = path.join(profile?.stateDir ?? path.join(dirs.home, ".openclaw"), "openclaw.json");
  const configuredLogFile = path.join(
    dirs.root,
    "logs",
    `openclaw-gateway${profile ? `-${profile.name}` : ""}.log`,
  );
  const candidates = configCandidates({ port, token, logFile: configuredLogFile, extra: options.config });
  const env: NodeJS.ProcessEnv = {
    ...(profile
      ? {
          OPENCLAW_PROFILE: profile.name,
          OPENCLAW_STATE_DIR: profile.stateDir,
          OPENCLAW_CONFIG_PATH: configPath,
        }
      : {}),
    ...options.env,
  };
  const validateEnv = offlineEnv(dirs, env);
  let gateway: Gateway | null = null;
  try {
    const { config } = await writeValidConfig(configPath, candidates, () =>
      runCommand(nodeBin(), [openclawEntry(options.version), "config", "validate"], {
        env: validateEnv,
        cwd: dirs.root,
        timeoutMs: 60_000,
      }),
    );
    gateway = new Gateway({
      version: options.version,
      port,
      token,
      dirs,
      configPath,
      configuredLogFile,
      config,
      extraEnv: env,
      stopGraceMs: options.stopGraceMs ?? 20_000,
      tmpSnapshot,
      ...(profile ? { profile } : {}),
    });
    await gateway.start(options.startTimeoutMs ?? 240_000);
    return gateway;
  } catch (error) {
    if (gateway) await gateway.stop();
    else {
      removeNewOpenclawTmp(tmpSnapshot);
      if (process.env.OC_E2E_KEEP !== "1" && !of) rmSync(dirs.root, { recursive: true, force: true });
    }
    throw error;
  }
}
