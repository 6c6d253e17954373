// The only file that talks to the openai SDK: OpenAI and every OpenAI-compatible server (Ollama,
// vLLM, llama.cpp). Structured output with a fallback for servers that lack json_schema
// (json_schema -> json_object -> text), the SDK's errors turned into kinds, rate-limit headers
// turned into hints, and the Batch API (/v1/files, /v1/batches) for --via batch.
import { createRequire } from "node:module";
import type OpenAI from "openai";
import type { z } from "zod";
import type { Message } from "../core/prompts.ts";
import { ProviderError } from "../core/errors.ts";
import { registerSecret } from "../core/secrets.ts";
import { wireSchemaOf } from "./json-schema.ts";
import { parseDuration, retryAfterMs } from "./headers.ts";
import { faultForStatus } from "./faults.ts";
import {
  DEFAULT_TIMEOUT_MS,
  type BatchCapable,
  type BatchLine,
  type ChatAnswer,
  type ChatModel,
  type ChatRequest,
  type ProviderOptions,
  type RateHint,
  type RemoteBatch,
} from "./provider.ts";

// The SDK (~45 ms to load) is loaded when the first call needs it, so `--help` and a fully
// cached run never load it. One copy (require) serves the client and its error classes.
let sdkModule: typeof import("openai") | undefined;
const sdk = () => (sdkModule ??= createRequire(import.meta.url)("openai") as typeof import("openai"));

/** How the answer's shape is asked for; a server that rejects one mode gets the next. */
export type OutputMode = "json_schema" | "json_object" | "text";

export class OpenAIChatModel implements ChatModel, BatchCapable {
  readonly server: string;
  /** Steps down once per server when it rejects a mode (shared by every call in flight). */
  mode: OutputMode = "json_schema";
  /** Whether any call has been answered yet: a server that refuses connections from the start is misconfigured. */
  answered = false;
  readonly timeoutMs: number;
  private client: OpenAI | undefined;

  constructor(private readonly options: ProviderOptions & { mode?: OutputMode } = {}) {
    // The key as sent is trimmed; both forms are scrubbed wherever text may be shown or stored.
    registerSecret(options.apiKey);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.server = options.baseURL?.trim() || "https://api.openai.com/v1";
    if (options.mode) this.mode = options.mode;
  }

  private get openai(): OpenAI {
    return (this.client ??= new (sdk().OpenAI)({
      // Local servers take any key, but the client refuses to start without one.
      apiKey: this.options.apiKey?.trim() || "not-needed",
      baseURL: this.options.baseURL?.trim() || undefined,
      maxRetries: this.options.maxRetries ?? 4,
      timeout: this.timeoutMs,
      ...(this.options.onRateHint ? { fetch: observingFetch(this.options.onRateHint) } : {}),
    }));
  }

  async complete(request: ChatRequest): Promise<ChatAnswer> {
    for (;;) {
      const mode = this.mode;
      try {
        return await this.completeIn(mode, request);
      } catch (error) {
        // A server that does not know json_schema (or json_object) answers 400: step down one mode.
        // Calls in flight at once may all see the 400: only the first steps the shared mode down.
        const cause = error instanceof ProviderError ? error.cause : error;
        if (cause instanceof sdk().BadRequestError && mode !== "text" && /response_format|json_schema|json_object/i.test(cause.message)) {
          if (this.mode === mode) this.mode = mode === "json_schema" ? "json_object" : "text";
          continue;
        }
        throw error;
      }
    }
  }

  async probe(model: string): Promise<void> {
    await this.call({ model, messages: [{ role: "user", content: "Reply with OK." }], max_tokens: 5 }, undefined, model);
  }

