// The one place that talks to the openai client: structured output with a fallback for servers
// that lack json_schema, zod validation, a repair retry that tells the model what was wrong,
// and the usage of every call.
import { createRequire } from "node:module";
import type OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import type { z } from "zod";
import type { Message } from "../core/prompts.ts";
import { emptyUsage, type Usage } from "../core/types.ts";
import { InvalidAnswerError, ProviderError, QuotaExceededError, RefusalError, TruncatedError, withUsage } from "../core/errors.ts";
import { containsSecret, registerSecret } from "../core/secrets.ts";
import { retryAfterMs } from "./scheduler.ts";

// The openai client (~45 ms to load) is loaded when the first call needs it, so `--help` and a
// fully cached run never load it. One copy (require) serves the client and its error classes.
let sdkModule: typeof import("openai") | undefined;
const sdk = () => (sdkModule ??= createRequire(import.meta.url)("openai") as typeof import("openai"));

/**
 * Runs one model call under a batch's limiter (concurrency, pacing, transport retries).
 * `followUp`: the call continues a conversation (a repair), so it goes before calls that start one.
 */
export type Limiter = <T>(fn: () => Promise<T>, options?: { followUp?: boolean }) => Promise<T>;

export const DEFAULT_TIMEOUT_MS = 120_000;

/** How the answer's shape is asked for; a server that rejects one mode gets the next. */
export type OutputMode = "json_schema" | "json_object" | "text";

export interface ModelClientOptions {
  apiKey?: string;
  baseURL?: string;
  /** Retries of the openai client itself for 408/409/429/5xx and connection errors. */
  maxRetries?: number;
  timeoutMs?: number;
  mode?: OutputMode;
  /** Sees the headers of every response (e.g. x-ratelimit-* for a scheduler's pacing). */
  onResponseHeaders?: (headers: Headers) => void;
}

export interface ModelClient {
  openai: OpenAI;
  mode: OutputMode;
  /** Where the calls go, for messages: the base URL, or api.openai.com. */
  server: string;
  timeoutMs: number;
  /** Whether any call has been answered yet: a server that refuses connections from the start is misconfigured. */
  answered: boolean;
}

export function createModelClient(options: ModelClientOptions = {}): ModelClient {
  // The key as sent is trimmed; both forms are scrubbed wherever text may be shown or stored.
  registerSecret(options.apiKey);
  const apiKey = options.apiKey?.trim();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const create = () => new (sdk().OpenAI)({
    // Local servers take any key, but the client refuses to start without one.
    apiKey: apiKey || "not-needed",
    baseURL: options.baseURL?.trim() || undefined,
    maxRetries: options.maxRetries ?? 4,
    timeout: timeoutMs,
    ...(options.onResponseHeaders ? { fetch: observingFetch(options.onResponseHeaders) } : {}),
  });
  let openai: OpenAI | undefined;
  const server = options.baseURL?.trim() || "https://api.openai.com/v1";
  return { get openai() { return (openai ??= create()); }, mode: options.mode ?? "json_schema", server, timeoutMs, answered: false };
}

function observingFetch(onHeaders: (headers: Headers) => void): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    onHeaders(response.headers);
    return response;
  };
}

/** What a check says of an answer; hard problems are repaired, soft ones get one retry, then become warnings. */
export interface Finding { severity: "hard" | "soft"; message: string }

export interface StructuredRequest<S extends z.ZodType> {
  model: string;
  messages: Message[];
  /** Validates the answer (and may unwrap it). */
  schema: S;
  /** The JSON schema asked for (response_format); default: `schema`. Must be convertible to JSON schema. */
  responseSchema?: z.ZodType;
  schemaName: string;
  temperature?: number;
  maxTokens?: number;
  /** Checks a schema cannot make, run on every valid answer. */
  check?: (value: z.infer<S>) => Finding[];
  /** Repair retries after an invalid answer (default 2). */
  repairs?: number;
  /** Runs each HTTP call (default: at once); transport retries happen there, never around the repairs. */
  limiter?: Limiter;
  signal?: AbortSignal;
}

export interface StructuredResult<T> {
  value: T;
  usage: Usage;
  /** Soft findings that survived their retry. */
  warnings: string[];
  attempts: number;
}

// Converting zod to JSON schema allocates a lot; a batch asks for the same few shapes again and again.
const responseFormats = new WeakMap<z.ZodType, Map<string, ReturnType<typeof zodResponseFormat>>>();
function responseFormatOf(schema: z.ZodType, name: string) {
  let byName = responseFormats.get(schema);
  if (!byName) responseFormats.set(schema, (byName = new Map()));
  let format = byName.get(name);
  if (!format) byName.set(name, (format = zodResponseFormat(schema, name)));
  return format;
}

export function jsonSchemaOf(schema: z.ZodType, name: string) {
  return responseFormatOf(schema, name).json_schema;
}

