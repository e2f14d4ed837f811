// `scope-watchdog config validate [FILE]` and `scope-watchdog config schema`.

import { loadConfig, readConfigFile } from "../config/load.js";
import { configJsonSchema } from "../config/schema.js";
import { EXIT, type Io, print } from "./io.js";

export async function runConfigValidate(file: string | undefined, io: Io): Promise<number> {
  if (file) {
    await readConfigFile(file);
    print(io.stdout, `${file}: valid`);
    return EXIT.ok;
  }
  const loaded = await loadConfig({ env: io.env, home: io.home });
  print(
    io.stdout,
    loaded.file
      ? `${loaded.file}: valid (from ${loaded.source})`
      : "No config file found; using the built-in defaults.",
  );
  return EXIT.ok;
}

export function runConfigSchema(io: Io): number {
  print(io.stdout, JSON.stringify(configJsonSchema(), null, 2));
  return EXIT.ok;
}