  /** The chat request's body in a mode: what a synchronous call sends, and a batch line's `body`. */
  private chatBody(mode: OutputMode, request: ChatRequest): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming {
    return {
      model: request.model,
      messages: withModeInstructions(mode, request),
      ...(mode === "json_schema"
        ? { response_format: { type: "json_schema" as const, json_schema: { name: request.schemaName, strict: true, schema: wireSchemaOf(request.schema) as Record<string, unknown> } } }
        : mode === "json_object"
          ? { response_format: { type: "json_object" as const } }
          : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
    };
  }

  private async completeIn(mode: OutputMode, request: ChatRequest): Promise<ChatAnswer> {
    const completion = await this.call(this.chatBody(mode, request), request.signal, request.model, request.label);
    return this.answerOf(completion, mode === "json_schema");
  }

  /** A chat completion as a provider-neutral answer. */
  private answerOf(completion: OpenAI.Chat.ChatCompletion, enforced: boolean): ChatAnswer {
    const choice = completion.choices[0];
    if (!choice) throw new ProviderError(`the server at ${this.server} sent no answer (no choices)`, "transient");
    const message = choice.message as OpenAI.Chat.ChatCompletionMessage;
    const finish = choice.finish_reason;
    return {
      text: message.content ?? "",
      refusal: message.refusal ?? null,
      finish: finish === "stop" || finish === "length" || finish === "content_filter" ? finish : "other",
      enforced,
      usage: {
        promptTokens: completion.usage?.prompt_tokens ?? 0,
        completionTokens: completion.usage?.completion_tokens ?? 0,
        cachedTokens: completion.usage?.prompt_tokens_details?.cached_tokens ?? 0,
      },
    };
  }

  // --- The Batch API: /v1/files and /v1/batches through the SDK. ---

  readonly batchEndpoint = "/v1/chat/completions";

  /** Batch lines always ask for json_schema: the Batch API is OpenAI's, which has it. */
  batchBody(request: ChatRequest): unknown {
    return this.chatBody("json_schema", request);
  }

  async uploadFile(file: string): Promise<{ id: string; bytes: number }> {
    const { createReadStream } = await import("node:fs");
    const uploaded = await this.batchCall("upload the batch file", () => this.openai.files.create({ file: createReadStream(file), purpose: "batch" }));
    return { id: uploaded.id, bytes: uploaded.bytes };
  }

  async createBatch(inputFileId: string, metadata?: Record<string, string>): Promise<RemoteBatch> {
    const batch = await this.batchCall("create the batch", () =>
      this.openai.batches.create({ input_file_id: inputFileId, endpoint: "/v1/chat/completions", completion_window: "24h", ...(metadata ? { metadata } : {}) }),
    );
    return remoteBatch(batch);
  }

  async retrieveBatch(id: string): Promise<RemoteBatch> {
    return remoteBatch(await this.batchCall(`look up batch ${id}`, () => this.openai.batches.retrieve(id), id));
  }

  async cancelBatch(id: string): Promise<RemoteBatch> {
    return remoteBatch(await this.batchCall(`cancel batch ${id}`, () => this.openai.batches.cancel(id), id));
  }

  async listBatches(limit = 20): Promise<RemoteBatch[]> {
    const page = await this.batchCall("list batches", () => this.openai.batches.list({ limit }));
    return page.data.map(remoteBatch);
  }

  async *fileLines(fileId: string): AsyncIterable<string> {
    const response = await this.batchCall(`download file ${fileId}`, () => this.openai.files.content(fileId), fileId);
    if (!response.body) return;
    const { Readable } = await import("node:stream");
    const { createInterface } = await import("node:readline");
    const lines = createInterface({ input: Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), crlfDelay: Infinity });
    for await (const line of lines) if (line.trim()) yield line;
  }

