// Parsing /proc/net/tcp and tcp6 for LISTEN sockets, and which of them a connection to 127.0.0.1:port reaches.
import { describe, expect, it } from "vitest";
import { loopbackListeners, parseProcNet } from "../../src/sources/host/listener.js";

const HEAD =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
const row = (local: string, st: string, uid: number, inode: number) =>
  `   0: ${local} 00000000:0000 ${st} 00000000:00000000 00:00000000 00000000  ${uid}        0 ${inode} 1 0000000000000000 100 0 0 10 0`;

describe("parseProcNet", () => {
  it("reads LISTEN sockets of tcp (little-endian words) with their uid and inode, and skips the rest", () => {
    const text = [
      HEAD,
      row("0100007F:4696", "0A", 1000, 111), // 127.0.0.1:18070
      row("00000000:1F90", "0A", 0, 222), // 0.0.0.0:8080
      row("0100007F:8837", "01", 1000, 333), // established: not a listener
      "garbage line",
      row("ZZZZZZZZ:0016", "0A", 0, 444),
    ].join("\n");
    expect(parseProcNet(text, 4, true)).toEqual([
      { family: 4, address: "127.0.0.1", port: 0x4696, uid: 1000, inode: 111 },
      { family: 4, address: "0.0.0.0", port: 8080, uid: 0, inode: 222 },
    ]);
  });

  it("reads the same bytes in big-endian order on a big-endian host", () => {
    expect(parseProcNet([HEAD, row("7F000001:0050", "0A", 5, 9)].join("\n"), 4, false)[0]?.address).toBe(
      "127.0.0.1",
    );
  });

  it("reads tcp6: ::1, ::, and an IPv4-mapped loopback", () => {
    const text = [
      HEAD,
      row("00000000000000000000000001000000:4696", "0A", 1000, 1),
      row("00000000000000000000000000000000:4696", "0A", 1000, 2),
      row("0000000000000000FFFF00000100007F:4696", "0A", 1000, 3),
      row("B80D0120000000000000000001000000:4696", "0A", 1000, 4),
    ].join("\n");
    expect(parseProcNet(text, 6, true).map((s) => s.address)).toEqual([
      "::1",
      "::",
      "::ffff:127.0.0.1",
      "2001:db8::1",
    ]);
  });
});

describe("loopbackListeners", () => {
  const s = (address: string, port: number, uid = 1000) => ({
    family: 4 as const,
    address,
    port,
    uid,
    inode: 1,
  });
  it("keeps the listeners a connection to 127.0.0.1:port reaches: the address itself or a wildcard", () => {
    const all = [s("127.0.0.1", 18790), s("0.0.0.0", 18790), s("192.168.1.2", 18790), s("127.0.0.1", 18791)];
    expect(loopbackListeners(all, 18790).map((x) => x.address)).toEqual(["127.0.0.1", "0.0.0.0"]);
    expect(loopbackListeners([s("::", 18790), s("::1", 18790)], 18790).map((x) => x.address)).toEqual(["::"]);
  });
});
