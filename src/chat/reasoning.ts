/**
 * Splits a streamed reply into reasoning and answer. A reply that opens with `<think>` (after
 * optional white space) is reasoning until `</think>`; everything else is answer text. Tags split
 * across chunks are held back until they can be told apart from ordinary text.
 */
const OPEN = "<think>";
const CLOSE = "</think>";

export interface SplitPiece {
  kind: "content" | "reasoning";
  text: string;
}

/** The length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialTagLength(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) {
    if (text.endsWith(tag.slice(0, n))) return n;
  }
  return 0;
}

export class ReasoningSplitter {
  private state: "start" | "reasoning" | "content" = "start";
  private pending = "";

  /** Feeds a chunk; returns the pieces that can be shown now. */
  push(chunk: string): SplitPiece[] {
    this.pending += chunk;
    const out: SplitPiece[] = [];
    for (;;) {
      if (this.state === "start") {
        const trimmed = this.pending.trimStart();
        if (trimmed.startsWith(OPEN)) {
          this.pending = trimmed.slice(OPEN.length).replace(/^\n/, "");
          this.state = "reasoning";
          continue;
        }
        if (trimmed === "" || OPEN.startsWith(trimmed)) return out;
        this.state = "content";
        continue;
      }
      if (this.state === "content") {
        if (this.pending) out.push({ kind: "content", text: this.pending });
        this.pending = "";
        return out;
      }
      const end = this.pending.indexOf(CLOSE);
      if (end >= 0) {
        if (end > 0) out.push({ kind: "reasoning", text: this.pending.slice(0, end) });
        this.pending = this.pending.slice(end + CLOSE.length).replace(/^\s+/, "");
        this.state = "content";
        continue;
      }
      const keep = partialTagLength(this.pending, CLOSE);
      const ready = this.pending.slice(0, this.pending.length - keep);
      if (ready) out.push({ kind: "reasoning", text: ready });
      this.pending = this.pending.slice(ready.length);
      return out;
    }
  }

  /** Releases what was held back at the end of the stream. */
  flush(): SplitPiece[] {
    const text = this.pending;
    this.pending = "";
    if (!text) return [];
    return [{ kind: this.state === "reasoning" ? "reasoning" : "content", text }];
  }
}
