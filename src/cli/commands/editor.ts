/** Opening a file in the user's editor ($VISUAL, $EDITOR, else vi or Notepad). */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../errors.js";
import { fileErrorText } from "../../store/paths.js";

export function editorCommand(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env.VISUAL?.trim() || env.EDITOR?.trim();
  return chosen || (process.platform === "win32" ? "notepad" : "vi");
}

function quote(path: string): string {
  return process.platform === "win32" ? `"${path}"` : `'${path.replace(/'/g, `'\\''`)}'`;
}

/** Runs the editor on `path` and waits for it; a failing editor is a usage error. */
export function runEditor(path: string): void {
  const editor = editorCommand();
  const result = spawnSync(`${editor} ${quote(path)}`, { shell: true, stdio: "inherit" });
  if (result.error) throw new UsageError(`cannot start the editor "${editor}": ${fileErrorText(result.error)}`);
  if (result.status === 127) throw new UsageError(`cannot start the editor "${editor}": no such program; set $EDITOR`);
  if (result.status !== 0) {
    throw new UsageError(
      `the editor "${editor}" exited with status ${result.status ?? result.signal}; nothing was changed`,
    );
  }
}

export interface EditSession {
  /** The file the editor works on. */
  path: string;
  /** Runs the editor and returns the file's new text. */
  edit(): string;
  /** Removes the temporary file (keep it when the edit could not be saved). */
  discard(): void;
}

/** A private temporary copy of `text` named `name`, to edit. */
export function editSession(text: string, name: string): EditSession {
  const dir = mkdtempSync(join(tmpdir(), "parley-edit-"));
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return {
    path,
    edit: () => {
      try {
        runEditor(path);
      } catch (err) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      return readFileSync(path, "utf8");
    },
    discard: () => rmSync(dir, { recursive: true, force: true }),
  };
}
