/**
 * Splitting a streamed reply into a finished part (frozen into `<Static>`) and a live tail, so
 * the live region stays small however long the reply grows: every row it holds is laid out and
 * painted again on every frame. Raw text is frozen line by line. Markdown is frozen at blank
 * lines outside fenced code, and also line by line inside a block of plain prose (a line that
 * cannot open or continue a list, table, heading, quote or code block), since such a line
 * renders the same alone. A tail too long for its share of the screen is cut at a line end, a
 * space, or anywhere, and a fence cut in two is closed and reopened so both halves still render
 * as code.
 */
export interface CommitSplit {
  commit: string;
  rest: string;
  /** True when the cut falls inside a paragraph: the parts are shown without a gap. */
  joined: boolean;
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

/** A line that might be, or change into, something other than a paragraph line. */
const NOT_PROSE = /^(?: {4}|\t| {0,3}(?:[#>|<*+=_~`[-]|\d+[.)]))|\|/;

interface FenceScan {
  /** Where the text can be cut: after the last blank line, or prose line, outside fenced code. */
  boundary: number;
  /** The cut at `boundary` falls inside a paragraph. */
  joined: boolean;
  /** The opening line of the fence open at `upTo`, if one is. */
  openFence: string | undefined;
}

function scan(text: string, upTo: number, markdown: boolean): FenceScan {
  let boundary = 0;
  let joined = false;
  let openFence: string | undefined;
  /** Every line of the current block so far is plain prose. */
  let prose = true;
  let pos = 0;
  while (pos < upTo) {
    const end = text.indexOf("\n", pos);
    if (end === -1 || end >= upTo) break;
    const line = text.slice(pos, end);
    pos = end + 1;
    if (!markdown) {
      boundary = pos;
      joined = true;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      if (openFence === undefined) openFence = line.trim();
      else if (line.trim().startsWith(openFence.slice(0, 3))) openFence = undefined;
      prose = false;
    } else if (openFence !== undefined) {
      continue;
    } else if (line.trim() === "") {
      boundary = pos;
      joined = false;
      prose = true;
    } else if (prose && !NOT_PROSE.test(line)) {
      boundary = pos;
      joined = true;
    } else {
      prose = false;
    }
  }
  return { boundary, joined, openFence };
}

function forcedCut(text: string, from: number, columns: number): number {
  const lastLine = text.lastIndexOf("\n");
  if (lastLine >= from) return lastLine + 1;
  const lastSpace = text.lastIndexOf(" ");
  if (lastSpace > from + (text.length - from) / 2) return lastSpace + 1;
  // No place to break: cut at a row's end, so the frozen rows and the live ones read as one text.
  const whole = Math.floor((text.length - from) / Math.max(1, columns)) * Math.max(1, columns);
  return whole > 0 ? from + whole : text.length;
}

/** How many screen rows a text takes at this width, roughly (wide characters count once). */
export function estimateRows(text: string, columns: number): number {
  let rows = 0;
  for (const line of text.split("\n")) rows += Math.max(1, Math.ceil(line.length / Math.max(1, columns)));
  return rows;
}

export interface LiveLimit {
  columns: number;
  /** The most rows the live tail may take before it is cut. */
  rows: number;
  /**
   * The most rows one unfinished line may take before it is cut in two. A line cut while it is
   * written becomes two lines in the transcript (and in a mouse copy), so a single long line may
   * grow past `rows`, up to this, before that happens.
   */
  lineRows?: number;
}

/** What of `text` can be frozen now; undefined when nothing can. */
export function splitForCommit(text: string, markdown: boolean, limit: LiveLimit): CommitSplit | undefined {
  const { boundary, joined } = scan(text, text.length, markdown);
  if (estimateRows(text.slice(boundary), limit.columns) <= limit.rows) {
    if (boundary === 0) return undefined;
    return { commit: text.slice(0, boundary).replace(/\n$/, ""), rest: text.slice(boundary), joined };
  }
  const cut = forcedCut(text, boundary, limit.columns);
  const lastLine = text.lastIndexOf("\n") + 1;
  const midLine = cut > lastLine;
  if (midLine && limit.lineRows !== undefined && estimateRows(text.slice(lastLine), limit.columns) <= limit.lineRows) {
    // The unfinished line waits for its end; the lines before it can still be frozen.
    const before = scan(text, lastLine, markdown);
    if (before.boundary === 0) return undefined;
    return {
      commit: text.slice(0, before.boundary).replace(/\n$/, ""),
      rest: text.slice(before.boundary),
      joined: before.joined,
    };
  }
  const { openFence } = scan(text, cut, markdown);
  let commit = text.slice(0, cut);
  let rest = text.slice(cut);
  if (openFence !== undefined) {
    commit = `${commit.replace(/\n?$/, "\n")}${openFence.slice(0, 3)}`;
    rest = `${openFence}\n${rest}`;
  } else {
    commit = commit.replace(/\n$/, "");
  }
  return { commit, rest, joined: cut > boundary && !text.slice(0, cut).endsWith("\n\n") };
}

/** The end of `text` that fits in `rows` screen rows: a window on a tail that is not frozen yet. */
export function tailRows(text: string, limit: LiveLimit): string {
  const columns = Math.max(1, limit.columns);
  let rows = 0;
  let end = text.length;
  while (end > 0) {
    const start = text.lastIndexOf("\n", end - 1) + 1;
    const lineRows = Math.max(1, Math.ceil((end - start) / columns));
    if (rows + lineRows > limit.rows) {
      const room = (limit.rows - rows) * columns;
      return room > 0 ? text.slice(Math.max(start, end - room)) : text.slice(end + 1);
    }
    rows += lineRows;
    if (start === 0) return text;
    end = start - 1;
  }
  return text;
}
