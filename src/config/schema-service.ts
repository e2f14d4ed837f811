// Config sections for the daemon's local endpoints: the `status` unix socket and the optional Prometheus `metrics`.

import { isIP } from "node:net";
import * as z from "../common/zod.js";
import { described, lazySchema, orNull } from "./schema-parts.js";

/** A parsed `metrics.listen`: always a loopback host. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Whether `host` is a loopback address literal (127.0.0.0/8 or ::1). */
export function isLoopbackHost(host: string): boolean {
  if (isIP(host) === 4) return host.split(".")[0] === "127";
  if (isIP(host) === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1";
  return false;
}

export type ListenParse = { ok: true; address: ListenAddress } | { ok: false; message: string };

/** Pure: "127.0.0.1:9464", "[::1]:9464" or "localhost:9464" to a loopback host and port; anything else is refused. */
export function parseListen(text: string, opts: { allowPortZero?: boolean } = {}): ListenParse {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!m)
    return {
      ok: false,
      message: `expected "HOST:PORT" such as "127.0.0.1:9464", got ${JSON.stringify(text)}`,
    };
  const rawHost = m[1] ?? m[2] ?? "";
  const port = Number(m[3]);
  const host = rawHost === "localhost" ? "127.0.0.1" : rawHost;
  if (!isLoopbackHost(host)) {
    return {
      ok: false,
      message: `the metrics endpoint has no authentication, so it listens on loopback only (127.0.0.1 or [::1]); got host ${JSON.stringify(rawHost)}. To scrape it from a fleet Prometheus, run an agent on the machine (Prometheus in agent mode, Grafana Alloy) or an authenticating reverse proxy (service/README.md)`,
    };
  }
  const min = opts.allowPortZero ? 0 : 1;
  if (!Number.isInteger(port) || port < min || port > 65_535)
    return { ok: false, message: `expected a port from ${min} to 65535, got ${m[3]}` };
  return { ok: true, address: { host, port } };
}

/** The `status` section's schema, built on first use. */
export const statusSchema = lazySchema(() =>
  z.strictObject({
    socket: described(
      orNull(
        z.string().check(
          z.minLength(1),
          z.refine((p) => p.startsWith("/") || p.startsWith("~/"), "an absolute path (or ~/…)"),
        ),
      ),
      "The unix socket `scope-watchdog status` asks the daemon through (mode 0600; its folder must be private, mode 0700). null: $XDG_RUNTIME_DIR/openclaw-scope-watchdog/status.sock, else <dataDir>/status.sock.",
    ),
  }),
);

/** The `metrics` section's schema, built on first use. */
export const metricsSchema = lazySchema(() =>
  z.strictObject({
    listen: described(
      orNull(
        z.string().check(
          z.superRefine((text, ctx) => {
            const parsed = parseListen(text);
            if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
          }),
        ),
      ),
      'Serve Prometheus metrics at http://HOST:PORT/metrics, e.g. "127.0.0.1:9464"; loopback hosts only. null: off.',
    ),
  }),
);

export type StatusConfig = z.output<ReturnType<typeof statusSchema>>;
export type MetricsConfig = z.output<ReturnType<typeof metricsSchema>>;
