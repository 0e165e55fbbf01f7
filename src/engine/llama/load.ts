/** Loading a GGUF model with node-llama-cpp. Imported lazily: loading node-llama-cpp costs 0.2-0.6 s. */
import { basename } from "node:path";
import type { Llama, LlamaContext, LlamaLogLevel as LogLevel, LlamaModel } from "node-llama-cpp";
import { isTemplateName, TEMPLATES } from "../../chat/templates.js";
import { ModelError, UsageError } from "../../errors.js";
import type { EngineInfo } from "../engine.js";
import type { Attention, LlamaEngineSpec } from "../spec.js";
import {
  DecodeThreads,
  decodeCeiling,
  defaultBatchThreads,
  defaultThreads,
  fallbackThreads,
  usableCores,
} from "../threads.js";
import { LlamaHost, type LlamaEngine } from "./engine.js";
import { installedBinaryOptions, withOpenMpWaits } from "./local-build.js";
import { PlainTextChatWrapper } from "./plain-text.js";
import { Predictors } from "./predictor.js";
import { resolveAutoTemplate } from "./template-cache.js";
import {
  getLlamaCaught,
  installedNodeLlamaCppVersion,
  loaderErrorText,
  nodeLlamaCpp,
  setBinaryTestGate,
} from "./node-llama-cpp.js";
import { rememberingBinaryTests } from "./binary-tests.js";

const { LlamaLogLevel, resolveChatWrapper } = await nodeLlamaCpp();

/** Default context size when none is given: the model's own, capped to keep memory modest. */
export const DEFAULT_CONTEXT_CAP = 8192;

const BACKENDS: Record<string, string> = { cuda: "CUDA", vulkan: "Vulkan", metal: "Metal" };

/** Keeps llama.cpp's recent warnings and errors, to explain a failure in one line. */
class LogTail {
  readonly lines: string[] = [];
  constructor(private readonly echo: boolean) {}
  readonly log = (level: LogLevel, message: string): void => {
    const text = message.trim();
    if (this.echo) process.stderr.write(`[llama.cpp ${level}] ${text}\n`);
    if (!text || (level !== LlamaLogLevel.error && level !== LlamaLogLevel.warn && level !== LlamaLogLevel.fatal))
      return;
    this.lines.push(text);
    if (this.lines.length > 20) this.lines.shift();
  };
  /** The most telling recent line, e.g. "unknown model architecture: 'foo'". */
  reason(): string | undefined {
    const line =
      this.lines.find((l) => /error loading model:/.test(l)) ??
      this.lines.filter((l) => /error|invalid|unknown|corrupt/i.test(l)).at(-1);
    return line?.replace(/^.*error loading model:\s*/, "").replace(/^[\w]+:\s*/, "");
  }

