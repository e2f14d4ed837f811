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