export async function requestStructured<S extends z.ZodType>(
  client: ModelClient,
  request: StructuredRequest<S>,
): Promise<StructuredResult<z.infer<S>>> {
  const usage = emptyUsage();
  try {
    return await repairLoop(client, request, usage);
  } catch (error) {
    throw withUsage(error, usage);
  }
}

/** Asks, validates, and asks again with the problems named, until an answer holds or the repairs run out. */
async function repairLoop<S extends z.ZodType>(
  client: ModelClient,
  request: StructuredRequest<S>,
  usage: Usage,
): Promise<StructuredResult<z.infer<S>>> {
  const repairs = request.repairs ?? 2;
  const conversation: Message[] = [...request.messages];
  let lastProblems: string[] = [];
  let softRetried = false;
  let fallback: { value: z.infer<S>; soft: string[] } | null = null;

  for (let attempt = 0; attempt <= repairs; attempt++) {
    const completion = await complete(client, request, conversation, attempt > 0);
    addCompletionUsage(usage, completion);
    const choice = completion.choices[0];
    if (!choice) throw new InvalidAnswerError(`the server sent no answer`, ["no choices"]);
    const message = choice.message as OpenAI.Chat.ChatCompletionMessage;
    if (message.refusal) throw new RefusalError(`the model refused: ${oneLine(message.refusal)}`);
    if (choice.finish_reason === "content_filter") {
      throw new RefusalError(`the answer was stopped by the provider's content filter`);
    }
    if (choice.finish_reason === "length") {
      throw new TruncatedError(
        `the answer was cut off at the token limit (finish_reason "length"; max_tokens ${request.maxTokens ?? "default"})`,
      );
    }
    const text = message.content ?? "";
    // A server that puts the key into an answer must not get it into the cache or any output.
    const parsed: Validation<z.infer<S>> = containsSecret(text)
      ? { ok: false, problems: ["the answer contains the API key; it must not"] }
      : validate(request.schema, text, client.mode !== "json_schema");
    let problems: string[];
    let soft: string[] = [];
    if (parsed.ok) {
      const findings = request.check?.(parsed.value) ?? [];
      problems = findings.filter((f) => f.severity === "hard").map((f) => f.message);
      soft = findings.filter((f) => f.severity === "soft").map((f) => f.message);
      if (problems.length === 0) {
        if (soft.length === 0 || softRetried || attempt === repairs) {
          return { value: parsed.value, usage, warnings: soft, attempts: attempt + 1 };
        }
        fallback = { value: parsed.value, soft };
        softRetried = true;
        problems = soft;
      }
    } else {
      problems = parsed.problems;
    }
    lastProblems = problems;
    conversation.push({ role: "assistant", content: text });
    conversation.push({ role: "user", content: repairMessage(problems) });
  }
  if (fallback) return { value: fallback.value, usage, warnings: fallback.soft, attempts: repairs + 1 };
  throw new InvalidAnswerError(
    `answer still invalid after ${repairs} repair${repairs === 1 ? "" : "s"}: ${lastProblems.join("; ")}`,
    lastProblems,
  );
}