  /** llama.cpp's log lines reach JavaScript after the failure itself: wait for them, briefly. */
  async settle(): Promise<void> {
    for (let waited = 0; waited < 250 && !this.lines.some((l) => /error loading model:/.test(l)); waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/**
 * A failure's reason when llama.cpp's log did not reach parley (a second model loaded in the same
 * process can lose it): node-llama-cpp's own words for a file it cannot load say nothing of why.
 */
function plainReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return /^failed to load model$/i.test(message.trim())
    ? "the file is damaged or incomplete, or is not a model this llama.cpp can load"
    : message;
}

async function getBackend(spec: LlamaEngineSpec, threads: number, logs: LogTail, notes: string[]): Promise<Llama> {
  const gpu = spec.gpu === "off" ? false : spec.gpu;
  const memory = spec.binaryTestMemory;
  await setBinaryTestGate(memory ? rememberingBinaryTests(memory, installedNodeLlamaCppVersion()) : undefined);
  let llama: Llama;
  try {
    llama = await withOpenMpWaits(() =>
      getLlamaCaught(
        {
          gpu,
          maxThreads: threads,
          ...installedBinaryOptions(notes),
          logLevel: spec.debug ? LlamaLogLevel.debug : LlamaLogLevel.warn,
          logger: logs.log,
        },
        notes,
      ),
    );
  } catch (err) {
    const what = gpu === "auto" ? "any backend" : `the ${spec.gpu} backend`;
    const asked = gpu === "auto" || gpu === false ? undefined : (BACKENDS[gpu] ?? gpu);
    const text = loaderErrorText(err, asked);
    const reason = asked === undefined ? text : `${text} (try --gpu auto or --gpu off)`;
    throw new ModelError(`cannot start ${what} of llama.cpp: ${reason}`, { cause: err });
  }
  if (gpu !== false && gpu !== "auto" && llama.gpu !== gpu) {
    await llama.dispose();
    throw new ModelError(`the ${spec.gpu} backend is not available on this machine (try --gpu auto or --gpu off)`);
  }
  return llama;
}

/**
 * A context for one request: its text's tokens with room for the chat template (a quarter more,
 * and 256), and its reply, in whole blocks of 256 tokens; or `job.orSize` when that is enough.
 * A text too long for a default context is not counted here (it is counted once more to be read):
 * Infinity, the default size.
 */
export function jobContextSize(model: Pick<LlamaModel, "tokenize">, job: NonNullable<LlamaEngineSpec["job"]>): number {
  if (job.text.length > 16 * DEFAULT_CONTEXT_CAP) return Number.POSITIVE_INFINITY;
  const text = model.tokenize(job.text, false).length;
  const needed = Math.ceil(text * 1.25) + 256 + job.maxTokens;
  if (job.orSize !== undefined && job.orSize >= needed) return job.orSize;
  return Math.ceil(needed / 256) * 256;
}

/**
 * On a CPU parley chooses the attention kernels itself, so that a saved state says which it was
 * made with (states of the two kinds do not load into each other): the kind a saved state asks
 * for, else standard for a chat of many turns and flash attention for a single request (see
 * `LlamaEngineSpec.turns`). On a GPU llama.cpp chooses.
 */
export function chooseAttention(spec: LlamaEngineSpec, cpu: boolean, flashSupported: boolean): Attention | undefined {
  if (!cpu) return undefined;
  if (spec.attention === "standard" || !flashSupported) return "standard";
  if (spec.attention === "flash") return "flash";
  return spec.turns ? "standard" : "flash";
}

/**
 * One token through the model and gone again, as llama.cpp's own programs do before they start:
 * the first decode pays for reading the weights into memory and setting up its buffers. For the
 * chat screen that happens while the person types, so their first reply starts sooner (turn 1:
 * 305 ms cold, measured on bench-106m with one thread). Never fails the load.
 */
async function warmUp(model: LlamaModel, context: LlamaContext): Promise<void> {
  const token = model.tokens.bos ?? model.tokens.eos;
  if (token === null || context.sequencesLeft === 0) return;
  const sequence = context.getSequence();
  try {
    await sequence.evaluateWithoutGeneratingNewTokens([token]);
  } catch {
    // Only a warm-up: the first request will say what is wrong, if anything is.
  } finally {
    await sequence.dispose();
  }
}

/** Loads the model and its context; `onProgress` gets values from 0 to 1. */
export async function loadLlamaEngine(
  spec: LlamaEngineSpec,
  onProgress?: (progress: number) => void,
): Promise<LlamaEngine> {
  if (!isTemplateName(spec.template)) throw new UsageError(`unknown chat template "${spec.template}"`);
  // As llama.cpp does: --threads alone sets both counts. By default both use the cores the other
  // programs leave free, judged as late as possible (below), over the whole load: a short look is
  // mostly noise.
  const givenBatchThreads = spec.batchThreads ?? spec.threads;
  const maxThreads = Math.max(spec.threads ?? decodeCeiling(), givenBatchThreads ?? usableCores());
  const logs = new LogTail(spec.debug);
  const notes: string[] = [];
  const llama = await getBackend(spec, maxThreads, logs, notes);
  const reasonOf = async (err: unknown): Promise<string> => {
    await logs.settle();
    return logs.reason() ?? plainReason(err);
  };
  const fail = async (what: string, err: unknown): Promise<ModelError> =>
    new ModelError(`${what} ${spec.model}: ${await reasonOf(err)}`, { cause: err });
  let model: LlamaModel;
  try {
    model = await llama.loadModel({
      modelPath: spec.model,
      gpuLayers: spec.gpuLayers,
      ...(onProgress ? { onLoadProgress: onProgress } : {}),
    });
  } catch (err) {
    await llama.dispose();
    throw await fail("cannot load model", err);
  }
  const contextSize =
    spec.contextSize ??
    Math.min(spec.job ? jobContextSize(model, spec.job) : Infinity, model.trainContextSize, DEFAULT_CONTEXT_CAP);
  const attention = chooseAttention(spec, llama.gpu === false, model.flashAttentionSupported);
  // llama.cpp allocates the context on a thread of its own (0.3 s for 4096 tokens of a small model
  // on a small CPU); meanwhile this thread resolves the chat template, which renders the model's
  // Jinja template many times over (another 0.3 s). node-llama-cpp needs this thread for a few
  // steps before its allocation starts: 50 ms was measured to be enough, and is never lost.
  const contextReady = model
    .createContext({
      contextSize,
      threads: { ideal: maxThreads, min: 1 },
      sequences: spec.sequences ?? 1,
      ...(attention ? { flashAttention: attention === "flash" } : {}),
    })
    .then(
      (context) => ({ context }),
      (error: unknown) => ({ error }),
    );
  await Promise.race([contextReady, new Promise((resolve) => setTimeout(resolve, 50))]);
  const type = TEMPLATES[spec.template];
  let wrapper: LlamaHost["chatWrapper"] | undefined;
  let wrapperError: unknown;
  try {
    if (type === "none") wrapper = new PlainTextChatWrapper();
    else if (type !== "jinjaTemplate" || typeof model.fileInfo.metadata.tokenizer?.chat_template === "string") {
      wrapper =
        type === "auto"
          ? resolveAutoTemplate(model, spec.model, spec.templateMemory)
          : resolveChatWrapper(model, { type, warningLogs: false });
      wrapper.generateContextState({
        chatHistory: [
          { type: "user", text: "" },
          { type: "model", response: [] },
        ],
      });
    } else wrapperError = new UsageError(`--template jinja: the model has no chat template of its own`);
  } catch (err) {
    wrapperError = new ModelError(`cannot use the chat template of ${spec.model}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const ready = await contextReady;
  if ("error" in ready || !wrapper) {
    if ("context" in ready) await ready.context.dispose();
    await model.dispose();
    await llama.dispose();
    if ("error" in ready) throw await fail("cannot create a context for", ready.error);
    throw wrapperError;
  }
  const context = ready.context;
  let predictors: Predictors | undefined;
  try {
    predictors = await Predictors.load(spec, llama, context, reasonOf);
  } catch (err) {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
    throw err;
  }
  const threads = spec.threads ?? defaultThreads();
  const batchThreads = givenBatchThreads ?? defaultBatchThreads(threads);
  const high = decodeCeiling();
  const decodeThreads =
    spec.threads === undefined
      ? new DecodeThreads(
          high,
          fallbackThreads(high),
          threads,
          undefined,
          spec.debug ? (line) => process.stderr.write(`[parley] ${line}\n`) : undefined,
        )
      : undefined;
  if (spec.turns) await warmUp(model, context);
  const ownTemplate = typeof model.fileInfo.metadata.tokenizer?.chat_template === "string";
  const info: EngineInfo = {
    name: basename(spec.model),
    template: wrapper.wrapperName,
    backend: llama.gpu === false ? "CPU" : (BACKENDS[llama.gpu] ?? llama.gpu),
    contextSize: context.contextSize,
    trainContextSize: model.trainContextSize,
    threads,
    batchThreads,
    ...(attention ? { attention } : {}),
    ...(type === "auto" && !ownTemplate ? { genericTemplate: true } : {}),
    ...(notes.length > 0 ? { loadNotes: notes } : {}),
    ...(predictors ? { predictor: predictors.description } : {}),
  };
  const engine = new LlamaHost(
    info,
    llama,
    model,
    context,
    wrapper,
    { batch: batchThreads, decode: threads },
    decodeThreads,
    predictors,
  ).open();
  if (!engine) throw new ModelError(`cannot create a context for ${spec.model}: no sequence is free`);
  return engine;
}
