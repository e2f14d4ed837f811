// Who listens on a loopback port: the LISTEN sockets in /proc/net/tcp and tcp6 (their owner uid and inode) and the
// processes holding them (/proc/<pid>/fd). The gateway token goes only to a gateway of the same user: a listener
// of another user on the gateway's port (a squatter after a gateway crash) must never receive it.

import { readdir, readFile, readlink, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export interface ListeningSocket {
  family: 4 | 6;
  /** The bound address, printed (127.0.0.1, 0.0.0.0, ::1, ::, ::ffff:127.0.0.1, …). */
  address: string;
  port: number;
  uid: number;
  inode: number;
}

const LISTEN = "0A";

/** The 32-bit words of /proc/net/tcp*, printed in host byte order, as bytes in network order. */
function wordBytes(hex: string, littleEndian: boolean): number[] {
  const bytes = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return littleEndian ? bytes.reverse() : bytes;
}

function formatIpv6(bytes: number[]): string {
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return `::ffff:${bytes.slice(12).join(".")}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  // the longest run of zero groups becomes "::"
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  if (best.len < 2) return groups.join(":");
  return `${groups.slice(0, best.at).join(":")}::${groups.slice(best.at + best.len).join(":")}`;
}

/** The LISTEN sockets of one /proc/net/tcp or tcp6 table; malformed lines are skipped. Pure. */
export function parseProcNet(text: string, family: 4 | 6, littleEndian: boolean): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  const hexLen = family === 4 ? 8 : 32;
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    const [local, , state, , , , uid, , inode] = f.slice(1);
    if (state !== LISTEN || !local || uid === undefined || inode === undefined) continue;
    const [addr, portHex] = local.split(":");
    if (!addr || addr.length !== hexLen || !/^[0-9A-Fa-f]+$/.test(addr) || !portHex) continue;
    const port = Number.parseInt(portHex, 16);
    const bytes: number[] = [];
    for (let i = 0; i < hexLen; i += 8) bytes.push(...wordBytes(addr.slice(i, i + 8), littleEndian));
    const u = Number(uid);
    const n = Number(inode);
    if (!Number.isInteger(port) || !Number.isInteger(u) || !Number.isInteger(n)) continue;
    out.push({ family, address: family === 4 ? bytes.join(".") : formatIpv6(bytes), port, uid: u, inode: n });
  }
  return out;
}

const ACCEPTS_LOOPBACK = new Set(["127.0.0.1", "0.0.0.0", "::", "::ffff:127.0.0.1", "::ffff:0.0.0.0"]);

/** The listeners a connection to 127.0.0.1:`port` can reach (the exact address, or a wildcard bind). Pure. */
export function loopbackListeners(sockets: readonly ListeningSocket[], port: number): ListeningSocket[] {
  return sockets.filter((s) => s.port === port && ACCEPTS_LOOPBACK.has(s.address));
}

export type ListenerVerdict =
  /** Every listener on the port belongs to this user; `pids` are the processes holding them, where readable. */
  | { status: "own"; pids: number[] }
  /** Someone else listens there: the token must not be sent. */
  | { status: "refused"; reason: string }
  /** Nobody listens there (the gateway is down): nothing to connect to, nothing to send the token to. */
  | { status: "absent"; reason: string }
  /** This system has no /proc/net/tcp to ask (macOS, BSD): the check cannot run. */
  | { status: "unverifiable"; reason: string };

export interface ListenerCheckOptions {
  procRoot?: string;
  uid?: number;
  littleEndian?: boolean;
}

/**
 * This user's processes holding one of these socket inodes (/proc/<pid>/fd). `comm`, when given, limits the
 * descriptors read to processes whose /proc/<pid>/comm it accepts, which keeps a lookup cheap on a busy machine.
 */
export async function socketPids(
  procRoot: string,
  inodes: ReadonlySet<number>,
  uid: number,
  comm?: (name: string) => boolean,
): Promise<number[]> {
  const pids: number[] = [];
  const entries = await readdir(procRoot).catch(() => [] as string[]);
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const dir = path.join(procRoot, e);
    try {
      if (comm && !comm((await readFile(path.join(dir, "comm"), "utf8")).trim())) continue;
      if ((await stat(dir)).uid !== uid) continue;
      const links = await Promise.all(
        (await readdir(path.join(dir, "fd"))).map((fd) => readlink(path.join(dir, "fd", fd)).catch(() => "")),
      );
      if (links.some((l) => inodes.has(Number(/^socket:\[(\d+)\]$/.exec(l)?.[1])))) pids.push(Number(e));
    } catch {
      // the process ended, or its fds are not ours to read
    }
  }
  return pids;
}

/** Whether the listener on 127.0.0.1:`port` is this user's, asked of /proc where the system has it. */
export async function checkLoopbackListener(
  port: number,
  o: ListenerCheckOptions = {},
): Promise<ListenerVerdict> {
  const procRoot = o.procRoot ?? "/proc";
  const uid = o.uid ?? process.getuid?.() ?? -1;
  const le = o.littleEndian ?? os.endianness() === "LE";
  let tcp: string;
  try {
    tcp = await readFile(path.join(procRoot, "net", "tcp"), "utf8");
  } catch {
    return { status: "unverifiable", reason: `this system has no ${path.join(procRoot, "net", "tcp")}` };
  }
  const tcp6 = await readFile(path.join(procRoot, "net", "tcp6"), "utf8").catch(() => "");
  const sockets = loopbackListeners([...parseProcNet(tcp, 4, le), ...parseProcNet(tcp6, 6, le)], port);
  if (sockets.length === 0)
    return {
      status: "absent",
      reason: `nothing listens on 127.0.0.1:${port} (no LISTEN socket in /proc/net/tcp)`,
    };
  const foreign = sockets.filter((s) => s.uid !== uid);
  if (foreign.length > 0) {
    const who = foreign.map((s) => `uid ${s.uid} on ${s.address}:${s.port}`).join(", ");
    return {
      status: "refused",
      reason: `the listener on 127.0.0.1:${port} belongs to another user (${who}), not uid ${uid}: the gateway token is not sent to it`,
    };
  }
  return { status: "own", pids: await socketPids(procRoot, new Set(sockets.map((s) => s.inode)), uid) };
}

/** Why the gateway token may not go to a URL: another user's listener, or nobody listening (the gateway is down). */
export type ListenerRefusal = string | { unreachable: string };

/**
 * SessionOptions.verifyListener for a gateway URL: null when the gateway token may go there (this user's listener,
 * or a system without /proc to ask), else why not. A URL that is not on loopback is not this check's business.
 */
export async function listenerRefusal(
  url: string,
  o: ListenerCheckOptions = {},
): Promise<ListenerRefusal | null> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const host = u.hostname.replace(/^\[|\]$/g, "");
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "::1") return null;
  const port = Number(u.port || (u.protocol === "wss:" ? 443 : 80));
  const v = await checkLoopbackListener(port, o);
  if (v.status === "absent") return { unreachable: v.reason };
  return v.status === "refused" ? v.reason : null;
}
