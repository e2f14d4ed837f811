// The systemd units as text: quoting of ExecStart words, the required lifecycle settings, and the hardening split
// between the user unit (no namespaces) and the system unit (full file-system sandbox).

import { describe, expect, it } from "vitest";
import {
  execStart,
  quoteExecArg,
  renderSystemUnit,
  renderUserUnit,
  servicePath,
} from "../../src/actions/service/systemd-unit.js";

const cmd = {
  node: "/opt/node/bin/node",
  cli: "/opt/sw/dist/cli/bin.js",
  config: null,
  path: "/opt/node/bin:/usr/bin",
};

/** Non-comment `Key=value` lines of a unit, for assertions that ignore the explanatory comments. */
function settings(unit: string): string[] {
  return unit.split("\n").filter((l) => /^[A-Za-z]+=/.test(l));
}

describe("quoteExecArg", () => {
  it.each([
    ["/usr/bin/node", "/usr/bin/node"],
    ["run", "run"],
    ["/home/a b/x.json", '"/home/a b/x.json"'],
    ["/x/100%.json", "/x/100%%.json"],
    ["/x/$HOME.json", "/x/$$HOME.json"],
    ['/x/"q".json', '"/x/\\"q\\".json"'],
    ["/x/back\\slash", '"/x/back\\\\slash"'],
    ["", '""'],
  ])("%j → %s", (arg, quoted) => {
    expect(quoteExecArg(arg)).toBe(quoted);
  });

  it("refuses control characters instead of writing a broken line", () => {
    expect(() => quoteExecArg("/x\n/y")).toThrow(/control character/);
  });

  it("leaves $ alone where systemd does not expand it (the executable)", () => {
    expect(quoteExecArg("/opt/$x/node", { expandsDollar: false })).toBe("/opt/$x/node");
  });
});

describe("execStart", () => {
  it("runs the absolute node and CLI with `run`, and --config only when given", () => {
    expect(execStart(cmd)).toBe("/opt/node/bin/node /opt/sw/dist/cli/bin.js run");
    expect(execStart({ ...cmd, config: "/etc/sw config.json" })).toBe(
      '/opt/node/bin/node /opt/sw/dist/cli/bin.js run --config "/etc/sw config.json"',
    );
  });

  it("refuses an executable path systemd would reject", () => {
    expect(() => execStart({ ...cmd, node: '/opt/"node"' })).toThrow(/quotes or backslashes/);
  });
});

describe("servicePath", () => {
  it("puts Node's folder first, then openclaw's, then the system folders, without duplicates", () => {
    expect(servicePath("/home/u/.nvm/v20/bin/node", "/home/u/.npm-global/bin/openclaw")).toBe(
      "/home/u/.nvm/v20/bin:/home/u/.npm-global/bin:/usr/local/bin:/usr/bin:/bin",
    );
    expect(servicePath("/usr/bin/node", null)).toBe("/usr/bin:/usr/local/bin:/bin");
  });
});

describe("renderUserUnit", () => {
  const lines = settings(renderUserUnit(cmd));

  it("restarts on failure within a start limit, reloads with SIGHUP, logs to the journal", () => {
    expect(lines).toEqual(
      expect.arrayContaining([
        "Restart=on-failure",
        "StartLimitIntervalSec=10min",
        "StartLimitBurst=5",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "StandardOutput=journal",
        "ExecStart=/opt/node/bin/node /opt/sw/dist/cli/bin.js run",
        'Environment="PATH=/opt/node/bin:/usr/bin"',
        "WantedBy=default.target",
        "NoNewPrivileges=yes",
      ]),
    );
  });

  it("uses no setting that needs namespaces in a user manager, nor one that breaks Node or openclaw", () => {
    for (const key of [
      "ProtectSystem",
      "ProtectHome",
      "PrivateTmp",
      "PrivateDevices",
      "ReadWritePaths",
      "MemoryDenyWriteExecute",
      "SystemCallFilter",
      "User",
    ]) {
      expect(lines.some((l) => l.startsWith(`${key}=`))).toBe(false);
    }
  });

  it("bakes no secret-looking environment", () => {
    expect(lines.filter((l) => l.startsWith("Environment="))).toEqual([
      'Environment="PATH=/opt/node/bin:/usr/bin"',
    ]);
  });
});

describe("renderSystemUnit", () => {
  const unit = renderSystemUnit({ ...cmd, user: "openclaw", home: "/var/lib/openclaw" });
  const lines = settings(unit);

  it("runs as the dedicated account with the file-system sandbox, keeping its home and /tmp writable", () => {
    expect(lines).toEqual(
      expect.arrayContaining([
        "User=openclaw",
        "ProtectSystem=strict",
        "ProtectHome=tmpfs",
        "BindPaths=/var/lib/openclaw",
        "ReadWritePaths=/tmp",
        "PrivateDevices=yes",
        "CapabilityBoundingSet=",
        "WantedBy=multi-user.target",
      ]),
    );
    expect(lines.some((l) => l.startsWith("PrivateTmp="))).toBe(false);
  });

  it("refuses root and odd account names", () => {
    expect(() => renderSystemUnit({ ...cmd, user: "root", home: "/root" })).toThrow(/dedicated account/);
    expect(() => renderSystemUnit({ ...cmd, user: "a b", home: "/x" })).toThrow(/not a user name/);
  });
});
