// --via batch: a backlog through the provider's Batch API at its lower price. The batch is planned
// as a run plans it (cache hits skipped, identical tasks once), written as JSONL (one line per call:
// a task's, or a short article's joint call; custom_id = the task's cache key, or one made of the
// joint call's task keys; body = the request a synchronous call sends), uploaded and
// created, and recorded in the cache file so any later process can pick it up. Once a batch is
// final its output and error files are streamed into the cache file. The answers are then judged
// by the normal pipeline itself: BatchAnswers hands a stored answer to the repair loop in place of
// the first call, so a batch answer is validated, checked, repaired (synchronously) and cached
// exactly like a synchronous one, and a failed line is simply asked again.
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ReadItem } from "../article/index.ts";
import { UNFINISHED, cacheKey, type BatchTaskInput, type Cache } from "../core/cache.ts";
import { ConfigError, ProviderError, describeError } from "../core/errors.ts";
import type { Message } from "../core/prompts.ts";
import { addUsage, emptyUsage, type Usage } from "../core/types.ts";
import { answerUsage } from "../model/structured.ts";
import { FINAL_BATCH_STATES, isBatchCapable, type BatchCapable, type ChatAnswer, type ChatModel, type ChatRequest, type RemoteBatch } from "../model/provider.ts";
import { taskFor, type PlannedCall } from "../tasks/index.ts";
import { joinable, jointRequest } from "../tasks/article-calls.ts";
import type { TaskRequest } from "../tasks/request.ts";
import type { Pipeline } from "./pipeline.ts";
import { isCached, requestTokens } from "./plan.ts";

/** The provider's limits per batch (OpenAI: 50,000 requests, input files up to 200 MB; a margin kept). */
export const BATCH_LIMITS = { requests: 50_000, bytes: 190_000_000 } as const;

/** Polling: the first wait and the longest; each wait 1.5 x the one before. */
export const DEFAULT_POLL = { firstMs: 5_000, maxMs: 60_000 } as const;

/** How many batch rounds one run makes at most for tasks that expired or were cancelled (resubmit). */
const MAX_ROUNDS = 3;

/** What identifies one call's request (the batch line's body, the synchronous call's): model, messages, answer shape, settings. */
export function requestFingerprint(request: { model: string; messages: Message[]; schemaName: string; temperature?: number; maxTokens?: number }): string {
  return cacheKey({ model: request.model, messages: request.messages, schema: request.schemaName, temperature: request.temperature, maxTokens: request.maxTokens });
}

function chatRequestOf(model: string, request: TaskRequest): ChatRequest {
  return {
    model,
    messages: request.messages,
    schema: request.responseSchema ?? request.schema,
    schemaName: request.schemaName,
    temperature: request.temperature,
    maxTokens: request.maxTokens,
    label: request.label,
  };
}

/**
 * The provider, with the answers batches brought back put in front of it: a call whose request a
 * batch answered gets that answer (once, no usage: the batch paid for it) instead of going out.
 * Everything after it (repairs of an invalid batch answer) and every other call goes to the provider.
 */
export class BatchAnswers implements ChatModel {
  readonly server: string;
  /** Batch answers handed out (each counted as a call by the repair loop; paid at the batch rate). */
  replayed = 0;
  /** Synchronous repairs (of a batch answer, or its part of a joint one, and the soft-finding retry). */
  repairs = 0;
  private readonly used = new Set<string>();
  private readonly refused = new Map<string, string>();

  constructor(readonly provider: ChatModel, private readonly cache: Cache) {
    this.server = provider.server;
  }

  /** Calls with this fingerprint fail with `reason` instead of going out (a task left for a later batch). */
  refuse(fingerprint: string, reason: string): void {
    this.refused.set(fingerprint, reason);
  }

  async complete(request: ChatRequest): Promise<ChatAnswer> {
    const fingerprint = requestFingerprint(request);
    const reason = this.refused.get(fingerprint);
    if (reason) throw new ProviderError(reason, "permanent");
    if (!this.used.has(fingerprint)) {
      const stored = this.cache.batchAnswer<ChatAnswer>(fingerprint);
      if (stored) {
        this.used.add(fingerprint);
        this.replayed++;
        return { ...stored.answer, usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0 } };
      }
    }
    const answer = await this.provider.complete(request);
    if (request.repair) this.repairs++;
    return answer;
  }

  probe(model: string): Promise<void> {
    return this.provider.probe(model);
  }
}

