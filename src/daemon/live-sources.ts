// Starting the daemon's live sources, the gateway log tail and its own gateway connection: a source that cannot
// start is reported and left out (the state files are still watched), and one that starts after its daemon moved
// on (a reload, a stop) is stopped again.

import { errorMessage } from "../common/errors.js";
import type { Observation } from "../common/types.js";
import type { Config } from "../config/schema.js";
import type { Inspection } from "../detect/inspection.js";
import type { ConnectionLike, DaemonDeps, LogTailLike } from "./ports.js";

interface StartOptions {
  first: Inspection;
  config: Config;
  /** False once the daemon has moved on (reloaded, re-attached or stopped) since this start began. */
  current(): boolean;
}

export async function startLogTail(
  deps: DaemonDeps,
  o: StartOptions & {
    wsl: boolean;
    stateDir: string;
    secrets(): string[];
    observe(o: Observation, stale: boolean): void;
  },
): Promise<LogTailLike | null> {
  const create = deps.createLogTail;
  if (!create) return null;
  const store = deps.stateStore;
  let tail: LogTailLike;
  try {
    tail = await create({
      inspection: o.first,
      config: o.config,
      wsl: o.wsl,
      secrets: o.secrets,
      offsets: {
        load: () => store.loadLogOffset(o.stateDir),
        save: (offset) => store.saveLogOffset(o.stateDir, offset),
      },
      onObservation: (obs, meta) => o.observe(obs, meta.stale),
    });
  } catch (err) {
    deps.logger.error({ err: errorMessage(err) }, "cannot follow the gateway log; files are still watched");
    return null;
  }
  if (!o.current()) {
    await tail.stop();
    return null;
  }
  return tail;
}

export async function startConnection(
  deps: DaemonDeps,
  o: StartOptions & { observe(o: Observation): void },
): Promise<ConnectionLike | null> {
  const create = deps.createConnection;
  if (!create) return null;
  let connection: ConnectionLike | null;
  try {
    connection = await create({
      inspection: o.first,
      config: o.config,
      dataDir: deps.stateStore.dir,
      onObservation: (obs) => o.observe(obs),
    });
  } catch (err) {
    deps.logger.error(
      { err: errorMessage(err) },
      "cannot start the watchdog's own gateway connection; files and log are still watched",
    );
    return null;
  }
  if (!connection) return null;
  if (!o.current()) {
    await connection.stop();
    return null;
  }
  return connection;
}
