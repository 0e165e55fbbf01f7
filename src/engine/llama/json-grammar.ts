/**
 * Grammars for JSON schemas. node-llama-cpp's grammar for `"type": "integer"` accepts an exponent
 * (`-3e-3`, `5e911`), which is a fraction or not a finite number at all; here an integer is what
 * JSON Schema means by one: an optional minus and digits, nothing else.
 */
import type { Llama, LlamaGrammar } from "node-llama-cpp";

const INTEGER_RULE = /^integer-number-rule ::= .*$/m;

/** The GBNF grammar with its integer rule made whole numbers only (unchanged when it has none). */
export function wholeNumberIntegers(gbnf: string): string {
  return gbnf.replace(INTEGER_RULE, 'integer-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15})');
}

/** node-llama-cpp's grammar for `schema`, with integers that are integers. */
export async function jsonSchemaGrammar(llama: Llama, schema: object): Promise<LlamaGrammar> {
  const generated = await llama.createGrammarForJsonSchema(schema as never);
  const text = wholeNumberIntegers(generated.grammar);
  if (text === generated.grammar) return generated;
  return llama.createGrammar({
    grammar: text,
    stopGenerationTriggers: generated.stopGenerationTriggers,
    trimWhitespaceSuffix: generated.trimWhitespaceSuffix,
    rootRuleName: generated.rootRuleName,
  });
}
