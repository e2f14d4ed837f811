// Test-scoped gateway: started for one test, stopped (and checked stopped) when the test finishes.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, onTestFinished } from "vitest";
import { deviceAuthPath } from "./device-identity.js";
import { type Gateway, type StartGatewayOptions, startGateway } from "./gateway.js";
import { isAlive } from "./process-tree.js";
import { snapshotOpenclawTmp, type TmpSnapshot } from "./tmp-leftovers.js";

/**
 * Start a gateway for the current test. When the test finishes it is stopped, its /tmp/openclaw* leftovers and
 * test folder removed, and the test fails if any process of its tree is still alive or anything is left behind.
 */
export async function useGateway(options: StartGatewayOptions): Promise<Gateway> {
  const tmpBefore = snapshotOpenclawTmp();
  const gateway = await startGateway(options);
  const rssAtReady = gateway.rssKiB();
  onTestFinished(() => stopAndVerify(gateway, tmpBefore, rssAtReady));
  return gateway;
}

/**
 * One gateway for every test of the current file (or describe block): started in beforeAll, stopped and checked
 * like useGateway's in afterAll. Returns a getter; the tests of the file run one after another on this gateway.
 */
export function useFileGateway(options: StartGatewayOptions): () => Gateway {
  let gateway: Gateway | null = null;
  let tmpBefore: TmpSnapshot | null = null;
  let rssAtReady = { main: 0, total: 0 };
  beforeAll(async () => {
    tmpBefore = snapshotOpenclawTmp();
    gateway = await startGateway(options);
    rssAtReady = gateway.rssKiB();
  });
  afterAll(async () => {
    if (gateway && tmpBefore) await stopAndVerify(gateway, tmpBefore, rssAtReady);
  });
  return () => {
    if (!gateway) throw new Error(`the ${options.version} gateway of this file did not start`);
    return gateway;
  };
}

async function stopAndVerify(
  gateway: Gateway,
  tmpBefore: TmpSnapshot,
  rssAtReady: { main: number; total: number },
): Promise<void> {
  const tree = gateway.processTree();
  process.stderr.write(`[e2e] ${describeGateway(gateway, rssAtReady, gateway.rssKiB())}\n`);
  const cleanup = await gateway.stop();
  expect(tree.filter(isAlive), "gateway processes still alive after stop()").toEqual([]);
  const leftovers = tmpBefore.absent.filter((p) => existsSync(p) && !cleanup.kept.includes(p));
  expect(leftovers, "/tmp/openclaw* left behind").toEqual([]);
  if (process.env.OC_E2E_KEEP !== "1" && gateway.ownsDir) {
    expect(existsSync(gateway.dir), "test folder left behind").toBe(false);
  }
}

const mb = (kib: number): string => `${Math.round(kib / 1024)} MB`;

/** One line of startup time and memory, for the run's log (the numbers real-gateway-lab.md reports). */
function describeGateway(
  gateway: Gateway,
  atReady: { main: number; total: number },
  atEnd: { main: number; total: number },
): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  return (
    `openclaw ${gateway.version} pid ${gateway.pid}: listening after ${s(gateway.startup.listeningMs)}, ` +
    `ready after ${s(gateway.startup.readyMs)}; RSS at ready ${mb(atReady.main)} (tree ${mb(atReady.total)}), ` +
    `at end ${mb(atEnd.main)} (tree ${mb(atEnd.total)})`
  );
}

function tokensIn(file: string): string[] {
  if (!existsSync(file)) return [];
  const found: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (typeof value === "string" && key === "token" && value.length >= 16) found.push(value);
    else if (Array.isArray(value)) for (const item of value) walk(item, key);
    else if (typeof value === "object" && value !== null)
      for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(JSON.parse(readFileSync(file, "utf8")), "");
  return found;
}

/**
 * Every secret a test's output must never show: the shared gateway token and, on 4.x, the device tokens in
 * identity/device-auth.json and devices/paired.json (8.x+ keeps them in SQLite, which the suite never selects).
 */
export function knownSecrets(gateway: Gateway): string[] {
  return [
    gateway.token,
    ...tokensIn(deviceAuthPath(gateway.stateDir)),
    ...tokensIn(path.join(gateway.stateDir, "devices", "paired.json")),
  ];
}

/** Fails if `text` contains any of `secrets` (the message names only how many leaked, never the value). */
export function expectNoSecrets(text: string, secrets: readonly string[]): void {
  const leaked = secrets.filter((secret) => text.includes(secret));
  expect(leaked.length, `${leaked.length} secret(s) appear in the output`).toBe(0);
}
