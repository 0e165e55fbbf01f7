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

/** Renders one markdown text; results for finished parts are cached, since they never change. */
export function renderMarkdown(text: string): string {
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
