/** The Chat Completion format, as parley reads and writes it. */

export const ROLES = ["system", "user", "assistant", "tool"] as const;
export type Role = (typeof ROLES)[number];

/** A call of a tool the model asked for, as the Chat Completion format writes it. */
export interface ToolCall {
  id: string;
  type: "function";
  function: {
    name: string;
    /** The arguments as a JSON text (an object that fits the tool's `parameters`). */
    arguments: string;
  };
}

/** A tool the model may call: a function with a JSON Schema for its arguments. */
export interface ToolDefinition {
  type: "function";
  function: {
    name: string;
    description?: string;
    /** A JSON Schema of an object; none: the function takes no arguments. */
    parameters?: Record<string, unknown>;
  };
}

/** Whether the model may call a tool (auto), must not (none), must call one (required) or this one. */
export type ToolChoice = "auto" | "none" | "required" | { type: "function"; function: { name: string } };

/** The tools a reply may call, and how (`tools`, `tool_choice`, `parallel_tool_calls`). */
export interface ToolSet {
  tools: ToolDefinition[];
  /** Default "auto". */
  choice?: ToolChoice;
  /** Whether one reply may call more than one tool; default true. */
  parallel?: boolean;
}

export interface Message {
  role: Role;
  /** The text; "" for an assistant message that only calls tools. */
  content: string;
  /** The tools an assistant message calls. */
  tool_calls?: ToolCall[];
  /** The call a `tool` message answers. */
  tool_call_id?: string;
  /** Reasoning ("thinking") text of an assistant message, kept apart from its content. */
  reasoning?: string;
  /** How a reply ended when it did not simply stop. Shown, never sent. */
  end?: Ending;
}

export type FinishReason = "stop" | "length" | "tool_calls";

/**
 * A reply cut at its token limit ("length"), cut because the context was full ("context"; both
 * are finish_reason "length" in the Chat Completion format), or interrupted.
 */
export type Ending = "length" | "context" | "interrupted";

/** How each ending is said, wherever a reply's end is shown. */
export const ENDING_WORDS: Readonly<Record<Ending, string>> = {
  length: "stopped at the token limit",
  context: "stopped: the context is full",
  interrupted: "interrupted",
};

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Prompt tokens the engine already held from an earlier request and did not read again. */
  prompt_tokens_details?: { cached_tokens: number };
}

/** Timings in the shape llama-server reports them. */
export interface Timings {
  prompt_n: number;
  prompt_ms: number;
  prompt_per_token_ms: number;
  prompt_per_second: number;
  predicted_n: number;
  predicted_ms: number;
  predicted_per_token_ms: number;
  predicted_per_second: number;
  /** With a token predictor (a draft model, prompt lookup): the tokens it proposed that the model checked. */
  draft_n?: number;
  /** Of those, the tokens the model wrote too. */
  draft_n_accepted?: number;
}

export interface CompletionMessage {
  role: "assistant";
  /** null when the reply only calls tools. */
  content: string | null;
  reasoning_content?: string;
  tool_calls?: ToolCall[];
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      message: CompletionMessage;
      logprobs: null;
      finish_reason: FinishReason;
    },
  ];
  usage: Usage;
  timings: Timings;
  interrupted?: true;
}

/** A piece of a tool call in a stream: the first piece of a call has its id, type and name. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function: { name?: string; arguments?: string };
}

export interface ChunkDelta {
  role?: "assistant";
  content?: string | null;
  reasoning_content?: string;
  tool_calls?: ToolCallDelta[];
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: {
    index: 0;
    delta: ChunkDelta;
    logprobs: null;
    finish_reason: FinishReason | null;
  }[];
  usage: Usage | null;
  timings?: Timings;
  interrupted?: true;
}

/** What the model's output must look like, from `--schema` or `response_format`. */
export type ResponseFormat =
  { type: "text" } | { type: "json_object" } | { type: "json_schema"; schema: Record<string, unknown> };
