#!/usr/bin/env node
// @ts-check
// The Debian packages some integration suites use for real (a D-Bus session with dunst on Xvfb, systemd-analyze,
// promtool). `npm test` runs this file before vitest: it installs the missing ones with apt-get when it runs as
// root or with password-less sudo. What is still missing makes exactly the suites that need it skip, and the
// test run ends with one loud line naming the packages (test/setup/os-packages-reporter.ts).
//
// SCOPE_WATCHDOG_TEST_OS_PACKAGES:
//   auto     (default) install when possible, else skip the suites that need what is missing
//   skip     never install; skip the suites that need what is missing
//   require  install when possible; anything still missing is a failure (.ci/run sets this)
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** Each command the tests run, and the Debian package that brings it. */
export const OS_COMMANDS = /** @type {const} */ ({
  "notify-send": "libnotify-bin",
  dunst: "dunst",
  dunstctl: "dunst",
  Xvfb: "xvfb",
  "dbus-daemon": "dbus",
  "dbus-monitor": "dbus",
  "dbus-send": "dbus",
  "systemd-analyze": "systemd",
  promtool: "prometheus",
});

/** @typedef {keyof typeof OS_COMMANDS} OsCommand */
const ALL = /** @type {OsCommand[]} */ (Object.keys(OS_COMMANDS));
/** @typedef {"auto" | "skip" | "require"} OsPackagesMode */

export const MODE_VAR = "SCOPE_WATCHDOG_TEST_OS_PACKAGES";

/**
 * The mode from the environment; an unknown value is an error naming the variable.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {OsPackagesMode}
 */
export function osPackagesMode(env = process.env) {
  const v = env[MODE_VAR] ?? "auto";
  if (v === "" || v === "auto") return "auto";
  if (v === "skip" || v === "require") return v;
  throw new Error(`${MODE_VAR}=${v}: expected auto, skip or require`);
}

/**
 * Whether an executable named `cmd` is in one of PATH's folders.
 * @param {string} cmd
 * @param {NodeJS.ProcessEnv} env
 */
function onPath(cmd, env) {
  return (env.PATH ?? "").split(path.delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(path.join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The commands of `cmds` (all of them by default) that are not on PATH.
 * @param {readonly OsCommand[]} [cmds]
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {OsCommand[]}
 */
export function missingCommands(cmds = ALL, env = process.env) {
  return cmds.filter((c) => !onPath(c, env));
}

/**
 * The Debian packages that bring `cmds`, each once, in table order.
 * @param {readonly OsCommand[]} cmds
 * @returns {string[]}
 */
export function packagesFor(cmds) {
  return [...new Set(cmds.map((c) => OS_COMMANDS[c]))];
}

/** @param {readonly string[]} packages */
export function installCommand(packages) {
  return `sudo apt-get install -y --no-install-recommends ${packages.join(" ")}`;
}

/**
 * The one loud line: which packages are missing, what they held back, how to install them.
 * @param {readonly OsCommand[]} missing
 * @param {string} consequence what happened to the suites that need them
 */
export function missingLine(missing, consequence) {
  const ordered = ALL.filter((c) => missing.includes(c));
  const packages = packagesFor(ordered);
  return (
    `!!! MISSING DEBIAN PACKAGES: ${packages.join(" ")} (no ${ordered.join(", ")} on PATH): ${consequence}. ` +
    `Install them with: ${installCommand(packages)} ` +
    `(npm test does this itself as root or with password-less sudo)`
  );
}

/**
 * How this process can run apt-get as root: the prefix ([] as root, sudo -n with password-less sudo), or why not.
 * @returns {{ prefix: string[] } | { why: string }}
 */
function asRoot() {
  if (spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status !== 0)
    return { why: "no apt-get on PATH" };
  if (process.getuid?.() === 0) return { prefix: [] };
  if (spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0) return { prefix: ["sudo", "-n"] };
  return { why: "not root and no password-less sudo" };
}

/**
 * The commands that install `packages` as root (apt-get update first: a fresh machine has no package lists).
 * @param {readonly string[]} packages
 * @param {string[]} prefix [] as root, or the sudo prefix
 * @returns {string[][]}
 */
export function aptCommands(packages, prefix) {
  const apt = [...prefix, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"];
  return [
    [...apt, "update", "-qq"],
    [...apt, "install", "-y", "-qq", "--no-install-recommends", ...packages],
  ];
}

/** Installs what is missing where it can; returns the exit code for `npm test`. */
function main() {
  const mode = osPackagesMode();
  const missing = missingCommands();
  if (missing.length === 0) {
    console.log(`== Debian packages for the tests: ${packagesFor(ALL).join(" ")} (all there)`);
    return 0;
  }
  const packages = packagesFor(missing);
  const root = mode === "skip" ? { why: `${MODE_VAR}=skip` } : asRoot();
  if ("prefix" in root) {
    for (const argv of aptCommands(packages, root.prefix)) {
      console.log(`== ${argv.join(" ")}`);
      const [cmd = "", ...args] = argv;
      const r = spawnSync(cmd, args, { stdio: "inherit" });
      if (r.status !== 0) {
        console.error(`== ${argv.join(" ")} failed (exit ${r.status ?? r.signal})`);
        break;
      }
    }
  } else {
    console.log(`== not installing ${packages.join(" ")}: ${root.why}`);
  }
  const still = missingCommands();
  if (still.length === 0) return 0;
  if (mode === "require") {
    console.error(missingLine(still, `${MODE_VAR}=require turns the skip into a failure`));
    return 1;
  }
  console.log(`== the suites that need ${still.join(", ")} will be skipped`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exitCode = main();
