// Evidence that a gateway stayed on loopback: its sockets, its guard preload and the guard's refusals.
import { readFileSync } from "node:fs";
import type { Gateway } from "./gateway.js";
import { GUARD_FILE } from "./paths.js";
import { isLoopbackAddress, type TcpSocket, tcpSocketsOf } from "./sockets.js";

export interface NetworkReport {
  /** Whether every process of the gateway tree has the guard in NODE_OPTIONS. */
  guardPreloaded: boolean;
  listening: TcpSocket[];
  /** LISTEN sockets not bound to exactly 127.0.0.1. */
  nonLoopbackListeners: TcpSocket[];
  /** Connected (or connecting) sockets whose peer is not loopback. */
  nonLoopbackPeers: TcpSocket[];
  /** Every line of the guard log (each one a refused attempt). */
  guardLines: string[];
  /** Guard log lines that are not refusals (there should be none: the guard logs only what it blocks). */
  unexpectedGuardLines: string[];
}

const REFUSAL = /^\S+ pid=\d+ (listen refused host=|connect refused |dns\.[\w.]+ refused |udp send refused )/;

function environOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  } catch {
    return [];
  }
}

/**
 * False for a child that is exiting or a zombie: its /proc cmdline and environ read empty (2026.8.2's gateway
 * has such short-lived children), so there is no environment to check and nothing left to run.
 */
function isRunning(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8") !== "";
  } catch {
    return false;
  }
}

/** Inspect the running gateway's process tree through /proc. */
export function networkReport(gateway: Gateway): NetworkReport {
  const tree = gateway.processTree();
  const sockets = tcpSocketsOf(tree);
  const listening = sockets.filter((s) => s.state === "LISTEN");
  const guardLines = gateway.readGuardLog();
  return {
    guardPreloaded:
      tree.length > 0 &&
      tree
        .filter(isRunning)
        .every((pid) => environOf(pid).some((v) => v.startsWith("NODE_OPTIONS=") && v.includes(GUARD_FILE))),
    listening,
    nonLoopbackListeners: listening.filter((s) => s.family !== 4 || s.localAddress !== "127.0.0.1"),
    nonLoopbackPeers: sockets.filter((s) => s.state !== "LISTEN" && !isLoopbackAddress(s.remoteAddress)),
    guardLines,
    unexpectedGuardLines: guardLines.filter((line) => !REFUSAL.test(line)),
  };
}
