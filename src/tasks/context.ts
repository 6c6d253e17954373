// What a task needs: to build its requests (and plan them), and to run them.
import type { Cache } from "../core/cache.ts";
import type { GlossaryEntry } from "../core/glossary.ts";
import type { PromptSet } from "../core/prompts.ts";
import type { Article, Channel, LanguageResult, TaskKind, Usage } from "../core/types.ts";
import type { FormalitySetting } from "../core/formality.ts";
import type { ChatModel, Limiter } from "../model/provider.ts";
import type { z } from "zod";
import type { StructuredRequest, StructuredResult } from "../model/structured.ts";
import type { TaskRequest } from "./request.ts";

/** What every request of a task is built from. */
export interface TaskContext {
  prompts: PromptSet;
  model: string;
  glossary: GlossaryEntry[];
  /** The languages of the article's digest: they shape the response format every call shares. */
  languages: string[];
  /** The model's context window in tokens, for splitting long articles (default 128,000). */
  contextTokens?: number;
  /** Article tokens per translation call; by default derived from the context and the prompt's max_tokens. */
  chunkTokens?: number;
  /** Channel texts the digest also writes (--channels), in canonical order; none: the digest as before. */
  channels?: Channel[];
  /** The desk's register for German targets (--formality); none: no register line, no register check. */
  formality?: FormalitySetting;
  /** The kinds of call made for each article (the pipeline's tasks); none: translate and digest. Decides whether calls share a response format. */
  tasks?: TaskKind[];
}

/** What running a task needs besides: the model, the cache, the batch's limiter, shared work in flight. */
export interface TaskRun extends TaskContext {
  chat: ChatModel;
  /** null: no cache (--no-cache). */
  cache: Cache | null;
  limiter: Limiter;
  /** Identical work in flight, by cache key: a second article waits for the first's answer. */
  inFlight: Map<string, Promise<TaskOutcome<unknown>>>;
  repairs: number;
  signal?: AbortSignal;
  /** The article's calls (article-calls.ts): a call may wait for another's answer, or join it in one. None: each call at once. */
  calls?: CallGate;
}

/** A call as it would be made alone; `answered`: from an answer already given (its repair first). */
export type Ask = (answered?: StructuredRequest<z.ZodType<unknown>>["answered"]) => Promise<StructuredResult<unknown>>;

/** What a job's model calls go through (TaskRun.calls): runTask hands it each call it makes. */
export interface CallGate {
  ask(request: TaskRequest, alone: Ask): Promise<StructuredResult<unknown>>;
  /** The job is over: it will make no first call any more. */
  done(): void;
}

export interface TaskOutcome<T> {
  value: T;
  warnings: string[];
  usage: Usage;
}

/** One piece of work a task has for an article: the result languages it fills, each with its target ("de" -> "de-CH"). */
export interface TaskJob {
  targets: Record<string, string>;
  /** The source language's own version: no call, the cleaned original. */
  free?: boolean;
}

/** A call a task would make, as --dry-run counts it. */
export interface PlannedCall {
  request: TaskRequest;
  /** Guessed answer tokens. */
  completionTokens: number;
  /** The call is also answered when all of these are cached (e.g. each language's part of a digest). */
  alsoCachedAs?: TaskRequest[];
  /** A joint call (article-calls.ts): these calls, made as one when two or more of them are not cached. */
  members?: PlannedCall[];
}

/**
 * A kind of model task: one file in src/tasks/, one prompt file, one section in the renderers.
 * The pipeline loops over a list of these; --dry-run calls `plan`, which decides as `run` does.
 */
export interface Task<V = unknown> {
  kind: TaskRequest["task"];
  /** The work this task has for an article. */
  jobs(article: Article, targets: Record<string, string>): TaskJob[];
  /** Does one job: cache, model, checks. Warnings come back prefixed with the result language ("de: ..."). */
  run(run: TaskRun, article: Article, job: TaskJob): Promise<TaskOutcome<V>>;
  /** The calls `run` would make for this job, for --dry-run. */
  plan(context: TaskContext, article: Article, job: TaskJob): PlannedCall[];
  /** Puts a job's answer into the result's languages. */
  apply(languages: Record<string, Partial<LanguageResult>>, job: TaskJob, value: V): void;
}
