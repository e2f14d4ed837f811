// Release matrix: the focused scenario on a real OpenClaw 2026.4.20 gateway (harness/release-suite.ts, row in harness/releases.ts).
import { describeReleaseMatrix } from "./harness/release-suite.js";

describeReleaseMatrix("2026.4.20");
