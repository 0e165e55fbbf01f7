/**
 * /help laid out for the terminal's width: the commands in one column and what each does in a
 * second, wrapped inside it; where both do not fit side by side, each text goes under its
 * command, indented. No row is wider than the terminal, so the two never touch.
 */
import { COMMANDS } from "./registry.js";

/** Spaces between the command column and the text column. */
const GAP = 3;
/** The narrowest text column worth having beside the commands. */
const MIN_TEXT = 28;
/** The indent of a command's text when it goes under the command. */
const INDENT = 4;

const KEYS = [
  "Enter send",
  "Alt+Enter, Shift+Enter, Ctrl+J or a trailing \\ newline",
  '""" opens and closes a block of lines',
  "Up/Down history",
  "Ctrl+R search earlier prompts",
  "Tab complete commands and @paths",
  "Ctrl+X Ctrl+E editor",
  "Esc or Ctrl+C stop a reply",
  "Ctrl+C clear the input, twice to exit",
  "Ctrl+D exit",
  "Ctrl+L redraw",
  "Ctrl+Z suspend",
];

const SLASH_TEXT =
  'A message that starts with / is a command; start it with a space to send it as text (" /etc/hosts" sends "/etc/hosts")';

/** Splits text into lines of at most `width` characters, at spaces where it can. */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    const joined = line === "" ? word : `${line} ${word}`;
    if (joined.length <= width) {
      line = joined;
      continue;
    }
    if (line !== "") lines.push(line);
    let rest = word;
    while (rest.length > width) {
      lines.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    line = rest;
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** Items joined with " · ", as many to a line as fit in `width`; a long item is wrapped on its own. */
export function wrapItems(items: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const item of items) {
    const joined = line === "" ? item : `${line} · ${item}`;
    // A line that goes on ends with " ·": it needs two columns more.
    if (joined.length + 2 <= width) {
      line = joined;
      continue;
    }
    if (line !== "") lines.push(`${line} ·`);
    const parts = wrapWords(item, width - 2);
    line = parts.pop() ?? "";
    lines.push(...parts);
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** The help for a terminal `columns` wide. */
export function helpText(columns: number): string {
  // The last column stays free: a line that fills the row makes some terminals wrap it.
  const width = Math.max(16, columns - 1);
  const names = COMMANDS.map((c) => `/${`${c.name} ${c.args ?? ""}`.trim()}`);
  const nameWidth = Math.max(...names.map((n) => n.length));
  const beside = nameWidth + GAP + MIN_TEXT <= width;
  const rows: string[] = [];
  COMMANDS.forEach((command, i) => {
    const name = names[i] ?? "";
    if (beside) {
      const lines = wrapWords(command.help, width - nameWidth - GAP);
      lines.forEach((line, j) => rows.push(`${(j === 0 ? name : "").padEnd(nameWidth + GAP)}${line}`));
    } else {
      const [head = "", ...rest] = wrapWords(name, width);
      rows.push(head, ...wrapWords(rest.join(" "), width - 2).map((line) => `  ${line}`));
      rows.push(...wrapWords(command.help, width - INDENT).map((line) => `${" ".repeat(INDENT)}${line}`));
    }
  });
  return [...rows, "", ...wrapItems(KEYS, width), ...wrapWords(SLASH_TEXT, width)].join("\n");
}
