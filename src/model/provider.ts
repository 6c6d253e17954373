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
  /** A repair: the call asks again after an answer that could not be used. */
  repair?: boolean;
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

// --- The Batch API (optional): a provider that can run many calls as one job at a lower price. ---

/** A batch job's state, as OpenAI's Batch API names it. */
export type BatchStatus = "validating" | "failed" | "in_progress" | "finalizing" | "completed" | "expired" | "cancelling" | "cancelled";

/** States after which a batch changes no more: its output (what finished) can be collected. */
export const FINAL_BATCH_STATES: readonly BatchStatus[] = ["completed", "failed", "expired", "cancelled"];

/** A batch job at the provider, provider-neutral. */
export interface RemoteBatch {
  id: string;
  status: BatchStatus;
  inputFileId: string;
  outputFileId: string | null;
  errorFileId: string | null;
  counts: { total: number; completed: number; failed: number };
  /** Unix seconds. */
  createdAt: number;
  expiresAt: number | null;
  /** Why the whole batch failed (validation), one line each. */
  errors: string[];
}

/** One line of a batch's output or error file, read: the answer, or why there is none. */
export type BatchLine =
  | { customId: string; answer: ChatAnswer }
  /** `unfinished`: the batch ended (expired, cancelled) before this request ran. */
  | { customId: string; error: string; unfinished: boolean }
  /** A line that could not be read at all. */
  | { customId: null; error: string; unfinished: false };

/** What a provider with a Batch API offers besides single calls (OpenAI's /v1/files and /v1/batches). */
export interface BatchCapable {
  /** The endpoint batch lines go to, e.g. "/v1/chat/completions". */
  readonly batchEndpoint: string;
  /** The body a synchronous call for `request` sends (response_format included): a batch line's `body`. */
  batchBody(request: ChatRequest): unknown;
  /** Uploads a JSONL file with purpose "batch". */
  uploadFile(path: string): Promise<{ id: string; bytes: number }>;
  /** Creates a batch over an uploaded file, with the 24 h completion window. */
  createBatch(inputFileId: string, metadata?: Record<string, string>): Promise<RemoteBatch>;
  retrieveBatch(id: string): Promise<RemoteBatch>;
  cancelBatch(id: string): Promise<RemoteBatch>;
  /** The newest batches (one page); throws a "config" ProviderError when the server has no Batch API. */
  listBatches(limit?: number): Promise<RemoteBatch[]>;
  /** A file's content, line by line, streamed. */
  fileLines(fileId: string): AsyncIterable<string>;
  /** Reads one line of an output or error file. */
  readBatchLine(line: string): BatchLine;
}

export function isBatchCapable(chat: ChatModel): chat is ChatModel & BatchCapable {
  return typeof (chat as Partial<BatchCapable>).createBatch === "function";
}
