// A notification about a profile other than the default one names it, in the title and the webhook body.
import { describe, expect, it } from "vitest";
import { renderNotification } from "../../src/actions/notify/text.js";
import type { Finding } from "../../src/common/types.js";
import { defaultNotifyConfig } from "../../src/config/schema-notify.js";
import { decide, emptyNotifyState } from "../../src/policy/notify.js";

const AT = Date.UTC(2026, 11, 2, 9, 0);
const finding = (extra: Partial<Finding>): Finding => ({
  code: "baseline-missing-scope",
  severity: "critical",
  message: "The gateway approved operator.approvals for this machine's device.",
  deviceId: "ab".repeat(32),
  ...extra,
});

function render(f: Finding) {
  const d = decide(
    emptyNotifyState(),
    { findings: [f], silences: [] },
    AT,
    defaultNotifyConfig({ groupWait: "0ms" }),
  );
  const n = d.notifications[0];
  if (!n) throw new Error("the policy decided nothing");
  return renderNotification(n, { hostname: "box", secrets: [], timeZone: "UTC" });
}

describe("the profile in a notification", () => {
  it("is named in the title and the webhook body when the finding is about one", () => {
    const r = render(finding({ profile: "work", stateDir: "/home/u/.openclaw-work" }));
    expect(r.title).toBe("OpenClaw device lacks required scopes (profile work)");
    expect(r.payload.incident).toMatchObject({ profile: "work", stateDir: "/home/u/.openclaw-work" });
  });

  it("is left out for the default state", () => {
    const r = render(finding({ stateDir: "/home/u/.openclaw" }));
    expect(r.title).toBe("OpenClaw device lacks required scopes");
    expect(r.payload.incident).not.toHaveProperty("profile");
  });
});
