/**
 * Markdown to terminal text (marked with the marked-terminal renderer). What a mouse copy of a
 * reply gives back is what the model wrote: code blocks keep their fences and their lines as
 * they are (no indent, no wrapping), tables are drawn without box lines. Without colour, the
 * marks that carry meaning stay: backticks around code, `>` before quoted lines. Input is
 * sanitised before it gets here; the renderer only adds its own styling.
 */
import chalk from "chalk";
import { Marked, type Tokens } from "marked";
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

/** Decoded HTML entities the lexer put into code text. */
function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** A fenced code block as written: the fences, then each line unchanged, in one colour (no syntax highlighting). */
export function renderCodeBlock(code: string, lang: string | undefined): string {
  const fence = code.includes("```") ? "~~~" : "```";
  const lines = code.split("\n").map((line) => (line === "" ? line : chalk.yellow(line)));
  return [chalk.dim(`${fence}${lang ?? ""}`), ...lines, chalk.dim(fence)].join("\n");
}

function renderer(): Marked {
  marked ??= new Marked(
    markedTerminal({
      reflowText: false,
      tab: 2,
      emoji: false,
      showSectionPrefix: true,
      tableOptions: { chars: NO_BORDERS, style: { "padding-left": 0, "padding-right": 0, head: [], border: [] } },
    }) as never,
    {
      renderer: {
        code(token: Tokens.Code): string {
          return `${renderCodeBlock(token.text, token.lang || undefined)}\n\n`;
        },
        codespan(token: Tokens.Codespan): string {
          const text = unescapeHtml(token.text);
          return chalk.level > 0 ? chalk.yellow(text) : `\`${text}\``;
        },
        blockquote(token: Tokens.Blockquote): string {
          const body = this.parser.parse(token.tokens).replace(/\s+$/, "");
          const marked = body.split("\n").map((line) => chalk.gray.italic(`> ${line}`));
          return `${marked.join("\n")}\n\n`;
        },
      },
    },
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
