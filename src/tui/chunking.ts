/**
 * Splitting a streamed reply into a finished part (frozen into `<Static>`) and a live tail, so
 * the live region stays small however long the reply grows. Markdown is split at blank lines
 * outside fenced code; a tail too long for the screen is cut at a line end, a space, or anywhere,
 * and a fence cut in two is closed and reopened so both halves still render as code.
 */
export interface CommitSplit {
  commit: string;
  rest: string;
  /** True when the cut falls inside a paragraph: the parts are shown without a gap. */
  joined: boolean;
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

interface FenceScan {
  /** The end of the last blank line outside fenced code. */
  boundary: number;
  /** The opening line of the fence open at `upTo`, if one is. */
  openFence: string | undefined;
}

function scan(text: string, upTo: number, markdown: boolean): FenceScan {
  let boundary = 0;
  let openFence: string | undefined;
  let pos = 0;
  while (pos < upTo) {
    const end = text.indexOf("\n", pos);
    if (end === -1 || end >= upTo) break;
    const line = text.slice(pos, end);
    const fence = markdown ? FENCE.exec(line) : null;
    if (fence) {
      if (openFence === undefined) openFence = line.trim();
      else if (line.trim().startsWith(openFence.slice(0, 3))) openFence = undefined;
    } else if (openFence === undefined && (markdown ? line.trim() === "" : true)) {
      boundary = end + 1;
    }
    if (!markdown) boundary = end + 1;
    pos = end + 1;
  }
  return { boundary, openFence };
}

function forcedCut(text: string, from: number): number {
  const lastLine = text.lastIndexOf("\n");
  if (lastLine >= from) return lastLine + 1;
  const lastSpace = text.lastIndexOf(" ");
  if (lastSpace > from + (text.length - from) / 2) return lastSpace + 1;
  return text.length;
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
}

/** What of `text` can be frozen now; undefined when nothing can. */
export function splitForCommit(text: string, markdown: boolean, limit: LiveLimit): CommitSplit | undefined {
  const { boundary } = scan(text, text.length, markdown);
  if (estimateRows(text.slice(boundary), limit.columns) <= limit.rows) {
    if (boundary === 0) return undefined;
    return { commit: text.slice(0, boundary).replace(/\n$/, ""), rest: text.slice(boundary), joined: false };
  }
  const cut = forcedCut(text, boundary);
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
