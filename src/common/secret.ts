// A value that must never be printed: logs, JSON, inspection and string conversion all show "[redacted]", and
// making one registers it with the process's redactor (common/redact.ts), which removes it from every output.

import { inspect } from "node:util";
import { REDACTED, registerSecret } from "./redact.js";

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    registerSecret(value);
  }
  /** The real value, for the one place that must send it (a child's environment, a socket frame). */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}