  readBatchLine(line: string): BatchLine {
    let data: { custom_id?: unknown; response?: { status_code?: number; body?: unknown } | null; error?: { code?: string; message?: string } | null };
    try {
      data = JSON.parse(line) as typeof data;
    } catch {
      return { customId: null, error: `an unreadable line in the batch output: ${line.slice(0, 80)}`, unfinished: false };
    }
    if (!data || typeof data.custom_id !== "string") return { customId: null, error: "a batch output line without custom_id", unfinished: false };
    const customId = data.custom_id;
    if (data.error) {
      const code = data.error.code ?? "error";
      return { customId, error: `${code}: ${data.error.message ?? ""}`.trim(), unfinished: code === "batch_expired" || code === "batch_cancelled" };
    }
    const status = data.response?.status_code ?? 0;
    const body = data.response?.body;
    if (status !== 200) {
      const message = (body as { error?: { message?: string } } | undefined)?.error?.message ?? "no answer";
      return { customId, error: `status ${status}: ${message.split("\n")[0]}`, unfinished: false };
    }
    if (!isCompletion(body)) return { customId, error: "the answer is not a chat completion", unfinished: false };
    try {
      return { customId, answer: this.answerOf(body, true) };
    } catch (error) {
      return { customId, error: (error as Error).message, unfinished: false };
    }
  }

  /** One Batch API call; a server without the Batch API (404 on /files or /batches) is a configuration error. */
  private async batchCall<T>(what: string, fn: () => Promise<T>, id?: string): Promise<T> {
    try {
      const result = await fn();
      this.answered = true;
      return result;
    } catch (error) {
      if (error instanceof sdk().NotFoundError) {
        const message = id && this.answered
          ? `${what}: not found at ${this.server} (404)`
          : `the server at ${this.server} has no Batch API (404 on /files or /batches); run without --via batch`;
        throw new ProviderError(message, "config", { status: 404, cause: error });
      }
      const fault = providerError(error, this, "");
      throw new ProviderError(`${what}: ${fault.message}`, fault.kind, fault.details);
    }
  }

  /** One HTTP call; every fault comes out as a ProviderError of a known kind. */
  private async call(body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming, parent: AbortSignal | undefined, model: string, label?: string) {
    const signal = callSignal(parent);
    try {
      const headers = label ? { "X-Newsdesk-Task": label } : undefined;
      const completion = (await this.openai.chat.completions.create(body, { signal: signal.signal, headers })) as unknown;
      if (!isCompletion(completion)) {
        throw new ProviderError(`the server at ${this.server} answered 200 with a body that is not a chat completion`, "transient");
      }
      this.answered = true;
      return completion;
    } catch (error) {
      throw providerError(error, this, model);
    } finally {
      signal.done();
    }
  }
}

/** The SDK's batch object, provider-neutral. */
function remoteBatch(batch: OpenAI.Batches.Batch): RemoteBatch {
  const counts = batch.request_counts;
  return {
    id: batch.id,
    status: batch.status,
    inputFileId: batch.input_file_id,
    outputFileId: batch.output_file_id ?? null,
    errorFileId: batch.error_file_id ?? null,
    counts: { total: counts?.total ?? 0, completed: counts?.completed ?? 0, failed: counts?.failed ?? 0 },
    createdAt: batch.created_at,
    expiresAt: batch.expires_at ?? null,
    errors: (batch.errors?.data ?? []).map((e) => [e.line ? `line ${e.line}` : "", e.code ?? "", e.message ?? ""].filter(Boolean).join(": ")),
  };
}

/** Without json_schema, the schema goes into the last message, after the shared prefix. */
function withModeInstructions(mode: OutputMode, request: ChatRequest): Message[] {
  if (mode === "json_schema") return request.messages;
  const schema = JSON.stringify(wireSchemaOf(request.schema));
  return [...request.messages, { role: "user" as const, content: `Answer with one JSON object that matches this JSON schema:\n${schema}` }];
}

function observingFetch(onHint: (hint: RateHint) => void): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    onHint(rateHintOf(response.headers));
    return response;
  };
}

/** OpenAI's x-ratelimit-* headers as a provider-neutral hint. */
export function rateHintOf(headers: Headers): RateHint {
  const number = (name: string) => {
    const value = headers.get(name);
    return value === null || value === "" || !Number.isFinite(Number(value)) ? undefined : Number(value);
  };
  return {
    limitRequests: number("x-ratelimit-limit-requests"),
    remainingRequests: number("x-ratelimit-remaining-requests"),
    resetRequestsMs: parseDuration(headers.get("x-ratelimit-reset-requests")) ?? undefined,
    limitTokens: number("x-ratelimit-limit-tokens"),
    remainingTokens: number("x-ratelimit-remaining-tokens"),
    resetTokensMs: parseDuration(headers.get("x-ratelimit-reset-tokens")) ?? undefined,
  };
}

