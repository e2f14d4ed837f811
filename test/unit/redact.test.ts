// The one redactor (src/common/redact.ts): registered secrets in every form, short ones where they stand alone,
// credentials by pattern, token shapes on request, a bounded registry, URLs whose path acts as a password.

import { describe, expect, it } from "vitest";
import {
  excerpt,
  MAX_SECRETS,
  REDACTED,
  Redactor,
  redactor,
  registerUrlSecret,
  secretForms,
} from "../../src/common/redact.js";
import { Secret } from "../../src/common/secret.js";

describe("Redactor", () => {
  it("removes a registered secret raw, JSON-escaped (once and twice), URL- and form-encoded", () => {
    const r = new Redactor();
    const s = 'a "quoted"/secret+with=chars ü\\';
    r.add(s);
    const texts = [
      `raw ${s} end`,
      JSON.stringify({ msg: `x ${s} y` }),
      JSON.stringify({ line: JSON.stringify({ msg: s }) }),
      `https://h/?t=${encodeURIComponent(s)}`,
      `body ${new URLSearchParams({ t: s }).toString()}`,
    ];
    for (const t of texts) {
      const out = r.redact(t);
      expect(out).toContain(REDACTED);
      for (const f of secretForms(s)) expect(out).not.toContain(f);
    }
  });

  it("removes a short secret (down to one character) only where it stands alone", () => {
    const r = new Redactor();
    r.add("abc");
    r.add("7");
    expect(r.redact("password=abc&x")).toBe(`password=${REDACTED}&x`);
    expect(r.redact('{"v":"abc"}')).toBe(`{"v":"${REDACTED}"}`);
    expect(r.redact("abcdef xabc abc")).toBe(`abcdef xabc ${REDACTED}`);
    expect(r.redact("pin 7, 17 items")).toBe(`pin ${REDACTED}, 17 items`);
  });

  it("removes a long secret wherever it occurs, the longest first", () => {
    const r = new Redactor();
    r.add("supersecret");
    r.add("supersecret-and-more");
    expect(r.redact("xxsupersecret-and-morexx")).toBe(`xx${REDACTED}xx`);
    expect(r.redact("prefixsupersecretsuffix")).toBe(`prefix${REDACTED}suffix`);
  });

  it("takes credentials by pattern and leaves its own output alone", () => {
    const r = new Redactor();
    const once = r.redact(
      'token=abc123 "password": "hunter2" Authorization: Bearer abcdefgh1234 https://u:pw@host/x api_key=k',
    );
    expect(once).not.toMatch(/abc123|hunter2|abcdefgh1234|:pw@|=k\b/);
    expect(r.redact(once)).toBe(once);
  });

  it("removes token shapes only when asked (public keys share them)", () => {
    const r = new Redactor();
    const token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCd0"; // 43 base64url characters
    expect(token).toHaveLength(43);
    const hex48 = "0123456789abcdef0123456789abcdef0123456789abcdef";
    const deviceId = "0123456789abcdef".repeat(4);
    expect(r.redact(`k ${token} ${hex48}`)).toBe(`k ${token} ${hex48}`);
    expect(r.redact(`k ${token} ${hex48} ${deviceId}`, { shapes: true })).toBe(
      `k ${REDACTED} ${REDACTED} ${deviceId}`,
    );
  });

  it("keeps at most MAX_SECRETS, the most recently read", () => {
    const r = new Redactor();
    r.add("first-secret-000");
    for (let i = 0; i < MAX_SECRETS; i++) r.add(`secret-number-${i}`);
    expect(r.size).toBe(MAX_SECRETS);
    expect(r.redact("first-secret-000")).toBe("first-secret-000");
    expect(r.redact(`secret-number-${MAX_SECRETS - 1}`)).toBe(REDACTED);
  });

  it("redactKnown touches only registered secrets", () => {
    const r = new Redactor();
    r.add("known-secret-1");
    expect(r.redactKnown("token=abc known-secret-1")).toBe(`token=abc ${REDACTED}`);
  });

  it("a Secret registers itself with the process's redactor; a URL registers its password, long path and query", () => {
    new Secret("made-by-secret-ctor-1");
    expect(redactor.redact("x made-by-secret-ctor-1 y")).toBe(`x ${REDACTED} y`);
    registerUrlSecret("https://u:pass-word-9@ntfy.example/topic-hard-to-guess?k=query-secret-value");
    const out = redactor.redact("pass-word-9 topic-hard-to-guess query-secret-value");
    expect(out).toBe(`${REDACTED} ${REDACTED} ${REDACTED}`);
    registerUrlSecret("http://127.0.0.1:1/hook");
    expect(redactor.redact("the hook failed")).toBe("the hook failed");
  });

  it("an excerpt never starts inside a surrogate pair (found by the CLI-output property test)", () => {
    expect(excerpt("😀".repeat(10), [], 5)).toBe(`…${"😀".repeat(2)}`);
  });
});
