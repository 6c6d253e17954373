// A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol, scripted
// per test. The real `openai` client talks to it through its base URL.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fakeModel } from "./fake-model.ts";

export interface ChatRequestBody {
  /** The X-Newsdesk-Task header newsdesk sends ("translate de-CH", "digest de,en"): set by the server, not by the client. */
  task?: string;
  /** The request's headers (lower-case names), set by the server. */
  headers?: Record<string, string>;
  model: string;
  messages: { role: string; content: string }[];
  response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: unknown } };
  max_tokens?: number;
  temperature?: number;
}

export type Reply =
  /** A normal answer; `content` is sent as the message text. */
  | { content: string; finishReason?: "stop" | "length" | "content_filter"; usage?: { prompt_tokens?: number; completion_tokens?: number } }
  /** A normal answer whose text is JSON.stringify(json). */
  | { json: unknown }
  | { refusal: string }
  /** An error status with an OpenAI-style error body. */
  | { status: number; message?: string; code?: string; headers?: Record<string, string> }
  /** Closes the connection without an answer. */
  | { hangup: true }
  /** Sends this body as it is (garbage, empty, HTML) with the status (default 200) and content type (default JSON). */
  | { raw: string; status?: number; contentType?: string }
  | { delayMs: number; then: Reply };

export type Handler = (body: ChatRequestBody, index: number) => Reply | Promise<Reply>;

export interface ServerOptions {
  handler?: Handler;
  /** Added to every answer. */
  latencyMs?: number;
  /** Requests admitted per second; over it the server answers 429 with retry-after-ms. */
  rps?: number;
  /**
   * Prompt tokens admitted per minute (counted with `tokens`, at admission); over it, 429. Implies
   * `limiter: "bucket"`.
   */
  tpm?: number;
  /** The token bucket holds this many ms of `tpm` (default 60,000: a minute's worth, as at OpenAI; the bench uses less). */
  tokenWindowMs?: number;
  /**
   * "window" (default): `rps` as a sliding 1 s window, 429s with the exact wait, no rate-limit headers.
   * "bucket": as OpenAI describes its limits, buckets that refill continuously (requests: `rps`
   * per second, holding 1 s worth; tokens: `tpm`), and every answer, 429s included, carries
   * x-ratelimit-limit-/remaining-/reset-requests and -tokens (reset: until the bucket is full).
   */
  limiter?: "window" | "bucket";
  /** A coarse retry-after: every 429 says this fixed wait (retry-after-ms, and retry-after in whole seconds) instead of the exact one. */
  retryAfterMs?: number;
  /** Simulates a provider's prompt-prefix cache in usage.prompt_tokens_details.cached_tokens. */
  prefixCache?: boolean;
  /** How usage counts tokens (default approxTokens, a token per 4 characters); e.g. gpt-tokenizer's countTokens. */
  tokens?: (text: string) => number;
}

