import { describe, expect, it } from "vitest";
import { Secret } from "../../src/common/secret.js";
import { createDaemonLogger, prettyLine } from "../../src/daemon/logger.js";

function capture(secrets: string[], pretty = false) {
  const lines: string[] = [];
  const logger = createDaemonLogger({
    level: "debug",
    pretty,
    colour: false,
    sink: { write: (l) => lines.push(l) },
    getSecrets: () => secrets,
  });
  return { logger, lines };
}

describe("the daemon's logger", () => {
  it("writes pino JSON lines and never a known secret, wherever it appears", () => {
    const token = "gw-token-0123456789abcdef";
    const { logger, lines } = capture([token]);
    logger.warn(
      { detail: `refused: ${token}`, nested: { token: "device-token-value" }, secret: new Secret(token) },
      `msg with ${token}`,
    );
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0] ?? "{}");
    expect(rec).toMatchObject({
      level: 40,
      msg: "msg with [redacted]",
      detail: "refused: [redacted]",
      nested: { token: "[redacted]" },
      secret: "[redacted]",
    });
    expect(lines[0]).not.toContain(token);
    expect(lines[0]).not.toContain("device-token-value");
  });

  it("prints readable lines on a terminal", () => {
    const { logger, lines } = capture([], true);
    logger.info({ code: "scope-regression" }, "narrowed");
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d INFO {2}narrowed {2}code=scope-regression\n$/);
    expect(prettyLine("not json", false)).toBe("not json");
  });
});
