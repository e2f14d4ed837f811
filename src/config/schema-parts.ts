// Building blocks shared by the config sections (schema.ts and the schema-*.ts sections it mounts).

import * as z from "zod";
import { DURATION_RE, parseDuration } from "./duration.js";

/** A duration such as "90s", "5m", "4h"; parsed to milliseconds. Give defaults with `.prefault("4h")`. */
export function duration(description: string) {
  return z
    .string()
    .regex(DURATION_RE, 'a duration such as "30s", "5m" or "4h"')
    .transform((text) => parseDuration(text) ?? 0)
    .describe(description);
}
