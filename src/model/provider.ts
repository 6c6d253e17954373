// The seam between newsdesk and a model provider: messages and an answer shape in, text and
// usage out, every fault a ProviderError of a known kind. A provider is one file in model/
// (openai.ts, http.ts); nothing above this floor knows which one is talking.
import type { z } from "zod";
import type { Message } from "../core/prompts.ts";

export interface ChatRequest {
  model: string;
  messages: Message[];
  /** The answer's shape: a provider that can enforce it does; others get it in the prompt. */
  schema: z.ZodType;
  schemaName: string;
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
  /** What the call is for ("translate de", "digest de,en"): sent as the X-Newsdesk-Task header, for logs and test servers. */
  label?: string;
}

export interface ChatAnswer {
  /** The message text (JSON when the provider enforced the schema). */
  text: string;
  /** The model's refusal, if it declined. */
  refusal: string | null;
  /** Why the answer ended: "length" means cut off at the token limit. */
  finish: "stop" | "length" | "content_filter" | "other";
  /** Whether the provider enforced the schema; if not, the JSON may sit inside prose or a fence. */
  enforced: boolean;
  usage: { promptTokens: number; completionTokens: number; cachedTokens: number };
}

/** What a provider may say about its limits after an answer, for pacing before a 429 comes. */
export interface RateHint {
  /** The size of the request budget (OpenAI: x-ratelimit-limit-requests); with `reset*`, how fast it refills. */
  limitRequests?: number;
  remainingRequests?: number;
  resetRequestsMs?: number;
  limitTokens?: number;
  remainingTokens?: number;
  /** Until the budget is full again (OpenAI's x-ratelimit-reset-*). */
  resetTokensMs?: number;
}

export interface ChatModel {
  /** Where the calls go, for messages (never with credentials). */
  readonly server: string;
  /** One call; throws ProviderError (kind: rate, quota, transient, config, permanent, abort). */
  complete(request: ChatRequest): Promise<ChatAnswer>;
  /** One cheap call (a few tokens) that proves the server, key and model work together. */
  probe(model: string): Promise<void>;
}

/**
 * Runs one model call under a batch's limiter (concurrency, pacing, transport retries).
 * `followUp`: the call continues a conversation (a repair), so it goes before calls that start one.
 */
export type Limiter = <T>(fn: () => Promise<T>, options?: { followUp?: boolean }) => Promise<T>;

export const DEFAULT_TIMEOUT_MS = 120_000;

/** How a provider is reached; `kind` picks the file in model/ that talks to it. */
export interface ProviderOptions {
  /** "openai" (default: OpenAI and compatible servers through the openai SDK) or "azure" (Azure OpenAI, api-key header). */
  kind?: "openai" | "azure";
  apiKey?: string;
  baseURL?: string;
  /** Azure: the API version sent as ?api-version=. */
  apiVersion?: string;
  timeoutMs?: number;
  /** Retries of the SDK itself; the scheduler retries instead (0) in batches. */
  maxRetries?: number;
  /** Told after every answer what the provider says of its limits. */
  onRateHint?: (hint: RateHint) => void;
}
