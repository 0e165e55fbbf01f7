/**
 * Token predictors: guesses of the next few tokens that the model checks in one batch, so that
 * several tokens can come from one pass over the weights. A guess the model does not make is thrown
 * away, so the reply is the one the model alone would write (exactly so under greedy sampling).
 * Two kinds: a small draft model with the same vocabulary (speculative decoding, `--draft-model`),
 * and prompt lookup (`--lookup`), which looks the last tokens written up in the person's message
 * and proposes what followed them there.
 */
import { basename } from "node:path";
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel, TokenPredictor } from "node-llama-cpp";
import { ModelError } from "../../errors.js";
import type { GenerateResult } from "../engine.js";
import type { LlamaEngineSpec } from "../spec.js";
import { DraftPredictor } from "./draft-predictor.js";
import { nodeLlamaCpp } from "./node-llama-cpp.js";

const { DraftSequenceTokenPredictor, InputLookupTokenPredictor } = await nodeLlamaCpp();

/**
 * Tokens proposed at a time, by either predictor: one. node-llama-cpp (3.22) checks a batch of
 * proposals against the model's own choices but accepts only the first of them (it compares each
 * later one with a list it never fills), so a second proposal is always thrown away, and its place
 * in the batch costs time. One proposal a step gives at best two tokens for one pass of the model.
 */
const LOOKUP_TOKENS = 1;
/** The draft model proposes a token only when it gives it at least this probability (node-llama-cpp's default). */
const DRAFT_MIN_CONFIDENCE = 0.6;

/** Predictions the model checked: how many were proposed, and how many of them it wrote too. */
export type PredictionCount = NonNullable<GenerateResult["draft"]>;

/** The token predictor of a loaded model: one new predictor for each sequence of its context. */
export class Predictors {
  private constructor(
    /** For the model line: "draft model small.gguf" or "prompt lookup". */
    readonly description: string,
    private readonly draft?: { model: LlamaModel; context: LlamaContext },
  ) {}

  /** The predictor `spec` asks for, or undefined; a draft model is loaded on `llama`, and checked. */
  static async load(
    spec: LlamaEngineSpec,
    llama: Llama,
    target: LlamaContext,
    reasonOf: (err: unknown) => Promise<string>,
  ): Promise<Predictors | undefined> {
    if (spec.draftModel === undefined) return spec.lookup ? new Predictors("prompt lookup") : undefined;
    const path = spec.draftModel;
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: path, gpuLayers: spec.gpuLayers });
    } catch (err) {
      throw new ModelError(`cannot load the draft model ${path}: ${await reasonOf(err)}`, { cause: err });
    }
    let context: LlamaContext;
    try {
      context = await model.createContext({
        // The draft reads what the model reads: as much of it as the draft model was trained for.
        contextSize: Math.min(target.contextSize, model.trainContextSize),
        sequences: target.totalSequences,
      });
    } catch (err) {
      await model.dispose();
      throw new ModelError(`cannot create a context for the draft model ${path}: ${await reasonOf(err)}`, {
        cause: err,
      });
    }
    const predictors = new Predictors(`draft model ${basename(path)}`, { model, context });
    try {
      await predictors.checkVocabulary(target, spec);
    } catch (err) {
      await predictors.dispose();
      throw err;
    }
    return predictors;
  }

  /**
   * A draft must share the model's vocabulary: llama.cpp compares them when a prediction starts;
   * here that is done once, on a spare sequence, so a mismatch is refused while loading.
   */
  private async checkVocabulary(target: LlamaContext, spec: LlamaEngineSpec): Promise<void> {
    if (!this.draft || target.sequencesLeft === 0 || this.draft.context.sequencesLeft === 0) return;
    const draftSequence = this.draft.context.getSequence();
    const predictor = new DraftSequenceTokenPredictor(draftSequence);
    const sequence = target.getSequence();
    try {
      await predictor.reset({ targetSequence: sequence, stateTokens: [], evaluateOptions: {} });
    } catch (err) {
      const draft = basename(spec.draftModel ?? "");
      throw new ModelError(
        `the draft model ${draft} cannot draft for ${basename(spec.model)}: ${vocabularyDifference(err)}; a draft model must have the same vocabulary (the same family of models)`,
        { cause: err },
      );
    } finally {
      await sequence.dispose();
      await draftSequence.dispose();
    }
  }

  /** A new predictor for a new sequence, or undefined when every draft sequence is taken. */
  private create(): TokenPredictor | undefined {
    if (!this.draft) {
      return new InputLookupTokenPredictor({ predictionLength: { min: 1, max: LOOKUP_TOKENS } });
    }
    if (this.draft.context.sequencesLeft === 0) return undefined;
    return new DraftPredictor(this.draft.context.getSequence(), DRAFT_MIN_CONFIDENCE);
  }

  /** The options of `getSequence` for a new sequence of the model's context. */
  sequenceOptions(): { tokenPredictor?: TokenPredictor } {
    const tokenPredictor = this.create();
    return tokenPredictor ? { tokenPredictor } : {};
  }

  async dispose(): Promise<void> {
    if (!this.draft) return;
    await this.draft.context.dispose();
    await this.draft.model.dispose();
  }
}

/** What differs between two vocabularies, in plain words, from llama.cpp's check. */
function vocabularyDifference(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/vocabulary type/i.test(message)) return "its tokenizer is of another kind";
  if (/special tokens/i.test(message)) return "its start and end tokens differ";
  const size = /size difference: (\d+)/.exec(message);
  if (size) return `its vocabulary differs in size by ${size[1]} tokens`;
  const token = /token (\d+) content differs/.exec(message);
  if (token) return `its token ${token[1]} is another text`;
  return "its vocabulary differs";
}

/**
 * Counts the predictions checked on `sequence` from now on: a function that gives the count so
 * far, or undefined when the sequence has no predictor.
 */
export function countPredictions(sequence: LlamaContextSequence): (() => PredictionCount) | undefined {
  if (!sequence.tokenPredictor) return undefined;
  const start = sequence.tokenPredictions;
  return () => {
    const now = sequence.tokenPredictions;
    const accepted = now.validated - start.validated;
    return { tokens: accepted + now.refuted - start.refuted, accepted };
  };
}
