// Estimated cost of token usage from a price table kept as data (src/prices.json), which a user
// can extend or override with --prices FILE or NEWSDESK_PRICES.
import { readFileSync } from "node:fs";
import { ConfigError } from "../core/errors.ts";

/** USD per one million tokens. */
export interface Price { input: number; cachedInput: number; output: number }
export type PriceTable = Record<string, Price>;

export interface TokenCounts { promptTokens: number; cachedTokens: number; completionTokens: number }

export type CostEstimate =
  | { model: string; known: true; usd: number }
  | { model: string; known: false; usd: null };

const DEFAULT_PRICES_URL = new URL("./prices.json", import.meta.url);

function parseTable(text: string, file: string): PriceTable {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!data || typeof data !== "object" || Array.isArray(data)) throw new ConfigError(`${file}: expected an object of model -> prices`);
  const table: PriceTable = {};
  for (const [model, value] of Object.entries(data as Record<string, unknown>)) {
    if (model.startsWith("$")) continue; // comments
    const p = value as Partial<Price> | null;
    if (!p || typeof p.input !== "number" || typeof p.output !== "number" || (p.cachedInput !== undefined && typeof p.cachedInput !== "number")) {
      throw new ConfigError(`${file}: "${model}" needs numbers "input", "output" and optionally "cachedInput" (USD per million tokens)`);
    }
    table[model] = { input: p.input, output: p.output, cachedInput: p.cachedInput ?? p.input };
  }
  return table;
}

/** The shipped table, with the user's file (--prices, else $NEWSDESK_PRICES) laid over it. */
export function loadPrices(file?: string, env: NodeJS.ProcessEnv = process.env): PriceTable {
  const table = parseTable(readFileSync(DEFAULT_PRICES_URL, "utf8"), "src/prices.json");
  const override = file || env.NEWSDESK_PRICES?.trim();
  if (override) {
    let text: string;
    try {
      text = readFileSync(override, "utf8");
    } catch (error) {
      throw new ConfigError(`cannot read prices file ${override}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    Object.assign(table, parseTable(text, override));
  }
  return table;
}

/** Exact name first, then without a date suffix (gpt-4o-mini-2024-07-18 -> gpt-4o-mini). */
export function priceFor(table: PriceTable, model: string): Price | null {
  return table[model] ?? table[model.replace(/-\d{4}-\d{2}-\d{2}$/, "")] ?? null;
}

export function estimateCost(tokens: TokenCounts, model: string, table: PriceTable): CostEstimate {
  const price = priceFor(table, model);
  if (!price) return { model, known: false, usd: null };
  const cached = Math.min(tokens.cachedTokens, tokens.promptTokens);
  const usd = ((tokens.promptTokens - cached) * price.input + cached * price.cachedInput + tokens.completionTokens * price.output) / 1e6;
  return { model, known: true, usd };
}

export function formatCost(cost: CostEstimate): string {
  if (!cost.known) return `estimated cost unknown (no price for ${cost.model})`;
  const digits = cost.usd === 0 ? 2 : cost.usd < 0.01 ? 4 : 2;
  return `estimated cost $${cost.usd.toFixed(digits)} (${cost.model})`;
}
