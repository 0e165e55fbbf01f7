/** What a slash command is (data) and what it may act on. */
import type { Conversation, EngineInfo } from "../../core/index.js";
import type { ScreenAction } from "../screen-state.js";

/** Clears the screen and the scrollback and homes the cursor: a new transcript starts. */
export const CLEAR_SCREEN = "\u001b[2J\u001b[3J\u001b[H";

export interface CommandContext {
  /** The conversation the chat drives. */
  session: Conversation;
  info: EngineInfo;
  markdown: boolean;
  /** A line (or lines) of command output in the transcript. */
  print(text: string): void;
  dispatch(action: ScreenAction): void;
  /** Starts a reply through the chat controller, so it streams like any other. */
  startReply(kind: "retry" | "continue"): void;
  exit(): void;
  /** Clears the terminal and shows the conversation as it now is (after /undo). */
  showConversation?: () => void;
  /** Clears the terminal and prints the whole transcript again. */
  redraw?: () => void;
  /** Opens the input's text in $VISUAL/$EDITOR (/edit). */
  editInput?: () => void;
  /** Attaches a file to the next message (/file). */
  attach?: (path: string) => void;
  /** Writes an escape sequence to the terminal itself (OSC 52 for /copy). */
  writeTerminal: (sequence: string) => void;
  /** The figures of the last reply, for /stats. */
  lastStats(): string | undefined;
  cwd: string;
}

export interface SlashCommand {
  name: string;
  /** Other names that run it (`/quit` for `/exit`). */
  aliases?: readonly string[];
  /** Usage of the arguments, e.g. "<param> <value>". */
  args?: string;
  help: string;
  /** Candidates for the argument being typed. */
  complete?: (arg: string) => string[];
  run(args: string, ctx: CommandContext): void | Promise<void>;
}