export interface ViaBatchOptions {
  pipeline: Pipeline;
  /** The provider: must offer the Batch API (BatchCapable). */
  provider: ChatModel;
  cache: Cache;
  /** The pipeline's client: tasks a batch left undone are refused there (unless `unfinished` is "sync"). */
  answers: BatchAnswers;
  /** Wait for the batches to finish (false: --no-wait). */
  wait: boolean;
  /** What happens to tasks an expired or cancelled batch did not run: a new batch (default) or the synchronous path. */
  unfinished?: "resubmit" | "sync";
  /** Requests and bytes per batch (default BATCH_LIMITS). */
  maxRequests?: number;
  maxBytes?: number;
  poll?: { firstMs: number; maxMs: number };
  /**
   * --max-cost: lines are submitted while their estimated cost (prompt tokens counted, answers
   * guessed, at the batch rate: `costOf`) stays within `usd`; the tasks of the lines beyond it are
   * refused for this run (not done synchronously either).
   */
  budget?: { usd: number; costOf: (tokens: { promptTokens: number; cachedTokens: number; completionTokens: number }) => number };
  /** The command that made the batch, for `newsdesk batches resume`. */
  command?: { argv: string[]; cwd: string };
  signal?: AbortSignal;
  /** Progress and notes, one line each. */
  say?: (line: string) => void;
}

export interface ViaBatchResult {
  /** collected: every batch these tasks are in is in the cache file (run the pipeline now); waiting: batches still run (--no-wait); interrupted: stopped waiting. */
  state: "collected" | "waiting" | "interrupted";
  /** Batches this run created. */
  submitted: string[];
  /** Batches still running when this run stopped waiting. */
  running: string[];
  /** Tasks sent in the batches this run created. */
  sent: number;
  /** Tasks the plan found in the cache already, or asked for twice. */
  cacheHits: number;
  /** Tasks of long articles (split into chunks: later calls depend on earlier answers), left to the synchronous path. */
  chunked: number;
  /** Lines collected this run: answers, failed lines (asked again synchronously), tasks the batch did not run, unreadable lines. */
  collected: { batches: number; answers: number; failed: number; unfinished: number; unreadable: number };
  /** What the collected answers cost: tokens at the batch rate. */
  usage: Usage;
  /** Tasks refused for this run: their batch ended before they ran (rerun to resubmit, or --unfinished sync). */
  leftOver: number;
  /** Lines not submitted: their estimated cost would have passed --max-cost (their tasks are refused for this run). */
  overBudget: number;
  /** The estimated cost of the lines this run submitted (batch rate). */
  estimatedUsd: number;
}

/**
 * Plans, submits, waits for and collects the batches of a run. Afterwards the normal pipeline
 * produces the results: tasks answered by a batch come from BatchAnswers, the rest synchronously.
 */
export async function viaBatch(items: () => AsyncIterable<ReadItem>, options: ViaBatchOptions): Promise<ViaBatchResult> {
  const provider = options.provider;
  if (!isBatchCapable(provider)) {
    throw new ConfigError(`--via batch: the provider at ${provider.server} has no Batch API in newsdesk (only OpenAI's has); run without --via batch`);
  }
  const say = options.say ?? (() => {});
  const result: ViaBatchResult = {
    state: "collected", submitted: [], running: [], sent: 0, cacheHits: 0, chunked: 0,
    collected: { batches: 0, answers: 0, failed: 0, unfinished: 0, unreadable: 0 }, usage: emptyUsage(), leftOver: 0, overBudget: 0, estimatedUsd: 0,
  };
  // A server without the Batch API says so here, before anything is written or uploaded.
  const listed = await provider.listBatches(100);
  await adoptPending(provider, options.cache, listed, say);

  const collectedNow: string[] = [];
  for (let round = 1; ; round++) {
    const open = await planAndSubmit(items(), provider, options, result, round === 1);
    const state = await waitFor(open, provider, options, result, collectedNow, say);
    if (state !== "collected") {
      result.state = state;
      return result;
    }
    // Tasks an expired or cancelled batch never ran: another round, while rounds make progress.
    const unfinished = collectedNow.flatMap((id) => options.cache.unansweredBatchTasks(id)).filter((t) => options.cache.batchState(t.key)?.state === "unfinished");
    if (unfinished.length === 0 || options.unfinished === "sync" || !options.wait || round >= MAX_ROUNDS || !anyAnswered(collectedNow, options.cache)) break;
    say(`newsdesk: ${unfinished.length} task${unfinished.length === 1 ? "" : "s"} not run by the batch${collectedNow.length === 1 ? "" : "es"}; submitting them again`);
    collectedNow.length = 0;
  }
  if (options.unfinished !== "sync") refuseLeftovers(collectedNow, options, result);
  return result;
}

