// OpenClaw's operator scope rules (src/gateway/operator-scopes.ts, operatorScopeSatisfied): pure helpers.

export const OPERATOR_ADMIN = "operator.admin";
export const OPERATOR_READ = "operator.read";
export const OPERATOR_WRITE = "operator.write";
export const OPERATOR_APPROVALS = "operator.approvals";
export const OPERATOR_PAIRING = "operator.pairing";

/** What the 2026.4.x CLI connects with until 2026.4.27 (CLI_DEFAULT_OPERATOR_SCOPES, src/gateway/operator-scopes.ts). */
export const CLI_DEFAULT_SCOPES_2026_4 = [
  OPERATOR_ADMIN,
  OPERATOR_APPROVALS,
  OPERATOR_PAIRING,
  OPERATOR_READ,
  "operator.talk.secrets",
  OPERATOR_WRITE,
] as const;

/** Trimmed, de-duplicated and sorted, like OpenClaw's normalizeDeviceAuthScopes without the implied extras. */
export function normalizeScopes(scopes: readonly string[]): string[] {
  return [...new Set(scopes.map((s) => s.trim()).filter((s) => s.length > 0))].sort();
}

/**
 * Whether `granted` satisfies `wanted`: operator.admin satisfies every operator.* scope, operator.write
 * satisfies operator.read, anything else needs an exact match.
 */
export function scopeSatisfied(granted: readonly string[], wanted: string): boolean {
  if (granted.includes(wanted)) return true;
  if (wanted.startsWith("operator.") && granted.includes(OPERATOR_ADMIN)) return true;
  return wanted === OPERATOR_READ && granted.includes(OPERATOR_WRITE);
}

/** The scopes of `wanted` that `granted` does not satisfy, in the order given. */
export function missingScopes(granted: readonly string[], wanted: readonly string[]): string[] {
  return normalizeScopes(wanted).filter((s) => !scopeSatisfied(granted, s));
}

/** Scopes present in `before` whose authority `after` no longer carries. */
export function lostScopes(before: readonly string[], after: readonly string[]): string[] {
  return missingScopes(after, before);
}

export function formatScopes(scopes: readonly string[]): string {
  return scopes.length === 0 ? "(none)" : scopes.join(", ");
}
