// One full look at OpenClaw on this machine, as data: where it is, which version, its gateway settings, its
// pairing state, and what is wrong with it. Built by the daemon's inspect (the only place that reads for it).

import type {
  Finding,
  GatewaySettings,
  OpenClawInstall,
  PairingSnapshot,
  PairingStore,
} from "../common/types.js";
import type { OpenClawLocation } from "../config/openclaw-paths.js";
import type { DeviceSummary } from "./findings.js";
import type { OpenClawVersion } from "./version.js";

export interface Inspection {
  location: OpenClawLocation;
  install: OpenClawInstall;
  version: OpenClawVersion | null;
  store: PairingStore;
  gateway: GatewaySettings;
  snapshot: PairingSnapshot;
  requiredScopes: string[];
  device: DeviceSummary | null;
  findings: Finding[];
}