/** Whether the batches just collected answered anything (a round that answered nothing is not repeated). */
function anyAnswered(batches: string[], cache: Cache): boolean {
  return batches.some((id) => (cache.batch(id)?.counts.completed ?? 0) > 0);
}

/** Tasks a batch left undone stay undone in this run (failed, with a way out), never silently at the full price. */
function refuseLeftovers(batches: string[], options: ViaBatchOptions, result: ViaBatchResult) {
  for (const id of batches) {
    const record = options.cache.batch(id);
    for (const task of options.cache.unansweredBatchTasks(id)) {
      if (options.cache.batchState(task.key)?.state !== "unfinished" || options.cache.has(task.key)) continue;
      options.answers.refuse(
        task.fingerprint,
        `not done: batch ${id} ended (${record?.status ?? "unknown"}) before it ran; run the same command again to resubmit it, or add --unfinished sync to do it synchronously`,
      );
      result.leftOver++;
    }
  }
}

/** A batch recorded before the provider named it (the process died in between): find it at the provider, or create it now. */
async function adoptPending(provider: ChatModel & BatchCapable, cache: Cache, listed: RemoteBatch[], say: (line: string) => void) {
  for (const record of cache.batches(1000)) {
    if (!record.id.startsWith("pending:") || !record.inputFile) continue;
    const found = listed.find((b) => b.inputFileId === record.inputFile) ?? (await provider.createBatch(record.inputFile, { newsdesk_input: record.inputFile }));
    cache.renameBatch(record.id, found.id);
    cache.updateBatch(found.id, { status: found.status, counts: found.counts });
    say(`newsdesk: batch ${found.id} (recorded before its creation was confirmed) picked up`);
  }
}

/** One JSONL file being written: at most maxRequests lines and maxBytes bytes. */
interface Part {
  file: string;
  fd: number;
  lines: number;
  bytes: number;
  tasks: BatchTaskInput[];
}

