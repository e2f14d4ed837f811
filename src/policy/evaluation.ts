// What one evaluation of the daemon produced: the inspection, every finding (state and live observations) and
// the incident events they caused. The actions that follow detection (notify, heal, status) take this.

import type { Finding } from "../common/types.js";
import type { Inspection } from "../detect/inspection.js";
import type { IncidentEvent } from "./incidents.js";

export interface Evaluation {
  trigger: string;
  /** When the event that caused this evaluation happened (file event, log line), for latency. */
  triggeredAtMs: number;
  atMs: number;
  inspection: Inspection | null;
  findings: Finding[];
  events: IncidentEvent[];
  stateChanged: boolean;
}
