// Shared by the benchmarks that run on a real gateway: the seed's regression and a median.
import { expect } from "vitest";
import {
  connectLocalClient,
  type DeviceIdentity,
  type Gateway,
  removeDevice,
  subagentCall,
} from "../test/e2e/harness/index.js";

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** The seed's regression: the record removed, an approvals-only re-pair, a refused subagent call; returns when. */
export async function regress(gateway: Gateway, identity: DeviceIdentity): Promise<number> {
  await removeDevice(gateway, identity.deviceId);
  await connectLocalClient(gateway, identity);
  const refused = await subagentCall(gateway, identity);
  expect(refused.close?.code).toBe(1008);
  return Date.now();
}
