// The WSL pieces as text: Windows command-line quoting, the Task Scheduler XML (well-formed, UTF-16 with a BOM,
// no time limit, the user's own account), the [boot] command, and how the target is chosen from the facts.

import { describe, expect, it } from "vitest";
import { binfmtEnabled, type ServiceFacts } from "../../src/actions/service/facts.js";
import { chooseTarget, displayCommand } from "../../src/actions/service/plan.js";
import {
  encodeTaskXml,
  renderBootCommand,
  renderTaskXml,
  schtasksCreateArgs,
  shQuote,
  windowsQuoteArg,
  wslArguments,
  wslUncPath,
} from "../../src/actions/service/wsl-task.js";

/** A small well-formedness check: balanced tags, legal comments, escaped text. Returns the problems found. */
function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  let body = xml.replace(/^<\?xml[^?]*\?>/, "");
  body = body.replace(/<!--([\s\S]*?)-->/g, (_m, c: string) => {
    if (c.includes("--") || c.endsWith("-")) problems.push(`comment contains "--": ${c.slice(0, 40)}`);
    return "";
  });
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const text = body.slice(last, m.index);
    if (/[<>]/.test(text)) problems.push(`stray markup in text: ${text.trim().slice(0, 40)}`);
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(text))
      problems.push(`unescaped & in: ${text.trim().slice(0, 40)}`);
    last = tag.lastIndex;
    const [, close, name = "", , selfClose] = m;
    if (selfClose) continue;
    if (!close) stack.push(name);
    else if (stack.pop() !== name) problems.push(`</${name}> does not close the open element`);
  }
  if (/[<>]/.test(body.slice(last))) problems.push("stray markup after the root");
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(", ")}`);
  return problems;
}

const task = {
  distro: "Ubuntu-24.04",
  linuxUser: "alice",
  launcher: "/home/alice/.config/openclaw-scope-watchdog/wsl/start.sh",
  windowsUser: "DESKTOP-7\\alice",
};

describe("xmlProblems (the checker itself can fail)", () => {
  it.each([
    ["<a><!-- run --wsl --></a>", /comment contains "--"/],
    ["<a><b></a>", /does not close/],
    ["<a>x & y</a>", /unescaped &/],
    ["<a>", /unclosed: a/],
  ])("flags %s", (xml, problem) => {
    expect(xmlProblems(xml).join("\n")).toMatch(problem);
  });
});

describe("renderTaskXml", () => {
  it("is well-formed, even with characters that need escaping", () => {
    expect(xmlProblems(renderTaskXml(task))).toEqual([]);
    const odd = renderTaskXml({ ...task, distro: "A&B <x>", launcher: "/home/a b/start.sh" });
    expect(xmlProblems(odd)).toEqual([]);
    expect(odd).toContain(
      "<Arguments>-d &quot;A&amp;B &lt;x&gt;&quot; -u alice --exec &quot;/home/a b/start.sh&quot;</Arguments>",
    );
  });

  it("starts wsl.exe at logon under the user's own interactive account, with no time limit, once", () => {
    const xml = renderTaskXml(task);
    expect(xml).toMatch(/<LogonTrigger>\s*<Enabled>true<\/Enabled>\s*<UserId>DESKTOP-7\\alice<\/UserId>/);
    expect(xml).toMatch(
      /<Principal id="Author">\s*<UserId>DESKTOP-7\\alice<\/UserId>\s*<LogonType>InteractiveToken/,
    );
    expect(xml).toContain("<RunLevel>LeastPrivilege</RunLevel>");
    expect(xml).toContain("<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>");
    expect(xml).toContain("<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>");
    expect(xml).toContain("<Command>wsl.exe</Command>");
    expect(xml).toContain(`<Arguments>-d Ubuntu-24.04 -u alice --exec ${task.launcher}</Arguments>`);
    expect(xml).not.toMatch(/<UserId>(SYSTEM|NT AUTHORITY|S-1-5-18)|HighestAvailable/);
  });

  it("is written as UTF-16LE with a BOM and CRLF line ends, as Task Scheduler exports it", () => {
    const buf = encodeTaskXml(renderTaskXml(task));
    expect([...buf.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const text = buf.subarray(2).toString("utf16le");
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-16"?>\r\n')).toBe(true);
    expect(text).not.toMatch(/[^\r]\n/);
  });
});

describe("command lines", () => {
  it.each([
    ["plain", "plain"],
    ["has space", '"has space"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["C:\\dir with space\\", '"C:\\dir with space\\\\"'],
    ["", '""'],
  ])("windowsQuoteArg(%j) → %s", (arg, quoted) => {
    expect(windowsQuoteArg(arg)).toBe(quoted);
  });

  it("wsl.exe runs the launcher without a shell, as the Linux user, in the named distro", () => {
    expect(wslArguments({ distro: "Ubuntu", linuxUser: "alice", launcher: "/h/a b/start.sh" })).toBe(
      '-d Ubuntu -u alice --exec "/h/a b/start.sh"',
    );
  });

  it("schtasks /Create replaces the task from its XML; the printed command uses Windows quoting", () => {
    const unc = wslUncPath("Ubuntu", "/home/alice/my files/t.xml");
    expect(unc).toBe("\\\\wsl.localhost\\Ubuntu\\home\\alice\\my files\\t.xml");
    expect(schtasksCreateArgs(unc)).toEqual(["/Create", "/TN", "openclaw-scope-watchdog", "/XML", unc, "/F"]);
    expect(displayCommand({ side: "windows", program: "schtasks.exe", args: schtasksCreateArgs(unc) })).toBe(
      'schtasks /Create /TN openclaw-scope-watchdog /XML "\\\\wsl.localhost\\Ubuntu\\home\\alice\\my files\\t.xml" /F',
    );
  });

  it("the [boot] command detaches and switches to the user; odd paths are shell-quoted", () => {
    expect(renderBootCommand({ linuxUser: "alice", launcher: "/h/start.sh" })).toBe(
      "[boot]\ncommand = setsid -f runuser -u alice -- /h/start.sh\n",
    );
    expect(shQuote("/h/it's here/start.sh")).toBe("'/h/it'\\''s here/start.sh'");
  });
});

describe("facts", () => {
  const base: ServiceFacts = {
    wsl: false,
    distro: null,
    systemdRunning: true,
    interop: false,
    systemctl: "/usr/bin/systemctl",
    loginctl: null,
    schtasks: null,
  };

  it("chooses the Task Scheduler path only on WSL without systemd, unless forced", () => {
    expect(chooseTarget(base, null)).toBe("systemd");
    expect(chooseTarget({ ...base, wsl: true }, null)).toBe("systemd");
    expect(chooseTarget({ ...base, wsl: true, systemdRunning: false }, null)).toBe("wsl");
    expect(chooseTarget({ ...base, wsl: true, systemdRunning: false }, "systemd")).toBe("systemd");
    expect(chooseTarget(base, "wsl")).toBe("wsl");
  });

  it("reads the WSLInterop binfmt entry's first line", () => {
    expect(binfmtEnabled("enabled\ninterpreter /init\nflags: PF\n")).toBe(true);
    expect(binfmtEnabled("disabled\ninterpreter /init\n")).toBe(false);
    expect(binfmtEnabled(null)).toBe(false);
  });
});
