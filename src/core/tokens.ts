import { createRequire } from "node:module";

type Counter = (text: string) => number;
let counter: Counter | undefined;

/**
 * Tokens in a text by the o200k encoding of current OpenAI models. For other servers' models it
 * is an estimate, which is all budgets and dry-run cost need. The tokenizer's tables take ~70 MB,
 * so they are loaded on first use, not at start-up.
 */
export function countTokens(text: string): number {
  counter ??= (createRequire(import.meta.url)("gpt-tokenizer") as { countTokens: Counter }).countTokens;
  return counter(text);
}

export function paragraphTokens(paragraphs: string[]): number {
  return paragraphs.reduce((sum, p) => sum + countTokens(p), 0);
}

/**
 * Whether paragraphs fit in `budget` tokens. Counting is skipped when they certainly fit: a token
 * of o200k covers at least one character of the Latin-script text newsdesk handles, so text no
 * longer than the budget fits (and most articles never load the tokenizer).
 */
export function fitsInTokens(paragraphs: string[], budget: number): boolean {
  let chars = 0;
  for (const text of paragraphs) chars += text.length;
  return chars <= budget || paragraphTokens(paragraphs) <= budget;
}
