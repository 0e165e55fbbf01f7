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

function lines(n: number): string {
  return `${n} more line${n === 1 ? "" : "s"}`;
}

/** The note for one side: what of the cursor's line is out of sight, then how many other lines. */
function note(where: "above" | "below", lineGoesOn: boolean, others: number): string | undefined {
  if (lineGoesOn) return `… this line goes on ${where}${others > 0 ? `, and ${lines(others)}` : ""}`;
  return others > 0 ? `… ${lines(others)} ${where}` : undefined;
}

/**
 * The rows to draw for `text` with the cursor at `cursor`, in a box `columns` wide (2 of them
 * taken by the prompt) and at most `maxRows` rows tall, the out-of-sight notes included. A line
 * wider than the box counts as the rows it wraps to.
 */
export function inputWindow(text: string, cursor: number, columns: number, maxRows: number): InputWindow {
  const inputLines = text.split("\n");
  const width = Math.max(8, columns - 2);
  const rowsOf = (line: string): number => Math.max(1, Math.ceil(line.length / width));
  const starts: number[] = [];
  let offset = 0;
  let at = 0;
  inputLines.forEach((line, i) => {
    starts.push(offset);
    if (cursor >= offset && cursor <= offset + line.length) at = i;
    offset += line.length + 1;
  });
  const row = (i: number): InputRow => {
    const start = starts[i]!;
    const line = inputLines[i]!;
    const here = cursor >= start && cursor <= start + line.length ? cursor - start : undefined;
    return { text: line, cursorAt: here, first: i === 0 };
  };
  const total = inputLines.reduce((sum, line) => sum + rowsOf(line), 0);
  if (total <= maxRows) return { rows: inputLines.map((_, i) => row(i)), above: undefined, below: undefined };

  // Two rows for the notes of what is out of sight.
  const budget = Math.max(1, maxRows - 2);
  const line = inputLines[at]!;
  if (rowsOf(line) > budget) {
    // The cursor's own line is taller than the box: the rows of it around the cursor.
    const column = cursor - starts[at]!;
    const shown = budget * width;
    const cursorRow = Math.floor(column / width);
    const firstRow = Math.max(0, Math.min(cursorRow - Math.floor(budget / 2), rowsOf(line) - budget));
    const begin = firstRow * width;
    return {
      rows: [{ text: line.slice(begin, begin + shown), cursorAt: column - begin, first: at === 0 && begin === 0 }],
      above: note("above", begin > 0, at),
      below: note("below", begin + shown < line.length, inputLines.length - 1 - at),
    };
  }
  // Whole lines around the cursor's, one below then one above, while they fit; a note takes a
  // row only on a side where something is out of sight.
  const fits = (f: number, t: number, rows: number): boolean =>
    rows + (f > 0 ? 1 : 0) + (t < inputLines.length ? 1 : 0) <= maxRows;
  let from = at;
  let to = at + 1;
  let used = rowsOf(line);
  for (let grew = true; grew;) {
    grew = false;
    if (to < inputLines.length && fits(from, to + 1, used + rowsOf(inputLines[to]!))) {
      used += rowsOf(inputLines[to++]!);
      grew = true;
    }
    if (from > 0 && fits(from - 1, to, used + rowsOf(inputLines[from - 1]!))) {
      used += rowsOf(inputLines[--from]!);
      grew = true;
    }
  }
  const rows: InputRow[] = [];
  for (let i = from; i < to; i++) rows.push(row(i));
  return {
    rows,
    above: note("above", false, from),
    below: note("below", false, inputLines.length - to),
  };
}
