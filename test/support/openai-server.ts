// A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol, scripted
// per test. The real `openai` client talks to it through its base URL.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { eachPart, fakeModel } from "./fake-model.ts";

export interface ChatRequestBody {
  /** The X-Newsdesk-Task header newsdesk sends ("translate de-CH", "digest de,en"): set by the server, not by the client. */
  task?: string;
  /** For a part of a joint call (fake-model.ts eachPart): the joint call's whole task header. */
  joint?: string;
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
  /**
   * The most completion tokens a request may ask for (`max_tokens`); over it: 400, as OpenAI answers
   * for gpt-4o-mini (default 16,384, its output limit).
   */
  maxOutputTokens?: number;
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
  /** How the Batch API (/v1/files, /v1/batches) behaves. */
  batch?: BatchBehaviour;
}

/** The Batch API's behaviour: OpenAI's state machine (validating -> in_progress -> finalizing -> completed; failed; expired; cancelling -> cancelled). */
export interface BatchBehaviour {
  /** No Batch API at all: 404 on /v1/files and /v1/batches, as Ollama, vLLM and llama.cpp answer. */
  disabled?: boolean;
  /** Time in "validating" (default 10 ms). */
  validatingMs?: number;
  /** Time per request in "in_progress" (default 0). */
  perRequestMs?: number;
  /** Time in "finalizing" (default 10 ms). */
  finalizingMs?: number;
  /** The batch expires after this many requests ran: the rest get batch_expired lines in the error file. */
  expireAfter?: number;
  /** Requests that fail as a line (status 500 in the error file). */
  failLine?: (customId: string, index: number) => boolean;
  /** Unreadable lines written into the output file. */
  malformedOutputLines?: number;
}

/** A batch object as OpenAI's API returns it. */
export interface BatchObject {
  id: string;
  object: "batch";
  endpoint: string;
  errors: { object: "list"; data: { code: string; message: string; param: string | null; line: number | null }[] } | null;
  input_file_id: string;
  completion_window: string;
  status: "validating" | "failed" | "in_progress" | "finalizing" | "completed" | "expired" | "cancelling" | "cancelled";
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string> | null;
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
  /** Batches created, in order (live objects: their status moves on). */
  batches: BatchObject[];
  /** Every request the Batch API ran (not in `requests`, which are synchronous calls). */
  batchRequests: ChatRequestBody[];
  /** Uploaded files by id. */
  files: Map<string, { purpose: string; filename: string; content: Buffer }>;
  setBatchBehaviour(behaviour: BatchBehaviour): void;
  close(): Promise<void>;
}

/** Tokens as servers roughly count them: a token per 4 characters. */
export function approxTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

type Answer =
  | { status: number; body: unknown; headers?: Record<string, string> }
  | { hangup: true }
  | { raw: string; status: number; contentType: string };

