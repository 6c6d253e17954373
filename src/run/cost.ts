// Estimated cost of token usage from a price table kept as data (src/prices.json), which a user
// can extend or override with --prices FILE or NEWSDESK_PRICES.
import { readFileSync } from "node:fs";
import { ConfigError } from "../core/errors.ts";

/** USD per one million tokens. */
export interface TokenPrices { input: number; cachedInput: number; output: number }
/** `batch`: the Batch API's prices, or a factor of these (default: DEFAULT_BATCH_FACTOR). */
export interface Price extends TokenPrices { batch?: TokenPrices | number }

/** The Batch API's price as a share of the synchronous one (OpenAI: half), where the table gives no `batch` entry. */
export const DEFAULT_BATCH_FACTOR = 0.5;

/** Synchronous calls, or calls through the provider's Batch API. */
export type PriceTier = "standard" | "batch";
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
    table[model] = { input: p.input, output: p.output, cachedInput: p.cachedInput ?? p.input, ...batchPrices(p.batch, file, model) };
  }
  return table;
}

/** A model's `batch` entry: a factor of its prices (0.5) or prices of its own ({ input, cachedInput?, output }). */
function batchPrices(value: unknown, file: string, model: string): Pick<Price, "batch"> {
  if (value === undefined) return {};
  if (typeof value === "number" && value >= 0) return { batch: value };
  const b = value as Partial<Price> | null;
  if (!b || typeof b.input !== "number" || typeof b.output !== "number" || (b.cachedInput !== undefined && typeof b.cachedInput !== "number")) {
    throw new ConfigError(`${file}: "${model}".batch needs a factor (e.g. 0.5) or numbers "input", "output" and optionally "cachedInput" (USD per million tokens)`);
  }
  return { batch: { input: b.input, output: b.output, cachedInput: b.cachedInput ?? b.input } };
}

/** The prices of a tier: the Batch API's from the model's `batch` entry, else DEFAULT_BATCH_FACTOR of the synchronous ones. */
export function tierPrice(price: Price, tier: PriceTier): TokenPrices {
  if (tier === "standard") return price;
  if (typeof price.batch === "object") return price.batch;
  const factor = price.batch ?? DEFAULT_BATCH_FACTOR;
  return { input: price.input * factor, cachedInput: price.cachedInput * factor, output: price.output * factor };
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

export function estimateCost(tokens: TokenCounts, model: string, table: PriceTable, tier: PriceTier = "standard"): CostEstimate {
  const found = priceFor(table, model);
  if (!found) return { model, known: false, usd: null };
  const price = tierPrice(found, tier);
  const cached = Math.min(tokens.cachedTokens, tokens.promptTokens);
  const usd = ((tokens.promptTokens - cached) * price.input + cached * price.cachedInput + tokens.completionTokens * price.output) / 1e6;
  return { model, known: true, usd };
}

/** Two estimates of one model as one (synchronous calls plus batch calls). */
export function addCosts(a: CostEstimate, b: CostEstimate): CostEstimate {
  if (!a.known || !b.known) return { model: a.model, known: false, usd: null };
  return { model: a.model, known: true, usd: a.usd + b.usd };
}

export function formatCost(cost: CostEstimate): string {
  if (!cost.known) return `estimated cost unknown (no price for ${cost.model})`;
  const digits = cost.usd === 0 ? 2 : cost.usd < 0.01 ? 4 : 2;
  return `estimated cost $${cost.usd.toFixed(digits)} (${cost.model})`;
}
