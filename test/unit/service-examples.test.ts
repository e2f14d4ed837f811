// The files shipped in service/ are exactly what the renderers produce for documented example paths, so the
// examples cannot drift from what `scope-watchdog service install` writes.
// Regenerate after changing a renderer: UPDATE_SERVICE_EXAMPLES=1 npx vitest run test/unit/service-examples.test.ts

import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderSystemUnit, renderUserUnit, servicePath } from "../../src/actions/service/systemd-unit.js";
import { renderBootCommand, renderLauncher, renderTaskXml } from "../../src/actions/service/wsl-task.js";

const NODE = "/usr/bin/node";
const CLI = "/usr/lib/node_modules/openclaw-scope-watchdog/dist/cli/bin.js";
const PATH = servicePath(NODE, "/usr/bin/openclaw");
const LAUNCHER = "/home/alice/.config/openclaw-scope-watchdog/wsl/start.sh";

const EXAMPLES: Record<string, string> = {
  "service/systemd/user/openclaw-scope-watchdog.service": renderUserUnit({
    node: NODE,
    cli: CLI,
    config: null,
    path: PATH,
  }),
  "service/systemd/system/openclaw-scope-watchdog.service": renderSystemUnit({
    node: NODE,
    cli: CLI,
    config: "/etc/openclaw-scope-watchdog/config.json",
    path: PATH,
    user: "openclaw",
    home: "/var/lib/openclaw",
  }),
  "service/wsl/start.sh": renderLauncher({
    node: NODE,
    cli: CLI,
    config: null,
    path: PATH,
    logDir: "/home/alice/.local/state/openclaw-scope-watchdog",
  }),
  "service/wsl/openclaw-scope-watchdog.task.xml": renderTaskXml({
    distro: "Ubuntu",
    linuxUser: "alice",
    launcher: LAUNCHER,
    windowsUser: null,
    encoding: "UTF-8",
  }),
};

describe("service/ examples", () => {
  it.each(Object.keys(EXAMPLES))("%s matches its renderer", (file) => {
    const expected = EXAMPLES[file] ?? "";
    if (process.env.UPDATE_SERVICE_EXAMPLES === "1") writeFileSync(file, expected);
    expect(readFileSync(file, "utf8")).toBe(expected);
  });

  it("wsl.conf.example carries the [boot] command the installer prints", () => {
    const text = readFileSync("service/wsl/wsl.conf.example", "utf8");
    const command = renderBootCommand({ linuxUser: "alice", launcher: LAUNCHER }).split("\n")[1] ?? "";
    expect(command).toMatch(/^command = setsid -f runuser -u alice -- \//);
    expect(text).toContain(`# ${command}`);
    expect(text).toMatch(/^systemd=true$/m);
  });
});