export async function startOpenAIServer(options: ServerOptions = {}): Promise<TestServer> {
  let handler: Handler = options.handler ?? fakeModel;
  const requests: ChatRequestBody[] = [];
  const windowStarts: number[] = [];
  // Prompts whose answers were sent: as at OpenAI, a prefix is cached once its first request was
  // processed, so a request that arrives while that one is still in flight gets no cached tokens.
  const answeredPrompts: string[] = [];
  let admitted = 0;
  let admittedTokens = 0;
  const count = options.tokens ?? approxTokens;
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
  let limited = 0;
  let behaviour: BatchBehaviour = options.batch ?? {};
  const batches: BatchObject[] = [];
  const batchRequests: ChatRequestBody[] = [];
  const files = new Map<string, { purpose: string; filename: string; content: Buffer }>();
  let closed = false;

  /** Runs a batch through OpenAI's states, answering each line with the handler. */
  async function runBatch(batch: BatchObject, cancelled: () => boolean) {
    const now = () => Math.floor(Date.now() / 1000);
    await sleep(behaviour.validatingMs ?? 10, true);
    const input = files.get(batch.input_file_id)!.content.toString("utf8").split("\n").filter((l) => l.trim());
    const lines: { custom_id: string; method: string; url: string; body: ChatRequestBody }[] = [];
    const problems: { code: string; message: string; param: string | null; line: number | null }[] = [];
    const ids = new Set<string>();
    input.forEach((text, i) => {
      try {
        const line = JSON.parse(text);
        if (typeof line.custom_id !== "string" || line.method !== "POST" || line.url !== batch.endpoint || !line.body) throw new Error("missing custom_id, method, url or body");
        if (ids.has(line.custom_id)) throw new Error(`duplicate custom_id ${line.custom_id}`);
        ids.add(line.custom_id);
        lines.push(line);
      } catch (error) {
        problems.push({ code: "invalid_request", message: (error as Error).message, param: null, line: i + 1 });
      }
    });
    if (problems.length || lines.length === 0) {
      Object.assign(batch, { status: "failed", failed_at: now(), errors: { object: "list", data: problems.length ? problems : [{ code: "empty_file", message: "The input file is empty.", param: null, line: null }] } });
      return;
    }
    if (cancelled()) return finish("cancelled");
    Object.assign(batch, { status: "in_progress", in_progress_at: now(), request_counts: { total: lines.length, completed: 0, failed: 0 } });
    const output: string[] = [];
    const errors: string[] = [];
    let ran = 0;
    for (const [i, line] of lines.entries()) {
      if (closed) return;
      if (cancelled()) return finish("cancelled", lines.slice(i));
      if (behaviour.expireAfter !== undefined && ran >= behaviour.expireAfter) return finish("expired", lines.slice(i));
      if (behaviour.perRequestMs) await sleep(behaviour.perRequestMs, true);
      ran++;
      const index = batchRequests.push(line.body) - 1;
      const id = `batch_req_${batch.id}_${i}`;
      let answer: Answer;
      if (behaviour.failLine?.(line.custom_id, i)) answer = { status: 500, body: { error: { message: "The server had an error while processing your request.", type: "server_error", code: null } } };
      else {
        try {
          answer = await answerFor(line.body, await eachPart(handler)(line.body, index), index, false);
        } catch (error) {
          answer = { status: 500, body: { error: { message: `test handler threw: ${(error as Error).message}`, type: "server_error", code: null } } };
        }
      }
      const status = "status" in answer ? answer.status : 500;
      const record = JSON.stringify({ id, custom_id: line.custom_id, response: { status_code: status, request_id: `req_${index}`, body: "body" in answer ? answer.body : {} }, error: null });
      if (status === 200) {
        output.push(record);
        batch.request_counts.completed++;
      } else {
        errors.push(record);
        batch.request_counts.failed++;
      }
    }
    return finish("completed");

    async function finish(status: "completed" | "expired" | "cancelled", rest: typeof lines = []) {
      if (status === "completed") {
        Object.assign(batch, { status: "finalizing", finalizing_at: now() });
        await sleep(behaviour.finalizingMs ?? 10, true);
      }
      if (status === "expired") {
        for (const line of rest) {
          errors.push(JSON.stringify({ id: `batch_req_${batch.id}_x`, custom_id: line.custom_id, response: null, error: { code: "batch_expired", message: "This request could not be executed before the completion window expired." } }));
        }
      }
      for (let m = 0; m < (behaviour.malformedOutputLines ?? 0); m++) output.splice(Math.min(output.length, 1 + m * 3), 0, '{"id": "batch_req_broken", "custom_id": ');
      if (output.length) batch.output_file_id = storeFile(output.join("\n") + "\n", "batch_output");
      if (errors.length) batch.error_file_id = storeFile(errors.join("\n") + "\n", "batch_output");
      Object.assign(batch, { status, [`${status}_at`]: now() });
    }
  }

  function storeFile(content: string | Buffer, purpose: string, filename = "batch_output.jsonl"): string {
    const id = `file-${files.size + 1}${Math.random().toString(36).slice(2, 8)}`;
    files.set(id, { purpose, filename, content: Buffer.isBuffer(content) ? content : Buffer.from(content) });
    return id;
  }

  function fileObject(id: string) {
    const file = files.get(id)!;
    return { id, object: "file", bytes: file.content.length, created_at: Math.floor(Date.now() / 1000), filename: file.filename, purpose: file.purpose, status: "processed" };
  }

  const cancelRequests = new Set<string>();

  /** /v1/files and /v1/batches, shaped as OpenAI documents them. */
  function batchRoute(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): boolean {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = url.pathname.replace(/^\/v1/, "");
    if (!/^\/(files|batches)(\/|$)/.test(route)) return false;
    const notFound = (what: string) => sendJson(res, 404, { error: { message: what, type: "invalid_request_error", param: null, code: null } });
    if (behaviour.disabled) return notFound(`404 page not found`), true;
    const bad = (message: string) => sendJson(res, 400, { error: { message, type: "invalid_request_error", param: null, code: null } });
    let m: RegExpExecArray | null;
    if (req.method === "POST" && route === "/files") {
      const form = parseMultipart(raw, String(req.headers["content-type"] ?? ""));
      const file = form.find((f) => f.name === "file");
      const purpose = form.find((f) => f.name === "purpose")?.data.toString("utf8");
      if (!file || !purpose) return bad("file and purpose are required"), true;
      const id = storeFile(file.data, purpose, file.filename ?? "upload.jsonl");
      return sendJson(res, 200, fileObject(id)), true;
    }
    if (req.method === "GET" && (m = /^\/files\/([^/]+)\/content$/.exec(route))) {
      const file = files.get(m[1]!);
      if (!file) return notFound(`No such File object: ${m[1]}`), true;
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": file.content.length });
      return res.end(file.content), true;
    }
    if (req.method === "GET" && (m = /^\/files\/([^/]+)$/.exec(route))) {
      return files.has(m[1]!) ? sendJson(res, 200, fileObject(m[1]!)) : notFound(`No such File object: ${m[1]}`), true;
    }
    if (req.method === "POST" && route === "/batches") {
      const body = JSON.parse(raw.toString("utf8") || "{}") as { input_file_id?: string; endpoint?: string; completion_window?: string; metadata?: Record<string, string> };
      if (!body.input_file_id || !files.has(body.input_file_id)) return bad(`Invalid input_file_id: ${body.input_file_id}`), true;
      if (files.get(body.input_file_id)!.purpose !== "batch") return bad("The input file must have purpose 'batch'"), true;
      if (body.endpoint !== "/v1/chat/completions" && body.endpoint !== "/v1/embeddings" && body.endpoint !== "/v1/responses") return bad(`Invalid endpoint: ${body.endpoint}`), true;
      if (body.completion_window !== "24h") return bad("completion_window must be 24h"), true;
      const created = Math.floor(Date.now() / 1000);
      const batch: BatchObject = {
        id: `batch_${String(batches.length + 1).padStart(4, "0")}${Math.random().toString(36).slice(2, 8)}`,
        object: "batch", endpoint: body.endpoint, errors: null, input_file_id: body.input_file_id, completion_window: "24h", status: "validating",
        output_file_id: null, error_file_id: null, created_at: created, in_progress_at: null, expires_at: created + 86_400, finalizing_at: null,
        completed_at: null, failed_at: null, expired_at: null, cancelling_at: null, cancelled_at: null,
        request_counts: { total: 0, completed: 0, failed: 0 }, metadata: body.metadata ?? null,
      };
      batches.push(batch);
      void runBatch(batch, () => cancelRequests.has(batch.id));
      return sendJson(res, 200, batch), true;
    }
    if (req.method === "GET" && route === "/batches") {
      const limit = Number(url.searchParams.get("limit") ?? 20);
      const after = url.searchParams.get("after");
      const newest = [...batches].reverse();
      const start = after ? newest.findIndex((b) => b.id === after) + 1 : 0;
      const data = newest.slice(start, start + limit);
      return sendJson(res, 200, { object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: start + limit < newest.length }), true;
    }
    if ((m = /^\/batches\/([^/]+)(\/cancel)?$/.exec(route))) {
      const batch = batches.find((b) => b.id === m![1]);
      if (!batch) return notFound(`No batch found with id '${m[1]}'.`), true;
      if (req.method === "GET" && !m[2]) return sendJson(res, 200, batch), true;
      if (req.method === "POST" && m[2]) {
        if (batch.status !== "validating" && batch.status !== "in_progress") return bad(`Cannot cancel a batch with status '${batch.status}'.`), true;
        cancelRequests.add(batch.id);
        Object.assign(batch, { status: "cancelling", cancelling_at: Math.floor(Date.now() / 1000) });
        return sendJson(res, 200, batch), true;
      }
    }
    return notFound(`no route ${req.method} ${req.url}`), true;
  }

  /** The answer to one chat request (synchronous, or a batch line: no delays there, and no prompt cache). */
  async function answerFor(body: ChatRequestBody, first: Reply, index: number, live: boolean, answeredBefore: string[] = []): Promise<Answer> {
    let reply = first;
    while ("delayMs" in reply) {
      if (live) await sleep(reply.delayMs);
      reply = reply.then;
    }
    if ("hangup" in reply) return live ? { hangup: true } : { status: 500, body: { error: { message: "connection closed", type: "server_error", code: null } } };
    if ("raw" in reply) return { raw: reply.raw, status: reply.status ?? 200, contentType: reply.contentType ?? "application/json" };
    if ("status" in reply) {
      const type = reply.status === 429 ? "requests" : reply.status >= 500 ? "server_error" : "invalid_request_error";
      return { status: reply.status, body: { error: { message: reply.message ?? `status ${reply.status}`, type, code: reply.code ?? null } }, headers: reply.headers };
    }
    // As at OpenAI, the response schema comes before the first message in the cached prefix.
    const schema = body.response_format ? JSON.stringify(body.response_format) + "\n" : "";
    const prompt = schema + body.messages.map((m) => `${m.role}\n${m.content}`).join("\n");
    const promptTokens = count(prompt);
    const cachedTokens = options.prefixCache === false || !live ? 0 : cachedPrefixTokens(answeredBefore, prompt, count);

    const content = "json" in reply ? JSON.stringify(reply.json) : "content" in reply ? reply.content : null;
    const finishReason = "content" in reply ? (reply.finishReason ?? "stop") : "stop";
    const usage = "content" in reply ? reply.usage : undefined;
    return {
      status: 200,
      body: {
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
      },
    };
  }

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (batchRoute(req, res, Buffer.concat(chunks))) return;
    // OpenAI: /v1/chat/completions; Azure: /openai/deployments/{name}/chat/completions?api-version=...
    if (req.method !== "POST" || !new URL(req.url ?? "/", "http://x").pathname.endsWith("/chat/completions")) {
      return sendJson(res, 404, { error: { message: `no route ${req.method} ${req.url}`, type: "invalid_request_error" } });
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequestBody;
    const answeredBefore = answeredPrompts.slice();
    body.headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const task = req.headers["x-newsdesk-task"];
    if (typeof task === "string") body.task = task;
    const index = requests.push(body) - 1;
    const maxOutput = options.maxOutputTokens ?? 16_384;
    if (body.max_tokens !== undefined && body.max_tokens > maxOutput) {
      const message = `max_tokens is too large: ${body.max_tokens}. This model supports at most ${maxOutput} completion tokens, whereas you provided ${body.max_tokens}.`;
      return sendJson(res, 400, { error: { message, type: "invalid_request_error", param: "max_tokens", code: "invalid_value" } });
    }

    // As at OpenAI, the response schema comes before the first message in the cached prefix.
    const schemaText = body.response_format ? JSON.stringify(body.response_format) + "\n" : "";
    const livePrompt = schemaText + body.messages.map((m) => `${m.role}\n${m.content}`).join("\n");
    const livePromptTokens = count(livePrompt);
    if (bucketMode) {
      const now = Date.now();
      refill(requestBucket, now);
      refill(tokenBucket, now);
      if (requestBucket && requestBucket.level < 1) return tooMany(res, (1 - requestBucket.level) / requestBucket.perMs, "requests");
      if (tokenBucket && tokenBucket.level < livePromptTokens) return tooMany(res, (livePromptTokens - tokenBucket.level) / tokenBucket.perMs, "tokens");
      if (requestBucket) requestBucket.level -= 1;
      if (tokenBucket) tokenBucket.level -= livePromptTokens;
    } else if (options.rps) {
      const now = Date.now();
      while (windowStarts.length && now - windowStarts[0]! >= 1000) windowStarts.shift();
      if (windowStarts.length >= options.rps) return tooMany(res, 1000 - (now - windowStarts[0]!), "requests");
      windowStarts.push(now);
    }
    admittedTokens += livePromptTokens;
    admitted++;
    if (options.latencyMs) await sleep(options.latencyMs);

    let reply: Reply;
    try {
      reply = await eachPart(handler)(body, index);
    } catch (error) {
      // A broken handler fails its test at once instead of leaving the client waiting.
      return sendJson(res, 500, { error: { message: `test handler threw: ${(error as Error).message}`, type: "server_error", code: null } });
    }
    const answer = await answerFor(body, reply, index, true, answeredBefore);
    if ("body" in answer && answer.status === 200 && body.messages) {
      const schema = body.response_format ? JSON.stringify(body.response_format) + "\n" : "";
      const prompt = schema + body.messages.map((m) => `${m.role}\n${m.content}`).join("\n");
      res.once("finish", () => {
        answeredPrompts.push(prompt);
        if (answeredPrompts.length > 64) answeredPrompts.shift();
      });
    }
    if ("hangup" in answer) {
      req.socket.destroy();
      return;
    }
    if ("raw" in answer) {
      res.writeHead(answer.status, { "content-type": answer.contentType, "content-length": Buffer.byteLength(answer.raw) });
      return void res.end(answer.raw);
    }
    sendJson(res, answer.status, answer.body, { ...(bucketMode ? rateHeaders() : {}), ...answer.headers });
  });
  // Connections stay open between calls, as at a real API. (It was 1 s: the client keeps a connection
  // for the server's hint minus 1 s, so that made every call open a new one.)
  server.keepAliveTimeout = 5000;
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
    batches,
    batchRequests,
    files,
    setBatchBehaviour: (next) => {
      behaviour = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
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

function sleep(ms: number, unref = false) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (unref) timer.unref();
  });
}

/** multipart/form-data as the openai client uploads files: each part's name, file name and bytes. */
function parseMultipart(body: Buffer, contentType: string): { name: string; filename?: string; data: Buffer }[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: { name: string; filename?: string; data: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // after CRLF, before CRLF
    const split = part.indexOf("\r\n\r\n");
    const head = part.subarray(0, split).toString("utf8");
    const name = /name="([^"]*)"/.exec(head)?.[1] ?? "";
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    parts.push({ name, filename, data: part.subarray(split + 4) });
    at = next;
  }
  return parts;
}