export interface TestServer {
  /** Base URL for OPENAI_BASE_URL, ending in /v1. */
  url: string;
  /** Every chat request the server received, in arrival order (rate-limited ones included). */
  requests: ChatRequestBody[];
  /** Requests that got an answer other than a 429 from the rate limiter. */
  admitted: () => number;
  /** Prompt tokens of the admitted requests (as `tokens` counts them). */
  admittedTokens: () => number;
  rateLimited: () => number;
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

/** Tokens as servers roughly count them: a token per 4 characters. */
export function approxTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export async function startOpenAIServer(options: ServerOptions = {}): Promise<TestServer> {
  let handler: Handler = options.handler ?? fakeModel;
  const count = options.tokens ?? approxTokens;
  const requests: ChatRequestBody[] = [];
  const windowStarts: number[] = [];
  // Prompts whose answers were sent: as at OpenAI, a prefix is cached once its first request was
  // processed, so a request that arrives while that one is still in flight gets no cached tokens.
  const answeredPrompts: string[] = [];
  let admitted = 0;
  let admittedTokens = 0;
  let limited = 0;
  const bucketMode = options.limiter === "bucket" || options.tpm !== undefined;
  // Continuously refilled buckets (bucket mode): level, capacity, refill per ms, last refill.
  const bucket = (capacity: number, perMs: number) => ({ level: capacity, capacity, perMs, at: Date.now() });
  const requestBucket = bucketMode && options.rps ? bucket(options.rps, options.rps / 1000) : null;
  const tokenBucket = options.tpm ? bucket((options.tpm * (options.tokenWindowMs ?? 60_000)) / 60_000, options.tpm / 60_000) : null;
  const refill = (b: ReturnType<typeof bucket> | null, now: number) => {
    if (!b) return;
    b.level = Math.min(b.capacity, b.level + (now - b.at) * b.perMs);
    b.at = now;
  };
  const duration = (ms: number) => (ms < 1000 ? `${Math.max(0, Math.ceil(ms))}ms` : `${(ms / 1000).toFixed(3)}s`);
  const rateHeaders = (): Record<string, string> => {
    const now = Date.now();
    const out: Record<string, string> = {};
    for (const [name, b] of [["requests", requestBucket], ["tokens", tokenBucket]] as const) {
      if (!b) continue;
      refill(b, now);
      out[`x-ratelimit-limit-${name}`] = String(Math.floor(b.capacity));
      out[`x-ratelimit-remaining-${name}`] = String(Math.max(0, Math.floor(b.level)));
      out[`x-ratelimit-reset-${name}`] = duration((b.capacity - b.level) / b.perMs);
    }
    return out;
  };
  const tooMany = (res: http.ServerResponse, exactWaitMs: number, what: string) => {
    limited++;
    const waitMs = options.retryAfterMs ?? Math.max(1, Math.ceil(exactWaitMs));
    return sendJson(res, 429, { error: { message: `Rate limit reached for ${what}`, type: what, code: "rate_limit_exceeded" } }, {
      ...rateHeaders(),
      "retry-after-ms": String(waitMs),
      "retry-after": String(Math.ceil(waitMs / 1000)),
    });
  };

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      return sendJson(res, 404, { error: { message: `no route ${req.method} ${req.url}`, type: "invalid_request_error" } });
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequestBody;
    const answeredBefore = answeredPrompts.slice();
    body.headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const task = req.headers["x-newsdesk-task"];
    if (typeof task === "string") body.task = task;
    const index = requests.push(body) - 1;

    // As at OpenAI, the response schema comes before the first message in the cached prefix.
    const schemaText = body.response_format ? JSON.stringify(body.response_format) + "\n" : "";
    const prompt = schemaText + body.messages.map((m) => `${m.role}\n${m.content}`).join("\n");
    const promptTokens = count(prompt);

    if (bucketMode) {
      const now = Date.now();
      refill(requestBucket, now);
      refill(tokenBucket, now);
      if (requestBucket && requestBucket.level < 1) return tooMany(res, (1 - requestBucket.level) / requestBucket.perMs, "requests");
      if (tokenBucket && tokenBucket.level < promptTokens) return tooMany(res, (promptTokens - tokenBucket.level) / tokenBucket.perMs, "tokens");
      if (requestBucket) requestBucket.level -= 1;
      if (tokenBucket) tokenBucket.level -= promptTokens;
    } else if (options.rps) {
      const now = Date.now();
      while (windowStarts.length && now - windowStarts[0]! >= 1000) windowStarts.shift();
      if (windowStarts.length >= options.rps) {
        return tooMany(res, 1000 - (now - windowStarts[0]!), "requests");
      }
      windowStarts.push(now);
    }
    admitted++;
    admittedTokens += promptTokens;
    if (options.latencyMs) await sleep(options.latencyMs);

    let reply: Reply;
    try {
      reply = await handler(body, index);
    } catch (error) {
      // A broken handler fails its test at once instead of leaving the client waiting.
      return sendJson(res, 500, { error: { message: `test handler threw: ${(error as Error).message}`, type: "server_error", code: null } });
    }
    while ("delayMs" in reply) {
      await sleep(reply.delayMs);
      reply = reply.then;
    }
    if ("hangup" in reply) {
      req.socket.destroy();
      return;
    }
    if ("raw" in reply) {
      res.writeHead(reply.status ?? 200, { "content-type": reply.contentType ?? "application/json", "content-length": Buffer.byteLength(reply.raw) });
      return void res.end(reply.raw);
    }
    if ("status" in reply) {
      const type = reply.status === 429 ? "requests" : reply.status >= 500 ? "server_error" : "invalid_request_error";
      return sendJson(res, reply.status, { error: { message: reply.message ?? `status ${reply.status}`, type, code: reply.code ?? null } }, reply.headers);
    }
    const cachedTokens = options.prefixCache === false ? 0 : cachedPrefixTokens(answeredBefore, prompt, count);
    res.once("finish", () => {
      answeredPrompts.push(prompt);
      if (answeredPrompts.length > 64) answeredPrompts.shift();
    });

    const content = "json" in reply ? JSON.stringify(reply.json) : "content" in reply ? reply.content : null;
    const finishReason = "content" in reply ? (reply.finishReason ?? "stop") : "stop";
    const usage = "content" in reply ? reply.usage : undefined;
    const limitHeaders = bucketMode ? rateHeaders() : {};
    sendJson(res, 200, {
      id: `chatcmpl-test-${index}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content, refusal: "refusal" in reply ? reply.refusal : null },
          finish_reason: finishReason,
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: usage?.prompt_tokens ?? promptTokens,
        completion_tokens: usage?.completion_tokens ?? count(content ?? ""),
        total_tokens: promptTokens + count(content ?? ""),
        prompt_tokens_details: { cached_tokens: cachedTokens },
      },
    }, limitHeaders);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    admitted: () => admitted,
    admittedTokens: () => admittedTokens,
    rateLimited: () => limited,
    setHandler: (next) => {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Like OpenAI: a prefix of 1,024 tokens or more shared with an earlier prompt is cached, in 128-token steps. */
function cachedPrefixTokens(seen: string[], prompt: string, count: (text: string) => number): number {
  let best = 0;
  for (const earlier of seen) {
    const max = Math.min(earlier.length, prompt.length);
    let i = 0;
    while (i < max && earlier.charCodeAt(i) === prompt.charCodeAt(i)) i++;
    if (i > best) best = i;
  }
  const tokens = count === approxTokens ? Math.floor(best / 4) : count(prompt.slice(0, best));
  return tokens >= 1024 ? tokens - (tokens % 128) : 0;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
