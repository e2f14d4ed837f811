// One way to turn anything thrown into the text a log line, an audit entry or a CLI error shows.

/** The message of an Error (its own text, without the stack), or the thrown value as text. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "string") return err;
  try {
    return String(err);
  } catch {
    return "unprintable error";
  }
}

/**
 * Where JSON.parse gave up, without its message: from Node 22 on the message quotes the text around the error,
 * and a half-written file may hold a secret the redactor does not know yet (the file did not parse), or control
 * characters.
 */
export function jsonErrorWhere(err: unknown): string {
  const message = errorMessage(err);
  const at = /at position (\d+)/.exec(message)?.[1];
  if (at !== undefined) return `at character ${at}`;
  if (/unexpected end/i.test(message)) return "it ends too early";
  return "unexpected text";
}
