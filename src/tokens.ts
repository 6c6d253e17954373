import { countTokens as countO200k } from "gpt-tokenizer";

/**
 * Tokens in a text by the o200k encoding of current OpenAI models. For other servers' models it
 * is an estimate, which is all budgets and dry-run cost need.
 */
export function countTokens(text: string): number {
  return countO200k(text);
}
