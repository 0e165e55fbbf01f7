/** Chat template names parley accepts for `--template`, and the node-llama-cpp wrapper each means. */
export const TEMPLATES = {
  auto: "auto",
  jinja: "jinjaTemplate",
  chatml: "chatML",
  llama3: "llama3",
  "llama3.1": "llama3.1",
  llama2: "llama2Chat",
  gemma: "gemma",
  mistral: "mistral",
  qwen: "qwen",
  deepseek: "deepSeek",
  alpaca: "alpacaChat",
  general: "general",
  none: "none",
} as const;

export type TemplateName = keyof typeof TEMPLATES;

export function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(TEMPLATES, name);
}
