// The gateway log rotated during a read (issue 11, item 12): the whole watchdog follows a real log file; the
// file is renamed away while lines are still being written to it (the writer keeps its descriptor) and a new
// one is started. Every line is read once: none lost from either file, none read twice, and a restart reads
// nothing again; the files the watchdog keeps stay whole.

import { appendFile, mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { realLine } from "../../fixtures/logs/real-lines.js";
import { faultWorld } from "./world.js";

const lines = (n: number) =>
  Array.from({ length: n }, () => realLine("noise", { atMs: Date.now() }))
    .join("\n")
    .concat("\n");

describe("the gateway log rotated during a read", () => {
  it("reads every line of the old and the new file once, and a restart reads none again", async () => {
    const t = await faultWorld({ remediation: { policy: "notify" } });
    await mkdir(path.dirname(t.logFile), { recursive: true });
    await writeFile(t.logFile, "");
    const w = await t.start();
    await w.waitForLog((r) => r.msg.startsWith("following the gateway log"));
    const stats = () => w.daemon.status().logStats;

    await appendFile(t.logFile, lines(200));
    // rotated as OpenClaw's rotatedLogPath names it (openclaw.log -> openclaw.1.log) while the gateway still
    // writes to the old file through its open descriptor
    const rotated = t.logFile.replace(/\.log$/, ".1.log");
    await rename(t.logFile, rotated);
    await appendFile(rotated, lines(50));
    await writeFile(t.logFile, lines(100));
    await expect.poll(() => stats()?.linesRead ?? 0, { timeout: 15_000 }).toBeGreaterThanOrEqual(350);
    await new Promise((r) => setTimeout(r, 500));
    expect(stats()?.linesRead).toBe(350);
    expect(stats()?.duplicates).toBe(0);
    expect(stats()?.file).toBe(t.logFile);
    await t.sink.waitFor(1);
    await w.watchdog.stop();
    await t.intact();

    const next = await t.start();
    await next.waitForLog((r) => r.msg.startsWith("following the gateway log"));
    await appendFile(t.logFile, lines(10));
    await expect.poll(() => next.daemon.status().logStats?.linesRead ?? 0, { timeout: 15_000 }).toBe(10);
    expect(t.notifications().map((n) => n.kind)).toEqual(["new"]);
    expect(next.daemon.status().mode).toBe("watching");
  });
});
