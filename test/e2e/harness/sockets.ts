// Lists the TCP sockets owned by given PIDs from /proc (fd socket inodes joined with net/tcp and net/tcp6).
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface TcpSocket {
  pid: number;
  family: 4 | 6;
  /** Kernel TCP state name, e.g. LISTEN, ESTABLISHED, SYN_SENT. */
  state: string;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

const TCP_STATES: Record<string, string> = {
  "01": "ESTABLISHED",
  "02": "SYN_SENT",
  "03": "SYN_RECV",
  "04": "FIN_WAIT1",
  "05": "FIN_WAIT2",
  "06": "TIME_WAIT",
  "07": "CLOSE",
  "08": "CLOSE_WAIT",
  "09": "LAST_ACK",
  "0A": "LISTEN",
  "0B": "CLOSING",
};

/** /proc/net/tcp stores each 32-bit word of the address in host (little-endian) byte order. */
function wordBytes(hex8: string): number[] {
  const bytes: number[] = [];
  for (let i = 6; i >= 0; i -= 2) bytes.push(Number.parseInt(hex8.slice(i, i + 2), 16));
  return bytes;
}

export function decodeProcAddress(hex: string): { address: string; port: number } {
  const [addrHex = "", portHex = "0"] = hex.split(":");
  const port = Number.parseInt(portHex, 16);
  if (addrHex.length === 8) return { address: wordBytes(addrHex).join("."), port };
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 8) bytes.push(...wordBytes(addrHex.slice(i, i + 8)));
  const isV4Mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isV4Mapped) return { address: `::ffff:${bytes.slice(12).join(".")}`, port };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return { address: compressIpv6(groups), port };
}

/** RFC 5952 form: the longest run (>= 2) of zero groups becomes "::". */
function compressIpv6(groups: readonly string[]): string {
  let best = { start: -1, length: 0 };
  let run = { start: -1, length: 0 };
  groups.forEach((group, i) => {
    if (group !== "0") {
      run = { start: -1, length: 0 };
      return;
    }
    run = run.start < 0 ? { start: i, length: 1 } : { start: run.start, length: run.length + 1 };
    if (run.length > best.length) best = run;
  });
  if (best.length < 2) return groups.join(":");
  const head = groups.slice(0, best.start).join(":");
  const tail = groups.slice(best.start + best.length).join(":");
  return `${head}::${tail}`;
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1] !== undefined) inodes.add(match[1]);
    } catch {
      // fd closed meanwhile
    }
  }
  return inodes;
}

function readTable(pid: number, file: "tcp" | "tcp6"): string[] {
  try {
    return readFileSync(`/proc/${pid}/net/${file}`, "utf8").split("\n").slice(1);
  } catch {
    return [];
  }
}

/** Every TCP socket (any state) that one of `pids` holds an fd for. */
export function tcpSocketsOf(pids: readonly number[]): TcpSocket[] {
  const out: TcpSocket[] = [];
  for (const pid of pids) {
    const inodes = socketInodes(pid);
    if (inodes.size === 0) continue;
    for (const [file, family] of [
      ["tcp", 4],
      ["tcp6", 6],
    ] as const) {
      for (const line of readTable(pid, file)) {
        const cols = line.trim().split(/\s+/);
        const [local, remote, state, inode] = [cols[1], cols[2], cols[3], cols[9]];
        if (local === undefined || remote === undefined || state === undefined || inode === undefined)
          continue;
        if (!inodes.has(inode)) continue;
        const l = decodeProcAddress(local);
        const r = decodeProcAddress(remote);
        out.push({
          pid,
          family,
          state: TCP_STATES[state] ?? state,
          localAddress: l.address,
          localPort: l.port,
          remoteAddress: r.address,
          remotePort: r.port,
        });
      }
    }
  }
  return out;
}

/** Loopback in the sense the suite allows: 127.0.0.0/8, ::1 and IPv4-mapped 127.x. */
export function isLoopbackAddress(address: string): boolean {
  return /^127\./.test(address) || address === "::1" || /^::ffff:127\./.test(address);
}