function repairMessage(problems: string[]): string {
  return [
    "Your answer cannot be used:",
    ...problems.map((p) => `- ${p}`),
    "Answer again with the complete corrected JSON object only.",
  ].join("\n");
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

async function complete(client: ModelClient, request: StructuredRequest<z.ZodType>, conversation: Message[], followUp: boolean) {
  const send: Limiter = request.limiter ?? ((fn) => fn());
  for (;;) {
    const mode = client.mode;
    try {
      return await send(() => completeOnce(client, request, conversation, mode), { followUp });
    } catch (error) {
      // A server that does not know json_schema (or json_object) answers 400: step down one mode.
      // Calls in flight at once may all see the 400: only the first steps the shared mode down.
      const cause = error instanceof ProviderError ? error.cause : error;
      if (cause instanceof sdk().BadRequestError && mode !== "text" && /response_format|json_schema|json_object/i.test(cause.message)) {
        if (client.mode === mode) client.mode = mode === "json_schema" ? "json_object" : "text";
        continue;
      }
      throw error;
    }
  }
}

/** One HTTP call; every fault comes out as a ProviderError of a known kind. */
async function completeOnce(client: ModelClient, request: StructuredRequest<z.ZodType>, conversation: Message[], mode: OutputMode) {
  const call = callSignal(request.signal);
  try {
    const completion = await client.openai.chat.completions.create(
      {
        model: request.model,
        messages: withModeInstructions(mode, conversation, request),
        ...(responseFormat(mode, request) as object),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
      },
      { signal: call.signal },
    );
    if (!isCompletion(completion)) {
      throw new ProviderError(`the server at ${client.server} answered 200 with a body that is not a chat completion`, "transient");
    }
    client.answered = true;
    return completion;
  } catch (error) {
    throw providerError(error, client, request.model);
  } finally {
    call.done();
  }
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
export function providerError(error: unknown, client: ModelClient, model: string): ProviderError {
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, AuthenticationError, NotFoundError, PermissionDeniedError, RateLimitError } = sdk();
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
  if (error instanceof RateLimitError) {
    if (error.code === "insufficient_quota" || /insufficient_quota/.test(error.message)) {
      return new QuotaExceededError(`insufficient quota: the provider says the account has no credit left (${firstLine(error.message)})`);
    }
    return new ProviderError(`rate limited (429): ${firstLine(error.message)}`, "rate", { status: 429, retryAfterMs: retryAfterMs(error.headers), cause: error });
  }
  if (error instanceof AuthenticationError) {
    return new ProviderError(`the server at ${where} rejected the API key (401: ${serverSays(error)}): check OPENAI_API_KEY`, "config", { status: 401, cause: error });
  }
  if (error instanceof PermissionDeniedError) {
    return new ProviderError(`the server at ${where} denied access (403: ${serverSays(error)}): check OPENAI_API_KEY and the model's access`, "config", { status: 403, cause: error });
  }
  if (error instanceof NotFoundError) {
    return new ProviderError(
      `model "${model}" or the chat endpoint not found at ${where} (404): check --model / NEWSDESK_MODEL and OPENAI_BASE_URL (it usually ends in /v1)`,
      "config",
      { status: 404, cause: error },
    );
  }
  if (error instanceof APIError) {
    const status = error.status ?? 0;
    const kind = status >= 500 || status === 408 || status === 409 ? "transient" : "permanent";
    return new ProviderError(firstLine(error.message) || `status ${status}`, kind, { status, cause: error });
  }
  if (error instanceof SyntaxError) {
    return new ProviderError(`the server at ${where} sent a body that is not JSON (${firstLine(error.message)})`, "transient", { cause: error });
  }
  const message = error instanceof Error ? firstLine(error.message) : String(error);
  return new ProviderError(message, "permanent", { cause: error });
}

function responseFormat(mode: OutputMode, request: StructuredRequest<z.ZodType>) {
  if (mode === "json_schema") return { response_format: responseFormatOf(request.responseSchema ?? request.schema, request.schemaName) };
  if (mode === "json_object") return { response_format: { type: "json_object" } };
  return {};
}

/** Without json_schema, the schema goes into the last message, after the shared prefix. */
function withModeInstructions(mode: OutputMode, conversation: Message[], request: StructuredRequest<z.ZodType>) {
  if (mode === "json_schema") return conversation;
  const schema = JSON.stringify(jsonSchemaOf(request.responseSchema ?? request.schema, request.schemaName).schema);
  return [...conversation, { role: "user" as const, content: `Answer with one JSON object that matches this JSON schema:\n${schema}` }];
}

type Validation<T> = { ok: true; value: T } | { ok: false; problems: string[] };

function validate<S extends z.ZodType>(schema: S, text: string, lenient: boolean): Validation<z.infer<S>> {
  let data: unknown;
  try {
    data = JSON.parse(lenient ? extractJson(text) : text);
  } catch (error) {
    return { ok: false, problems: [`the answer is not valid JSON (${oneLine((error as Error).message)})`] };
  }
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "answer"}: ${issue.message}`),
  };
}

/** For servers without structured output: the JSON object inside fences or prose. */
function extractJson(text: string): string {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  const body = fenced ? fenced[1]! : text;
  const start = body.indexOf("{");
  const end = body.lastIndexOf("}");
  return start >= 0 && end > start ? body.slice(start, end + 1) : body;
}

function addCompletionUsage(usage: Usage, completion: OpenAI.Chat.ChatCompletion) {
  usage.calls += 1;
  usage.promptTokens += completion.usage?.prompt_tokens ?? 0;
  usage.completionTokens += completion.usage?.completion_tokens ?? 0;
  usage.cachedTokens += completion.usage?.prompt_tokens_details?.cached_tokens ?? 0;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 300);
}

/** One cheap request (a few tokens) to prove the server, the key and the model work together. */
export async function probeServer(client: ModelClient, model: string): Promise<{ ok: true; ms: number } | { ok: false; ms: number; problem: string }> {
  const started = Date.now();
  try {
    const completion = await client.openai.chat.completions.create({ model, messages: [{ role: "user", content: "Reply with OK." }], max_tokens: 5 });
    if (!isCompletion(completion)) throw new ProviderError(`the server at ${client.server} answered 200 with a body that is not a chat completion`, "transient");
    return { ok: true, ms: Date.now() - started };
  } catch (error) {
    return { ok: false, ms: Date.now() - started, problem: providerError(error, client, model).message };
  }
}
