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

/**
 * Whether a text certainly fits in `budget` tokens without counting: a token of o200k covers at
 * least one character for the Latin-script text newsdesk handles, so text no longer than the
 * budget fits.
 */
export function fitsWithoutCounting(texts: string[], budget: number): boolean {
  let chars = 0;
  for (const text of texts) chars += text.length;
  return chars <= budget;
}
