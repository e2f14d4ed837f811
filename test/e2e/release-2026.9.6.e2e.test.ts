// Release matrix: the focused scenario on a real OpenClaw 2026.9.6 gateway (harness/release-suite.ts, row in harness/releases.ts).
import { describeReleaseMatrix } from "./harness/release-suite.js";

describeReleaseMatrix("2026.9.6");
