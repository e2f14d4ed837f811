// The watchdog's own atomic writes on a real temp dir: write-file-atomic underneath, private folder and file,
// a planted symlink refused (never written through), no temp files left behind.

import { chmod, mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../src/common/atomic-file.js";
import { tempDir } from "../helpers/openclaw-state.js";

describe("writeFileAtomic", () => {
  it("creates the folder 0700 and the file 0600, and replaces a wider existing file with a 0600 one", async () => {
    const root = await tempDir("sw-atomic-");
    const file = path.join(root, "data", "x.json");
    await writeFileAtomic(file, "one\n");
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await chmod(file, 0o644);
    await writeFileAtomic(file, "two\n");
    expect(await readFile(file, "utf8")).toBe("two\n");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(path.dirname(file))).toEqual(["x.json"]);
  });

  it("refuses a symlink at the target and leaves its target untouched", async () => {
    const root = await tempDir("sw-atomic-");
    const target = path.join(root, "elsewhere.txt");
    await writeFile(target, "untouched\n");
    await mkdir(path.join(root, "data"));
    const file = path.join(root, "data", "x.json");
    await symlink(target, file);
    await expect(writeFileAtomic(file, "evil\n")).rejects.toThrow(/is a symbolic link/);
    expect(await readFile(target, "utf8")).toBe("untouched\n");
  });
});
