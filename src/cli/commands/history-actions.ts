/** What the `parley history` subcommands do. */
import { resolve } from "node:path";
import { ENDING_WORDS } from "../../chat/types.js";
import { UsageError } from "../../errors.js";
import { sanitizeForTerminal } from "../../output/sanitize.js";
import { writeExportFile } from "../../store/export-file.js";
import { expandHome } from "../../store/paths.js";
import { toChatMessages, toMarkdown } from "../../store/conversation-export.js";
import type { MessageRecord } from "../../store/conversation-records.js";
import {
  clearConversations,
  listConversations,
  readConversation,
  removeConversation,
  renameConversation,
  searchConversations,
  type Conversation,
  type ConversationSummary,
} from "../../store/conversations.js";
import { stringifyJson } from "../../output/json-text.js";

const tty = process.stdout.isTTY === true;

function out(text: string): void {
  process.stdout.write(`${tty ? sanitizeForTerminal(text) : text}\n`);
}

/** A warning on stderr; it names files and quotes stored text, so control characters are made visible. */
function warn(text: string): void {
  process.stderr.write(`parley: warning: ${sanitizeForTerminal(text)}\n`);
}

function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || d.getTime() === 0) return "-";
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function parseLimit(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(
      `invalid value for -n, --limit: ${JSON.stringify(raw)} (expected a whole number of at least 1)`,
    );
  }
  return n;
}

function row(c: ConversationSummary): string {
  const damaged = c.damaged ? `  (damaged: ${c.damaged})` : c.torn ? "  (last line torn)" : "";
  return `${c.id.padEnd(12)}  ${when(c.lastActivity).padEnd(16)}  ${String(c.messages).padStart(4)}  ${c.model.slice(0, 24).padEnd(24)}  ${c.title}${damaged}`;
}

export function listHistory(opts: { json?: boolean; limit?: string }): void {
  const limit = parseLimit(opts.limit);
  const all = listConversations();
  const rows = limit === undefined ? all : all.slice(0, limit);
  if (opts.json) return out(stringifyJson(rows, 2));
  if (rows.length === 0) {
    process.stderr.write("no saved conversations\n");
    return;
  }
  out(`${"ID".padEnd(12)}  ${"LAST ACTIVITY".padEnd(16)}  MSGS  ${"MODEL".padEnd(24)}  TITLE`);
  for (const c of rows) out(row(c));
}

function reportDamage(c: Conversation): void {
  if (c.damaged) warn(`conversation ${c.id} is damaged: ${c.damaged} (${c.path})`);
  if (c.badLines.length > 0) {
    warn(`skipped ${c.badLines.length} unreadable line(s) of ${c.path}: ${c.badLines.join(", ")}`);
  }
  if (c.torn) warn(`the last line of ${c.path} was cut short (a run stopped while writing it) and was skipped`);
}

function messageHeading(m: MessageRecord): string {
  const parts = [m.role, when(m.time)];
  if (m.tool_call_id !== undefined) parts.push(`result of ${m.tool_call_id}`);
  if (m.tokens?.completion !== undefined) parts.push(`${m.tokens.completion} tokens`);
  if (m.finish_reason === "length") parts.push(ENDING_WORDS[m.context_full === true ? "context" : "length"]);
  if (m.interrupted) parts.push(ENDING_WORDS.interrupted);
  return `── ${parts.join(" · ")}`;
}

export function showHistory(id: string, opts: { json?: boolean }): void {
  const c = readConversation(id);
  reportDamage(c);
  if (opts.json) {
    const { path, header, messages, torn, badLines, damaged } = c;
    const body = { id: c.id, title: c.title, model: c.model, created: c.created, lastActivity: c.lastActivity };
    return out(stringifyJson({ ...body, path, header, messages, torn, badLines, damaged }, 2));
  }
  out(c.title);
  out(`id ${c.id} · ${c.model} · ${c.messages.length} messages · ${when(c.created)}`);
  if (c.header?.system) out(`system: ${c.header.system}`);
  for (const m of c.messages) {
    out("");
    out(messageHeading(m));
    if (m.reasoning) out(`(reasoning) ${m.reasoning}`);
    if (m.content !== "" || !m.tool_calls?.length) out(m.content);
    for (const call of m.tool_calls ?? []) out(`(calls ${call.function.name} ${call.function.arguments} · ${call.id})`);
  }
}

export function searchHistory(text: string, opts: { json?: boolean }): void {
  const hits = searchConversations(text);
  if (opts.json) return out(stringifyJson(hits, 2));
  if (hits.length === 0) {
    process.stderr.write(`no conversation contains ${sanitizeForTerminal(JSON.stringify(text))}\n`);
    return;
  }
  for (const h of hits) out(`${h.conversation.id}  ${h.conversation.title}\n    ${h.snippet}`);
}

export function renameHistory(id: string, title: string): void {
  renameConversation(id, title);
}

export function exportHistory(id: string, opts: { format: "json" | "md"; output?: string; force?: boolean }): void {
  const c = readConversation(id);
  reportDamage(c);
  const text = opts.format === "md" ? toMarkdown(c) : `${stringifyJson(toChatMessages(c), 2)}\n`;
  if (opts.output === undefined) {
    process.stdout.write(tty ? sanitizeForTerminal(text) : text);
    return;
  }
  const path = resolve(expandHome(opts.output));
  writeExportFile(path, text, opts.force === true, "add --force to replace it");
}

export function removeHistory(id: string): void {
  removeConversation(id);
}

export async function clearHistory(opts: { yes?: boolean }): Promise<void> {
  const count = listConversations().length;
  if (count === 0) {
    process.stderr.write("no saved conversations\n");
    return;
  }
  if (!opts.yes) {
    if (process.stdin.isTTY !== true) {
      throw new UsageError("history clear deletes every conversation: confirm with --yes (stdin is not a terminal)");
    }
    const { askYesNo } = await import("../../models/ask.js");
    if (!(await askYesNo(`Delete all ${count} saved conversations? [y/N] `, false))) {
      process.stderr.write("nothing deleted\n");
      return;
    }
  }
  const removed = clearConversations();
  process.stderr.write(`deleted ${removed} conversation${removed === 1 ? "" : "s"}\n`);
}
