// The watchdog's own state files on a real disk (src/actions/state-store.ts): incidents keyed by OpenClaw state
// directory beside each other, the notification state as the policy left it, each with a schema version, mode
// 0600, and a file from another version or program moved aside with one line naming it.

import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  createStateStore,
  INCIDENTS_FILE,
  type IncidentMemory,
  NOTIFY_STATE_FILE,
} from "../../src/actions/state-store.js";
import type { Finding } from "../../src/common/types.js";
import { defaultNotifyConfig } from "../../src/config/schema-notify.js";
import { emptyIncidents, updateIncidents } from "../../src/policy/incidents.js";
import { decide, emptyNotifyState } from "../../src/policy/notify.js";
import { captureLog } from "../helpers/log-capture.js";
import { tempDir } from "../helpers/openclaw-state.js";

const T = Date.UTC(2026, 11, 2, 9, 0, 0);
const regression: Finding = {
  code: "scope-regression",
  severity: "critical",
  message: "The approved scopes of this machine's device narrowed.",
  deviceId: "e".repeat(64),
  scopes: ["operator.admin"],
};

function memory(atMs: number): IncidentMemory {
  return {
    savedAtMs: atMs,
    open: updateIncidents(emptyIncidents(), [regression], atMs).state.open,
    observations: [],
    healthySinceMs: null,
  };
}

describe("the state store", () => {
  it("keeps the incidents of each OpenClaw state directory apart, in one versioned private file", async () => {
    const dir = await tempDir("sw-store-");
    const store = createStateStore(dir, captureLog().logger);
    await Promise.all([
      store.saveIncidents("/home/u/.openclaw", memory(T)),
      store.saveIncidents("/home/u/.openclaw-work", memory(T + 1)),
    ]);
    expect(await store.loadIncidents("/home/u/.openclaw")).toEqual(memory(T));
    expect(await store.loadIncidents("/home/u/.openclaw-work")).toEqual(memory(T + 1));
    expect(await store.loadIncidents("/elsewhere")).toBeNull();
    const file = path.join(dir, INCIDENTS_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ version: 1 });
  });

  it("gives the notification state back as the policy left it", async () => {
    const dir = await tempDir("sw-store-");
    const store = createStateStore(dir, captureLog().logger);
    expect(await store.loadNotifyState()).toBeNull();
    const d = decide(emptyNotifyState(), { findings: [regression], silences: [] }, T, defaultNotifyConfig());
    await store.saveNotifyState(d.next, T);
    expect(await store.loadNotifyState()).toEqual(d.next);
    const file = path.join(dir, NOTIFY_STATE_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ version: 1, savedAtMs: T });
  });

  it("moves a file of another version aside with one line naming it, and starts without it", async () => {
    const dir = await tempDir("sw-store-");
    const log = captureLog();
    const store = createStateStore(dir, log.logger);
    const file = path.join(dir, NOTIFY_STATE_FILE);
    await writeFile(file, JSON.stringify({ version: 2, savedAtMs: T, state: {} }));
    expect(await store.loadNotifyState()).toBeNull();
    const lines = log.records.filter((r) => r.level >= 40);
    expect(lines.map((r) => r.msg)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^the watchdog's own state file ${file} is unreadable \\(version: .*\\); moved it to ${file}\\.corrupt-\\d+`,
        ),
      ),
    ]);
    expect((await readdir(dir)).filter((f) => f.startsWith(`${NOTIFY_STATE_FILE}.corrupt-`))).toHaveLength(1);
    expect(await store.loadNotifyState()).toBeNull();
    expect(log.records.filter((r) => r.level >= 40)).toHaveLength(1);
  });
});
