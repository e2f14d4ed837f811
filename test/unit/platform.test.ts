import { describe, expect, it } from "vitest";
import { isWsl, shouldPoll } from "../../src/sources/host/platform.js";

describe("WSL facts (injected: this machine is not WSL)", () => {
  it("recognises WSL by its variables or the kernel release", () => {
    expect(isWsl({ WSL_DISTRO_NAME: "Ubuntu" }, () => "")).toBe(true);
    expect(isWsl({}, () => "5.15.153.1-microsoft-standard-WSL2\n")).toBe(true);
    expect(isWsl({}, () => "6.1.0-28-amd64\n")).toBe(false);
  });

  it.each([
    ["/mnt/c/Users/me/.openclaw", "auto", true, true],
    ["/home/me/.openclaw", "auto", true, false],
    ["/mnt/c/Users/me/.openclaw", "auto", false, false],
    ["/home/me/.openclaw", "always", false, true],
    ["/mnt/c/x", "never", true, false],
  ] as const)("polls %s with %s on WSL=%s: %s", (file, mode, wsl, expected) => {
    expect(shouldPoll(file, mode, wsl)).toBe(expected);
  });
});
