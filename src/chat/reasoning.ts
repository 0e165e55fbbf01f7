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

type State = "start" | "reasoning-start" | "reasoning" | "content-start" | "content";

export class ReasoningSplitter {
  private state: State = "start";
  private pending = "";

  /** Feeds a chunk; returns the pieces that can be shown now. */
  push(chunk: string): SplitPiece[] {
    this.pending += chunk;
    const out: SplitPiece[] = [];
    for (;;) {
      switch (this.state) {
        case "start": {
          const trimmed = this.pending.trimStart();
          if (trimmed.startsWith(OPEN)) {
            this.pending = trimmed.slice(OPEN.length);
            this.state = "reasoning-start";
            continue;
          }
          if (trimmed === "" || OPEN.startsWith(trimmed)) return out;
          this.state = "content";
          continue;
        }
        case "reasoning-start":
        case "content-start":
          // White space right after a tag is layout, not text.
          this.pending = this.pending.trimStart();
          if (!this.pending) return out;
          this.state = this.state === "reasoning-start" ? "reasoning" : "content";
          continue;
        case "content":
          if (this.pending) out.push({ kind: "content", text: this.pending });
          this.pending = "";
          return out;
        case "reasoning": {
          const end = this.pending.indexOf(CLOSE);
          if (end >= 0) {
            const text = this.pending.slice(0, end).trimEnd();
            if (text) out.push({ kind: "reasoning", text });
            this.pending = this.pending.slice(end + CLOSE.length);
            this.state = "content-start";
            continue;
          }
          const keep = partialTagLength(this.pending, CLOSE);
          const ready = this.pending.slice(0, this.pending.length - keep);
          if (ready) out.push({ kind: "reasoning", text: ready });
          this.pending = this.pending.slice(ready.length);
          return out;
        }
      }
    }
  }

  /** Releases what was held back at the end of the stream. */
  flush(): SplitPiece[] {
    const text = this.pending;
    this.pending = "";
    if (!text || this.state === "content-start" || this.state === "reasoning-start") return [];
    return [{ kind: this.state === "reasoning" ? "reasoning" : "content", text }];
  }
}
