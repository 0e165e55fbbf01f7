/**
 * Markdown to terminal text (marked with the marked-terminal renderer). Tables are drawn
 * without box lines, so a mouse copy of a reply gives clean text. Input is sanitised before it
 * gets here; the renderer only adds its own styling.
 */
import { Marked } from "marked";
import { markedTerminal } from "marked-terminal";

const NO_BORDERS = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "",
  "mid-mid": "",
  right: "",
  "right-mid": "",
  middle: "  ",
};

let marked: Marked | undefined;

function renderer(): Marked {
  marked ??= new Marked(
    markedTerminal({
      reflowText: false,
      tab: 2,
      emoji: false,
      showSectionPrefix: true,
      tableOptions: { chars: NO_BORDERS, style: { "padding-left": 0, "padding-right": 0, head: [], border: [] } },
    }) as never,
  );
  return marked;
}

const cache = new Map<string, string>();

/**
 * Text in which Markdown has nothing to do: no inline markup, escapes, entities, HTML, links or
 * autolinks, and no line that could start a block other than a paragraph. The renderer would
 * give it back unchanged, so it is not parsed (prose is frozen line by line while streaming).
 */
const MARKUP = /[\\`*_~[\]<>&|]|:\/\/|www\.|\S@\S|^(?: {0,3}(?:[#>+=-]|\d+[.)])| {4}|\t)/m;

export function isPlainText(text: string): boolean {
  return !MARKUP.test(text);
}

/** Renders one markdown text; results for finished parts are cached, since they never change. */
export function renderMarkdown(text: string): string {
  if (isPlainText(text)) return text.replace(/\s+$/, "");
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  let out: string;
  try {
    out = renderer().parse(text, { async: false }).replace(/\s+$/, "");
  } catch {
    out = text;
  }
  if (cache.size > 200) cache.clear();
  cache.set(text, out);
  return out;
}
