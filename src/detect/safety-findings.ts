// Findings about the ground healing stands on: OpenClaw's state folders that are not this user's own
// (state-path-unsafe) and the kill switch the watchdog engaged itself after an approval it could not verify
// (remediation-halted). Pure: the folders' facts and the kill switch's content come in as data.

import type { Finding, RemediationHalt, UnsafePath } from "../common/types.js";

/** A path as a shell argument: single-quoted, with embedded single quotes escaped. */
export function shellQuote(p: string): string {
  return `'${p.replace(/'/g, "'\\''")}'`;
}

function unsafeText(u: UnsafePath): { what: string; command: string; explanation: string } {
  const q = shellQuote(u.path);
  switch (u.problem) {
    case "writable":
      return {
        what: `is writable by ${(u.mode ?? 0) & 0o002 ? "every account on this machine" : "its group"} (mode ${(u.mode ?? 0).toString(8).padStart(4, "0")})`,
        command: `chmod go-w ${q}`,
        explanation:
          "Takes write access away from group and others; OpenClaw itself keeps these folders 0700.",
      };
    case "owner":
      return {
        what: `belongs to another account (uid ${u.uid ?? "?"})`,
        command: `sudo chown -R "$(id -u):$(id -g)" ${q}`,
        explanation:
          "Gives the folder back to you, the account that runs the gateway and the watchdog. If another account really runs OpenClaw, run the watchdog as that account instead.",
      };
    case "symlink":
      return {
        what: "is a symbolic link (the watchdog does not follow links in OpenClaw's state)",
        command: `readlink -f ${q}`,
        explanation:
          "Shows where it points. Point OpenClaw and the watchdog at the real folder (OPENCLAW_STATE_DIR, openclaw.stateDir), or replace the link with the folder.",
      };
    case "unchecked":
      return {
        what: `cannot be examined (${u.error ?? "error"})`,
        command: `ls -ld ${q}`,
        explanation: "Shows what is there; the watchdog needs to see that it is a folder of yours.",
      };
  }
}

/** One finding per unsafe folder; healing is blocked while any is open (policy/remediate-bounds.ts). */
export function unsafePathFindings(unsafe: readonly UnsafePath[]): Finding[] {
  return unsafe.map((u) => {
    const t = unsafeText(u);
    return {
      code: "state-path-unsafe",
      severity: "warning",
      message: `OpenClaw's state folder ${u.path} ${t.what}.`,
      impact:
        "Another account could change the pairing state the watchdog reads and acts on, so automatic healing is off until this is fixed (detection and notifications go on).",
      file: u.path,
      fix: { command: t.command, explanation: t.explanation },
    };
  });
}

/** The kill switch the watchdog engaged after an approval it could not verify: critical until removed. */
export function haltFindings(halt: RemediationHalt | null | undefined): Finding[] {
  if (!halt) return [];
  const when = halt.atMs !== null ? ` at ${new Date(halt.atMs).toISOString()}` : "";
  return [
    {
      code: "remediation-halted",
      severity: "critical",
      message: `The watchdog stopped healing${when} and engaged its kill switch ${halt.file}: ${halt.reason}`,
      impact:
        "An approval through OpenClaw's CLI changed more than the watchdog approved, or not what it approved. No automatic healing runs until you have checked the pairing state and removed the kill switch.",
      file: halt.file,
      fix: {
        command: "openclaw devices list",
        explanation: `Shows what is paired now. Compare it with the message above, undo what you did not want, then remove the kill switch (rm ${shellQuote(halt.file)}) to let the watchdog heal again.`,
      },
    },
  ];
}
