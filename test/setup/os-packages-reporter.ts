// Ends the test run with one loud line when suites were skipped (or failed, in require mode) because Debian
// packages they run are missing: which packages, which suites, and the command that installs them.
import type { Reporter, TestModule } from "vitest/node";
import { MODE_VAR, missingLine, type OsCommand, osPackagesMode } from "../../scripts/os-packages.mjs";

export default class OsPackagesReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const missing = new Set<OsCommand>();
    const files = new Set<string>();
    const tests = new Set<string>();
    for (const m of modules) {
      for (const suite of m.children.allSuites()) {
        const cmds = suite.meta().missingOsCommands ?? [];
        if (cmds.length === 0) continue;
        for (const c of cmds) missing.add(c as OsCommand);
        files.add(m.relativeModuleId);
        // nested suites carry their parent's meta too: count each test once
        for (const t of suite.children.allTests()) tests.add(t.id);
      }
    }
    if (missing.size === 0) return;
    const what = osPackagesMode() === "require" ? `failed (${MODE_VAR}=require)` : "skipped";
    const consequence = `${tests.size} tests in ${[...files].join(", ")} ${what}`;
    process.stderr.write(`\n${missingLine([...missing], consequence)}\n\n`);
  }
}