/** Reads the inputs, plans every article as the pipeline would, and submits what is neither cached, answered nor already in a batch. */
/** Returns the batches the planned tasks wait on (created now, or by an earlier process). */
async function planAndSubmit(items: AsyncIterable<ReadItem>, provider: ChatModel & BatchCapable, options: ViaBatchOptions, result: ViaBatchResult, count: boolean): Promise<Set<string>> {
  const { pipeline, cache } = options;
  const maxRequests = options.maxRequests ?? BATCH_LIMITS.requests;
  const maxBytes = options.maxBytes ?? BATCH_LIMITS.bytes;
  const open = new Set<string>();
  const seen = new Set<string>();
  const dir = mkdtempSync(path.join(os.tmpdir(), "newsdesk-batch-"));
  const parts: Part[] = [];
  let part: Part | null = null;
  const targets = pipeline.targets();
  try {
    for await (const item of items) {
      if ("error" in item) continue; // said by the pipeline's run
      const article = item.article;
      // Each job's call (a job in chunks is left to the synchronous path: its later calls are built from earlier answers).
      const calls: PlannedCall[] = [];
      for (const kind of pipeline.tasks) {
        const task = taskFor(kind);
        for (const job of task.jobs(article, targets)) {
          const planned = task.plan(pipeline.context, article, job);
          if (planned.length > 1 && count) result.chunked += planned.length;
          if (planned.length === 1) calls.push(planned[0]!);
        }
      }
      // What is neither asked twice, cached, nor in a batch already.
      const wanted = calls.filter((call) => {
        const { request } = call;
        if (seen.has(request.key) || isCached(call, cache)) {
          if (count) result.cacheHits++;
          return false;
        }
        seen.add(request.key);
        return true;
      });
      // As the synchronous run does (tasks/article-calls.ts): a short article's calls are one joint
      // line, unless a part is in a batch of its own already (made before joint calls existed).
      const together = !pipeline.joins || wanted.some((c) => cache.batchState(c.request.key)) ? [] : joinable(wanted.map((c) => c.request));
      const lines: { key: string; chat: ChatRequest; task: string; completionTokens: number }[] = [];
      if (together.length) {
        const joint = jointRequest(together, pipeline.model);
        lines.push({
          key: cacheKey({ joint: together.map((r) => r.key) }),
          chat: joint,
          task: together.map((r) => r.task).join("+"),
          completionTokens: wanted.filter((c) => together.includes(c.request)).reduce((sum, c) => sum + c.completionTokens, 0),
        });
      }
      for (const { request, completionTokens } of wanted) {
        if (!together.includes(request)) lines.push({ key: request.key, chat: chatRequestOf(pipeline.model, request), task: request.task, completionTokens });
      }
      for (const { key, chat, task, completionTokens } of lines) {
        const state = cache.batchState(key);
        if (state?.state === "open") {
          open.add(state.batch);
          continue;
        }
        // Answered (the pipeline takes it from there), or its line failed (asked synchronously).
        if (state?.state === "answered" || state?.state === "failed") continue;
        if (state?.state === "unfinished" && options.unfinished === "sync") continue;
        if (options.budget) {
          const usd = lineCost(chat, completionTokens, options.budget.costOf);
          if (result.overBudget || result.estimatedUsd + usd > options.budget.usd) {
            if (count) result.overBudget++;
            options.answers.refuse(requestFingerprint(chat), `not done: the batch reached --max-cost $${options.budget.usd} (estimated); run again with a higher --max-cost for the rest`);
            continue;
          }
          result.estimatedUsd += usd;
        }
        const line = JSON.stringify({ custom_id: key, method: "POST", url: provider.batchEndpoint, body: provider.batchBody(chat) }) + "\n";
        const bytes = Buffer.byteLength(line);
        if (part && (part.lines >= maxRequests || part.bytes + bytes > maxBytes)) {
          closeSync(part.fd);
          parts.push(part);
          part = null;
        }
        if (!part) {
          const file = path.join(dir, `batch-${parts.length + 1}.jsonl`);
          part = { file, fd: openSync(file, "w"), lines: 0, bytes: 0, tasks: [] };
        }
        writeSync(part.fd, line);
        part.lines++;
        part.bytes += bytes;
        part.tasks.push({ key, fingerprint: requestFingerprint(chat), task, label: chat.label ?? task, article: article.id });
      }
    }
    if (part) {
      closeSync(part.fd);
      parts.push(part);
    }
    for (const p of parts) {
      const id = await submit(p, provider, options);
      open.add(id);
      result.submitted.push(id);
      result.sent += p.lines;
    }
    return open;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A line's estimated cost: its prompt tokens counted as --dry-run counts them, its answer guessed. */
function lineCost(chat: ChatRequest, completionTokens: number, costOf: NonNullable<ViaBatchOptions["budget"]>["costOf"]): number {
  const { prompt } = requestTokens({ messages: chat.messages, responseSchema: chat.schema, schemaName: chat.schemaName });
  return costOf({ promptTokens: prompt, cachedTokens: 0, completionTokens: chat.maxTokens ? Math.min(chat.maxTokens, completionTokens) : completionTokens });
}

/** Uploads one file and creates its batch; recorded before the batch exists, so a process that dies in between loses nothing. */
async function submit(part: Part, provider: ChatModel & BatchCapable, options: ViaBatchOptions): Promise<string> {
  const { cache } = options;
  const file = await provider.uploadFile(part.file);
  const pending = `pending:${file.id}`;
  cache.recordBatch(
    { id: pending, server: provider.server, model: options.pipeline.model, status: "submitting", inputFile: file.id, command: options.command?.argv, cwd: options.command?.cwd },
    part.tasks,
  );
  const batch = await provider.createBatch(file.id, { newsdesk_input: file.id });
  cache.renameBatch(pending, batch.id);
  cache.updateBatch(batch.id, { status: batch.status, counts: { ...batch.counts, total: batch.counts.total || part.lines } });
  options.say?.(`newsdesk: submitted batch ${batch.id}: ${part.lines} request${part.lines === 1 ? "" : "s"}, ${part.bytes < 1e6 ? `${Math.ceil(part.bytes / 1e3)} kB` : `${(part.bytes / 1e6).toFixed(1)} MB`}`);
  return batch.id;
}

/** Polls the open batches with backoff until each is final, collecting each as it gets there. */
async function waitFor(
  open: Set<string>,
  provider: ChatModel & BatchCapable,
  options: ViaBatchOptions,
  result: ViaBatchResult,
  collectedNow: string[],
  say: (line: string) => void,
): Promise<ViaBatchResult["state"]> {
  const poll = options.poll ?? DEFAULT_POLL;
  let delay = poll.firstMs;
  const shown = new Map<string, string>();
  for (;;) {
    for (const id of [...open]) {
      let batch: RemoteBatch;
      try {
        batch = await provider.retrieveBatch(id);
      } catch (error) {
        if (error instanceof ProviderError && (error.kind === "transient" || error.kind === "rate")) {
          say(`newsdesk: batch ${id}: ${describeError(error)}; asking again later`);
          continue;
        }
        throw error;
      }
      options.cache.updateBatch(id, { status: batch.status, counts: batch.counts, outputFile: batch.outputFileId, errorFile: batch.errorFileId, errors: batch.errors });
      const line = progressLine(batch);
      if (shown.get(id) !== line) {
        shown.set(id, line);
        say(line);
      }
      if (FINAL_BATCH_STATES.includes(batch.status)) {
        await collect(batch, provider, options, result);
        collectedNow.push(id);
        open.delete(id);
      }
    }
    if (open.size === 0) return "collected";
    if (!options.wait) {
      result.running = [...open];
      return "waiting";
    }
    if (!(await sleep(delay, options.signal))) {
      result.running = [...open];
      return "interrupted";
    }
    delay = Math.min(poll.maxMs, Math.round(delay * 1.5));
  }
}

function progressLine(batch: RemoteBatch): string {
  const { total, completed, failed } = batch.counts;
  const errors = batch.errors.length ? ` (${batch.errors.slice(0, 2).join("; ")})` : "";
  return `newsdesk: batch ${batch.id}: ${batch.status}, ${completed}/${total} done, ${failed} failed${errors}`;
}

/** Streams a final batch's output and error files into the cache file: answers, failed lines, tasks it never ran. */
async function collect(batch: RemoteBatch, provider: ChatModel & BatchCapable, options: ViaBatchOptions, result: ViaBatchResult) {
  const { cache } = options;
  const usage = emptyUsage();
  let rows: { key: string; answer?: unknown; error?: string }[] = [];
  const flush = () => {
    if (rows.length) cache.storeBatchResults(batch.id, rows);
    rows = [];
  };
  for (const fileId of [batch.outputFileId, batch.errorFileId]) {
    if (!fileId) continue;
    for await (const text of provider.fileLines(fileId)) {
      const line = provider.readBatchLine(text);
      if (line.customId === null) {
        result.collected.unreadable++;
      } else if ("answer" in line) {
        rows.push({ key: line.customId, answer: line.answer });
        addUsage(usage, answerUsage(line.answer));
        result.collected.answers++;
      } else if (line.unfinished) {
        rows.push({ key: line.customId, error: UNFINISHED + line.error });
      } else {
        rows.push({ key: line.customId, error: line.error });
        result.collected.failed++;
      }
      if (rows.length >= 500) flush();
    }
  }
  flush();
  const never = cache.unansweredBatchTasks(batch.id).length;
  result.collected.unfinished += never;
  result.collected.batches++;
  cache.markBatchCollected(batch.id, usage);
  addUsage(result.usage, usage);
}

/** Waits `ms`; false when the signal aborted the wait. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** `batches status|cancel`: the provider's view of one batch, recorded in the cache file. */
export async function refreshBatch(provider: ChatModel, cache: Cache | null, id: string, action: "status" | "cancel"): Promise<RemoteBatch> {
  if (!isBatchCapable(provider)) throw new ConfigError(`the provider at ${provider.server} has no Batch API in newsdesk`);
  const batch = action === "cancel" ? await provider.cancelBatch(id) : await provider.retrieveBatch(id);
  if (cache?.batch(id)) cache.updateBatch(id, { status: batch.status, counts: batch.counts, outputFile: batch.outputFileId, errorFile: batch.errorFileId, errors: batch.errors });
  return batch;
}
