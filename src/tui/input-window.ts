/**
 * The part of the input box shown on screen. A pasted file can make the input hundreds of lines
 * long; drawn whole, the live region outgrows the terminal, Ink then repaints the whole screen on
 * every key and what was said above (a refusal of that very text included) scrolls away. So the
 * box shows at most a given number of rows around the cursor, and says how much is out of sight.
 */

export interface InputRow {
  text: string;
  /** Where the cursor is in `text`, when it is on this row. */
  cursorAt: number | undefined;
  /** The input's first line (it gets the `> ` prompt). */
  first: boolean;
}

export interface InputWindow {
  rows: InputRow[];
  /** What is out of sight above and below, in words; undefined when nothing is. */
  above: string | undefined;
  below: string | undefined;
}

function moreLines(n: number, where: "above" | "below"): string {
  return `… ${n} more line${n === 1 ? "" : "s"} ${where}`;
}

/**
 * The rows to draw for `text` with the cursor at `cursor`, in a box `columns` wide (2 of them
 * taken by the prompt) and at most `maxRows` rows tall, the out-of-sight notes included. A line
 * wider than the box counts as the rows it wraps to.
 */
export function inputWindow(text: string, cursor: number, columns: number, maxRows: number): InputWindow {
  const lines = text.split("\n");
  const width = Math.max(8, columns - 2);
  const rowsOf = (line: string): number => Math.max(1, Math.ceil(line.length / width));
  const starts: number[] = [];
  let offset = 0;
  let at = 0;
  lines.forEach((line, i) => {
    starts.push(offset);
    if (cursor >= offset && cursor <= offset + line.length) at = i;
    offset += line.length + 1;
  });
  const row = (i: number): InputRow => {
    const start = starts[i]!;
    const line = lines[i]!;
    const here = cursor >= start && cursor <= start + line.length ? cursor - start : undefined;
    return { text: line, cursorAt: here, first: i === 0 };
  };
  const total = lines.reduce((sum, line) => sum + rowsOf(line), 0);
  if (total <= maxRows) return { rows: lines.map((_, i) => row(i)), above: undefined, below: undefined };

  // Two rows for the notes of what is out of sight.
  const budget = Math.max(1, maxRows - 2);
  const line = lines[at]!;
  if (rowsOf(line) > budget) {
    // The cursor's own line is taller than the box: the rows of it around the cursor.
    const column = cursor - starts[at]!;
    const shown = budget * width;
    const cursorRow = Math.floor(column / width);
    const firstRow = Math.max(0, Math.min(cursorRow - Math.floor(budget / 2), rowsOf(line) - budget));
    const begin = firstRow * width;
    const aboveLines = at > 0 ? `, and ${at} more line${at === 1 ? "" : "s"}` : "";
    const belowCount = lines.length - 1 - at;
    const belowLines = belowCount > 0 ? `, and ${belowCount} more line${belowCount === 1 ? "" : "s"}` : "";
    return {
      rows: [{ text: line.slice(begin, begin + shown), cursorAt: column - begin, first: at === 0 && begin === 0 }],
      above: begin > 0 ? `… this line goes on above${aboveLines}` : at > 0 ? moreLines(at, "above") : undefined,
      below:
        begin + shown < line.length
          ? `… this line goes on below${belowLines}`
          : belowCount > 0
            ? moreLines(belowCount, "below")
            : undefined,
    };
  }
  // Whole lines around the cursor's, one below then one above, while they fit; a note takes a
  // row only on a side where something is out of sight.
  const fits = (f: number, t: number, rows: number): boolean =>
    rows + (f > 0 ? 1 : 0) + (t < lines.length ? 1 : 0) <= maxRows;
  let from = at;
  let to = at + 1;
  let used = rowsOf(line);
  for (let grew = true; grew;) {
    grew = false;
    if (to < lines.length && fits(from, to + 1, used + rowsOf(lines[to]!))) {
      used += rowsOf(lines[to++]!);
      grew = true;
    }
    if (from > 0 && fits(from - 1, to, used + rowsOf(lines[from - 1]!))) {
      used += rowsOf(lines[--from]!);
      grew = true;
    }
  }
  const rows: InputRow[] = [];
  for (let i = from; i < to; i++) rows.push(row(i));
  return {
    rows,
    above: from > 0 ? moreLines(from, "above") : undefined,
    below: to < lines.length ? moreLines(lines.length - to, "below") : undefined,
  };
}
