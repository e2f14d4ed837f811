// Shared e2e assertions: the gateway stayed on loopback and the guard let nothing out.
import { expect } from "vitest";
import type { Gateway } from "./gateway.js";
import { type NetworkReport, networkReport } from "./network.js";

/**
 * Fails unless every gateway process runs with the loopback guard, the gateway listens on 127.0.0.1:port and
 * nowhere else, has no peer outside loopback, and the guard log holds only refusals.
 */
export function expectLoopbackOnly(gateway: Gateway): NetworkReport {
  const report = networkReport(gateway);
  expect(report.guardPreloaded, "every gateway process has the loopback guard in NODE_OPTIONS").toBe(true);
  expect(report.listening.map((s) => `${s.localAddress}:${s.localPort}`)).toContain(
    `127.0.0.1:${gateway.port}`,
  );
  expect(report.nonLoopbackListeners, "listeners outside 127.0.0.1").toEqual([]);
  expect(report.nonLoopbackPeers, "connections to non-loopback peers").toEqual([]);
  expect(report.unexpectedGuardLines, "guard log lines that are not refusals").toEqual([]);
  return report;
}