/**
 * A signal for one request that follows the caller's, and lets go of it afterwards: the openai
 * client never removes its abort listener, so a long batch sharing one signal would keep one
 * listener (and what it holds) per call.
 */
function callSignal(parent: AbortSignal | undefined): { signal: AbortSignal | undefined; done: () => void } {
  if (!parent) return { signal: undefined, done: () => {} };
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener("abort", onAbort, { once: true });
  return { signal: controller.signal, done: () => parent.removeEventListener("abort", onAbort) };
}

function isCompletion(value: unknown): value is OpenAI.Chat.ChatCompletion {
  return !!value && typeof value === "object" && Array.isArray((value as { choices?: unknown }).choices);
}

/** The error code of a failed connection (ECONNREFUSED, ENOTFOUND, ...) wherever the client tucked it, else the innermost message. */
function networkProblem(error: unknown): { code: string | null; innermost: string } {
  let innermost = "";
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z_]+$/.test(code)) return { code, innermost };
    innermost = (e as Error).message ?? innermost;
  }
  return { code: null, innermost };
}

const NETWORK_PROBLEMS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed",
  UND_ERR_SOCKET: "connection closed",
};

/** What the server said, short: its error message without the status the client puts in front. */
function serverSays(error: Error): string {
  const text = firstLine(error.message).replace(/^\d{3}\s*/, "");
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.trim();
}

/** Classifies whatever the openai client threw; the only place that knows its error classes. */
export function providerError(error: unknown, client: { server: string; timeoutMs: number; answered: boolean }, model: string): ProviderError {
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, RateLimitError } = sdk();
  if (error instanceof ProviderError) return error;
  const where = client.server;
  const urlHint = client.server.startsWith("https://api.openai.com") ? "" : " (OPENAI_BASE_URL)";
  if (error instanceof APIUserAbortError || (error instanceof Error && error.name === "AbortError")) {
    return new ProviderError("cancelled", "abort", { cause: error });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError(`the server at ${where} did not answer within ${Math.round(client.timeoutMs / 1000)} s (--timeout)`, "transient", {
      timeout: true,
      cause: error,
    });
  }
  if (error instanceof APIConnectionError) {
    const { code, innermost } = networkProblem(error);
    // fetch refuses some ports outright (e.g. 9, 25): no retry can help.
    const badPort = !code && /bad port/i.test(innermost);
    const problem = badPort ? "the port is one fetch refuses to use (bad port)" : ((code && NETWORK_PROBLEMS[code]) ?? code ?? "connection failed");
    // Refused or unknown before anything was ever answered: the URL is wrong or the server is down.
    const fatal = badPort || (!client.answered && (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EHOSTUNREACH"));
    return new ProviderError(`cannot reach the model server at ${where}${urlHint}: ${problem}`, fatal ? "config" : "transient", { cause: error });
  }
  if (error instanceof APIError && error.status) {
    return faultForStatus(error.status, {
      server: where,
      says: serverSays(error),
      message: firstLine(error.message) || `status ${error.status}`,
      notFound: `model "${model}" or the chat endpoint not found at ${where} (404): check --model / NEWSDESK_MODEL and OPENAI_BASE_URL (it usually ends in /v1)`,
      quota: error instanceof RateLimitError && (error.code === "insufficient_quota" || /insufficient_quota/.test(error.message)),
      retryAfterMs: retryAfterMs(error.headers),
      cause: error,
    });
  }
  if (error instanceof SyntaxError) {
    return new ProviderError(`the server at ${where} sent a body that is not JSON (${firstLine(error.message)})`, "transient", { cause: error });
  }
  const message = error instanceof Error ? firstLine(error.message) : String(error);
  return new ProviderError(message, "permanent", { cause: error });
}

