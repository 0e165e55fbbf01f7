/**
 * The draft model's side of speculative decoding: before each step of the model, the draft reads
 * the tokens the model holds and proposes the token it would write next, when it is sure enough.
 * The model then reads its last token and the proposal in one batch, and keeps the proposal only
 * when it would have written it too.
 *
 * Written for parley rather than node-llama-cpp's own draft predictor, which drafts in the
 * background while the model goes on: on a CPU the two share the cores, the draft seldom gets
 * ahead, and once its proposals are used up its state falls behind the model's, so that even a
 * model drafting for itself had most proposals refused. Here the draft works only when asked,
 * and brings its state to the model's each time (a common start is kept, not read again).
 */
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { nodeLlamaCpp } from "./node-llama-cpp.js";

const { TokenPredictor } = await nodeLlamaCpp();

export class DraftPredictor extends TokenPredictor {
  /** The tokens the model holds or is about to read: the draft proposes what follows them. */
  private state: Token[] = [];
  private disposed = false;

  constructor(
    private readonly draft: LlamaContextSequence,
    /** The least probability the draft must give its token for it to be proposed. */
    private readonly minConfidence: number,
  ) {
    super();
  }

  reset({ stateTokens }: { stateTokens: Token[] }): void {
    this.state = stateTokens.slice();
  }

  pushTokens(tokens: Token[]): void {
    this.state.push(...tokens);
  }

  async predictTokens(): Promise<Token[]> {
    const draft = this.draft;
    if (this.disposed || draft.disposed || this.state.length === 0 || this.state.length >= draft.contextSize) return [];
    // What the draft read of the same tokens stays; it reads at least the last token again, to
    // learn what follows it.
    await draft.adaptStateToTokens(this.state.slice(0, -1), false);
    const unread = this.state.slice(draft.nextTokenIndex);
    const next = draft.evaluateWithMetadata(unread, { confidence: true }, { temperature: 0 });
    try {
      const { value } = await next.next();
      // No value: the draft would end the text here, which is not worth a proposal.
      if (!value || value.confidence < this.minConfidence) return [];
      return [value.token];
    } finally {
      await next.return();
    }
  }

  /** The draft's sequence goes back to the draft context with its predictor, for the next one. */
  override dispose(): void {
    this.disposed = true;
    void this.draft.dispose();
  }
}
