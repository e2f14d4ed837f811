// Terminal styling: colour only on a TTY, never when NO_COLOR is set (https://no-color.org), forced by FORCE_COLOR.

export interface Style {
  enabled: boolean;
  width: number;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  green(s: string): string;
}

export function colourWanted(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return isTTY && env.TERM !== "dumb";
}

export function createStyle(enabled: boolean, columns?: number): Style {
  const wrap = (open: number, close: number) => (s: string) =>
    enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s;
  return {
    enabled,
    width: Math.max(60, Math.min(columns ?? 100, 110)),
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    green: wrap(32, 39),
  };
}

/** Word-wraps text to `width` columns, prefixing every line with `indent` (and the first with `first`). */
export function wrapText(text: string, width: number, indent: string, first = indent): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = first;
  let lineHasWord = false;
  for (const word of words) {
    if (lineHasWord && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line += (lineHasWord ? " " : "") + word;
    }
    lineHasWord = true;
  }
  lines.push(line);
  return lines.join("\n");
}
