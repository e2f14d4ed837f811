// Carries out a service plan: writes and removes files, runs the commands it can, and hands back the ones the
// user must run (no systemctl, no interop) or that failed, with their output.

import type { CommandResult, ServiceHost } from "./host.js";
import type { PlannedCommand, PlanStep, ServicePlan } from "./plan.js";

export type StepStatus = "created" | "updated" | "unchanged" | "removed" | "absent" | "ran" | "failed";

export interface StepOutcome {
  step: PlanStep;
  status: StepStatus;
  result?: CommandResult;
}

export interface ApplyResult {
  outcomes: StepOutcome[];
  /** Commands left for the user: all of them when they cannot run here, else those after a failure. */
  manual: PlannedCommand[];
  /** The step that stopped the plan, if one did. */
  failed: StepOutcome | null;
}

export interface Programs {
  systemctl: string | null;
  schtasks: string | null;
}

async function writeStep(host: ServiceHost, step: Extract<PlanStep, { kind: "write" }>): Promise<StepStatus> {
  const before = await host.readText(step.file);
  if (typeof step.data === "string" && before === step.data) return "unchanged";
  await host.writeFile(step.file, step.data, step.mode);
  return before === null ? "created" : "updated";
}

/** Applies the steps in order; stops at the first failed command that is not optional. */
export async function applyPlan(
  plan: ServicePlan,
  host: ServiceHost,
  programs: Programs,
): Promise<ApplyResult> {
  const outcomes: StepOutcome[] = [];
  const manual: PlannedCommand[] = [];
  let failed: StepOutcome | null = null;
  for (const step of plan.steps) {
    if (failed) {
      if (step.kind === "run") manual.push(step.command);
      continue;
    }
    if (step.kind === "write") {
      outcomes.push({ step, status: await writeStep(host, step) });
      continue;
    }
    if (step.kind === "remove") {
      outcomes.push({ step, status: (await host.removeFile(step.file)) ? "removed" : "absent" });
      continue;
    }
    const program = step.command.side === "linux" ? programs.systemctl : programs.schtasks;
    if (plan.cannotRun || !program) {
      manual.push(step.command);
      continue;
    }
    const result = await host.run(program, step.command.args);
    const outcome: StepOutcome = { step, status: result.exitCode === 0 ? "ran" : "failed", result };
    outcomes.push(outcome);
    if (outcome.status === "failed" && !step.command.optional) failed = outcome;
  }
  return { outcomes, manual, failed };
}
