// Building blocks shared by the config sections (schema.ts and the schema-*.ts sections it mounts).

import * as z from "../common/zod.js";
import { DURATION_RE, parseDuration } from "./duration.js";

/** `schema` with its description for the JSON Schema (registered on the schema itself, not on a copy). */
export function described<T extends z.ZodMiniType>(schema: T, description: string): T {
  z.globalRegistry.add(schema as z.ZodMiniType, { description });
  return schema;
}

/** `schema`, or null, which is the default. */
export function orNull<T extends z.ZodMiniType>(schema: T) {
  return z._default(z.nullable(schema), null);
}

/** A duration such as "90s", "5m", "4h"; parsed to milliseconds. Give defaults with `z.prefault(…, "4h")`. */
export function duration(description: string) {
  return described(
    z.pipe(
      z.string().check(z.regex(DURATION_RE, 'a duration such as "30s", "5m" or "4h"')),
      z.transform((text: string) => parseDuration(text) ?? 0),
    ),
    description,
  );
}

/**
 * A schema built on its first use, then kept. Building zod schemas is most of what validating a config file costs
 * (`check --config`), so each section is built only when a file sets it (schema.ts `fileSchema`).
 */
export function lazySchema<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => {
    built ??= build();
    return built;
  };
}
