// JSON5 text (OpenClaw's openclaw.json, the watchdog's config file) to a value. Both are usually plain JSON, which
// JSON.parse reads the same way: the JSON5 parser is loaded only for a file that needs it (comments, trailing
// commas), and its error is the one reported for a file that is neither.

export async function parseJson5(text: string): Promise<unknown> {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const JSON5 = (await import("json5")).default;
    return JSON5.parse(text) as unknown;
  }
}
