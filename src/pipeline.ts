// Plans and runs the tasks of one article: a translation per language the article is not in,
// one digest for all languages; each task goes cache -> model -> checks -> cache.
import pLimit from "p-limit";
import type { z } from "zod";
import { addUsage, emptyUsage, type Article, type ArticleResult, type LanguageResult, type Usage } from "./types.ts";
import { requestStructured, type ModelClient } from "./model.ts";
import type { Cache } from "./cache.ts";
import { loadPromptSet, type PromptSet } from "./prompts.ts";
import { baseLanguage } from "./language.ts";
import { targetFor } from "./styles.ts";
import { applyHouseStyle } from "./checks/index.ts";
import { digestRequest, translateRequest, type TaskContext, type TaskRequest } from "./tasks.ts";
import type { GlossaryEntry } from "./glossary.ts";
import type { Digest, Translation } from "./schemas.ts";
import { TruncatedError } from "./errors.ts";
import { countTokens, fitsWithoutCounting } from "./tokens.ts";
import { chunkParagraphs, joinChunks, translationBudget } from "./chunking.ts";

export type TaskKind = "translate" | "digest";

/** Runs a model call under the batch's concurrency limit. */
export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

export interface PipelineOptions {
  client: ModelClient;
  model: string;
  /** null: no cache (--no-cache). */
  cache: Cache | null;
  /** Requested languages, e.g. ["de", "en"]; the result's `languages` keys. */
  languages: string[];
  /** Regional variants applied to matching languages: ["de-CH"] turns "de" into de-CH. */
  variants?: string[];
  /** Which tasks to run: `run` does both, `summarize`/`newsletter` only the digest. */
  tasks?: TaskKind[];
  prompts?: PromptSet;
  glossary?: GlossaryEntry[];
  repairs?: number;
  /** The model's context window in tokens, for splitting long articles (default 128,000). */
  contextTokens?: number;
  /** Article tokens per translation call; by default derived from the context and the prompt's max_tokens. */
  chunkTokens?: number;
  /** Model calls at once across everything this pipeline runs (default 8). */
  concurrency?: number;
  limiter?: Limiter;
  signal?: AbortSignal;
  /** Called when a task finishes: from the cache (`cached`) or the model. */
  onTask?: (event: { article: Article; label: string; cached: boolean }) => void;
}

/** A prepared pipeline: prompts loaded once, one limiter and one in-flight table across a batch. */
export interface Pipeline {
  options: PipelineOptions;
  context: TaskContext;
  limiter: Limiter;
  inFlight: Map<string, Promise<TaskOutcome<unknown>>>;
}

interface TaskOutcome<T> { value: T; warnings: string[]; usage: Usage }

export function createPipeline(options: PipelineOptions): Pipeline {
  const prompts = options.prompts ?? loadPromptSet();
  const limit = pLimit(Math.max(1, options.concurrency ?? 8));
  return {
    options,
    context: { prompts, model: options.model, glossary: options.glossary ?? [] },
    limiter: options.limiter ?? ((fn) => limit(fn)),
    inFlight: new Map(),
  };
}

/** Everything `run` does for one article. Throws when a task fails; finished tasks stay cached. */
export async function processArticle(article: Article, pipelineOrOptions: Pipeline | PipelineOptions): Promise<ArticleResult> {
  const pipeline = "inFlight" in pipelineOrOptions ? pipelineOrOptions : createPipeline(pipelineOrOptions);
  const { options } = pipeline;
  const tasks = options.tasks ?? ["translate", "digest"];
  const targets: Record<string, string> = {};
  for (const lang of options.languages) targets[lang] = targetFor(lang, options.variants);

  const usage = emptyUsage();
  const warnings: string[] = [];
  const languages: Record<string, Partial<LanguageResult>> = {};
  for (const lang of options.languages) languages[lang] = {};

  const jobs: Promise<void>[] = [];
  if (tasks.includes("translate")) {
    for (const [lang, target] of Object.entries(targets)) {
      if (baseLanguage(target) === article.lang) {
        languages[lang]!.title = applyHouseStyle(article.title, target);
        languages[lang]!.paragraphs = article.paragraphs.map((p) => applyHouseStyle(p, target));
        continue;
      }
      jobs.push(
        translateArticle(pipeline, article, target).then((outcome) => {
          addUsage(usage, outcome.usage);
          warnings.push(...outcome.warnings.map((w) => `translate ${lang}: ${w}`));
          languages[lang]!.title = applyHouseStyle(outcome.value.title, target);
          languages[lang]!.paragraphs = outcome.value.paragraphs.map((p) => applyHouseStyle(p, target));
        }),
      );
    }
  }
  if (tasks.includes("digest")) {
    jobs.push(
      digestArticle(pipeline, article, targets).then((outcome) => {
        addUsage(usage, outcome.usage);
        warnings.push(...outcome.warnings.map((w) => `digest ${w}`));
        for (const [lang, target] of Object.entries(targets)) {
          const digest = outcome.value[lang]!;
          const style = (s: string) => applyHouseStyle(s, target);
          Object.assign(languages[lang]!, {
            summary: style(digest.summary),
            keyPoints: digest.keyPoints.map(style),
            snippet: { headline: style(digest.snippet.headline), teaser: style(digest.snippet.teaser) },
          });
        }
      }),
    );
  }
  // Wait for every task, so each finished one reaches the cache, then report the first failure.
  const settled = await Promise.allSettled(jobs);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;

  return {
    id: article.id,
    source: {
      path: article.source.path,
      lang: article.lang,
      title: article.title,
      published: article.published,
      credit: article.credit,
      url: article.url,
    },
    languages,
    usage,
    warnings,
  };
}

const DEFAULT_CONTEXT_TOKENS = 128_000;
/** Room for the house and task instructions around the article. */
const PROMPT_OVERHEAD_TOKENS = 1_500;
/** How often a truncated translation is split again before the article fails. */
const MAX_SPLITS = 4;

function articleTokens(paragraphs: string[]): number {
  return paragraphs.reduce((sum, p) => sum + countTokens(p), 0);
}

function fits(paragraphs: string[], budget: number): boolean {
  return fitsWithoutCounting(paragraphs, budget) || articleTokens(paragraphs) <= budget;
}

function translationChunkTokens(pipeline: Pipeline): number {
  const { options, context } = pipeline;
  return (
    options.chunkTokens ??
    translationBudget({
      contextTokens: options.contextTokens ?? DEFAULT_CONTEXT_TOKENS,
      maxOutputTokens: context.prompts.translate.settings.max_tokens ?? 16_000,
      overheadTokens: PROMPT_OVERHEAD_TOKENS,
    })
  );
}

function combine<T>(outcomes: TaskOutcome<unknown>[], value: T): TaskOutcome<T> {
  const usage = emptyUsage();
  for (const o of outcomes) addUsage(usage, o.usage);
  return { value, usage, warnings: outcomes.flatMap((o) => o.warnings) };
}

/**
 * The whole article in one call when it fits the budget; otherwise paragraph-aligned chunks in
 * order, each told how the previous one ended, so terms stay the same. A truncated answer
 * (finish_reason "length") is retried in smaller pieces rather than failing.
 */
async function translateArticle(pipeline: Pipeline, article: Article, target: string): Promise<TaskOutcome<Translation>> {
  const budget = translationChunkTokens(pipeline);
  const chunks = fits(article.paragraphs, budget) ? null : chunkParagraphs(article.paragraphs, budget, countTokens);
  if (!chunks) return translatePieces(pipeline, article, target, article.paragraphs, undefined, budget, 0);

  const outcomes: TaskOutcome<Translation>[] = [];
  let context: string | undefined;
  for (const chunk of chunks) {
    const outcome = await translatePieces(pipeline, article, target, chunk.paragraphs, context, budget, 0);
    outcomes.push(outcome);
    context = outcome.value.paragraphs.at(-1);
  }
  const paragraphs = joinChunks(chunks, outcomes.map((o) => o.value.paragraphs));
  return combine(outcomes, { title: outcomes[0]!.value.title, paragraphs });
}

async function translatePieces(
  pipeline: Pipeline,
  article: Article,
  target: string,
  pieces: string[],
  context: string | undefined,
  budget: number,
  splits: number,
): Promise<TaskOutcome<Translation>> {
  const whole = pieces === article.paragraphs;
  const request = translateRequest(pipeline.context, article, target, whole ? undefined : { paragraphs: pieces, context });
  try {
    return await runTask<Translation>(pipeline, article, request);
  } catch (error) {
    if (!(error instanceof TruncatedError) || splits >= MAX_SPLITS) throw error;
    const smaller = Math.max(50, Math.floor(Math.min(budget, articleTokens(pieces)) / 2));
    const chunks = chunkParagraphs(pieces, smaller, countTokens);
    if (chunks.length < 2) throw error;
    const outcomes: TaskOutcome<Translation>[] = [];
    let previous = context;
    for (const chunk of chunks) {
      const outcome = await translatePieces(pipeline, article, target, chunk.paragraphs, previous, smaller, splits + 1);
      outcomes.push(outcome);
      previous = outcome.value.paragraphs.at(-1);
    }
    const paragraphs = joinChunks(chunks, outcomes.map((o) => o.value.paragraphs));
    return combine(outcomes, { title: outcomes[0]!.value.title, paragraphs });
  }
}

/**
 * One digest call for all languages. Each language's part is also cached under the key of a
 * digest for that language alone, so `newsletter --lang de` after `summarize --lang de,en` is free.
 * An article too long for one call is digested in chunks first (map), then from those (reduce).
 */
async function digestArticle(pipeline: Pipeline, article: Article, targets: Record<string, string>): Promise<TaskOutcome<Digest>> {
  const { options, context } = pipeline;
  const keys = Object.keys(targets);
  const whole = digestRequest(context, article, targets);
  const hit = cachedOutcome<Digest>(pipeline, article, whole);
  if (hit) return hit;
  const singles = keys.length > 1 ? keys.map((k) => [k, digestRequest(context, article, { [k]: targets[k]! })] as const) : [];
  const cachedSingles = singles.map(([k, request]) => [k, options.cache?.get<Digest>(request.key)] as const);
  if (singles.length && cachedSingles.every(([, entry]) => entry)) {
    const value: Digest = {};
    const warnings: string[] = [];
    for (const [k, entry] of cachedSingles) {
      value[k] = entry!.value[k]!;
      warnings.push(...entry!.warnings);
    }
    return { value, warnings, usage: { ...emptyUsage(), cacheHits: 1 } };
  }

  const source = await reducedForDigest(pipeline, article);
  const outcome = combine(source.outcomes, null);
  const request = source.article === article ? whole : digestRequest(context, source.article, targets);
  const result = await runTask<Digest>(pipeline, article, request);
  for (const [k, request] of singles) {
    const prefix = `${k}: `;
    options.cache?.set(request.key, { task: "digest", model: options.model }, {
      value: { [k]: result.value[k]! },
      warnings: result.warnings.filter((w) => w.startsWith(prefix)),
    });
  }
  addUsage(outcome.usage, result.usage);
  return { value: result.value, usage: outcome.usage, warnings: [...outcome.warnings, ...result.warnings] };
}

/** The article itself when it fits one digest call, else an article made of its chunks' digests. */
async function reducedForDigest(pipeline: Pipeline, article: Article): Promise<{ article: Article; outcomes: TaskOutcome<unknown>[] }> {
  const { options, context } = pipeline;
  const budget = (options.contextTokens ?? DEFAULT_CONTEXT_TOKENS) - PROMPT_OVERHEAD_TOKENS - (context.prompts.digest.settings.max_tokens ?? 4_000);
  if (fits(article.paragraphs, budget)) return { article, outcomes: [] };
  const chunks = chunkParagraphs(article.paragraphs, Math.max(50, budget), countTokens);
  const outcomes = await Promise.all(
    chunks.map((chunk) =>
      runTask<Digest>(pipeline, article, digestRequest(context, { ...article, paragraphs: chunk.paragraphs }, { [article.lang]: article.lang })),
    ),
  );
  const paragraphs = outcomes.map((o) => {
    const part = o.value[article.lang]!;
    return [part.summary, ...part.keyPoints].join(" ");
  });
  return { article: { ...article, paragraphs }, outcomes };
}

/** Cache first; identical work already in flight is shared (single-flight on the cache key). */
function cachedOutcome<T>(pipeline: Pipeline, article: Article, request: TaskRequest<z.ZodType>): TaskOutcome<T> | undefined {
  const cached = pipeline.options.cache?.get<T>(request.key);
  if (!cached) return undefined;
  pipeline.options.onTask?.({ article, label: request.label, cached: true });
  return { value: cached.value, warnings: cached.warnings, usage: { ...emptyUsage(), cacheHits: 1 } };
}

function runTask<T>(pipeline: Pipeline, article: Article, request: TaskRequest<z.ZodType>): Promise<TaskOutcome<T>> {
  const { options } = pipeline;
  const cached = cachedOutcome<T>(pipeline, article, request);
  if (cached) return Promise.resolve(cached);
  const running = pipeline.inFlight.get(request.key);
  if (running) {
    return running.then((outcome) => ({ ...outcome, usage: { ...emptyUsage(), cacheHits: 1 } })) as Promise<TaskOutcome<T>>;
  }
  const promise = pipeline
    .limiter(() =>
      requestStructured(options.client, {
        model: options.model,
        messages: request.messages,
        schema: request.schema,
        schemaName: request.schemaName,
        temperature: request.temperature,
        maxTokens: request.maxTokens,
        check: request.check,
        repairs: options.repairs,
        signal: options.signal,
      }),
    )
    .then((result) => {
      options.cache?.set(request.key, { task: request.task, model: options.model }, { value: result.value, warnings: result.warnings });
      options.onTask?.({ article, label: request.label, cached: false });
      return { value: result.value as T, warnings: result.warnings, usage: result.usage };
    })
    .catch((error: unknown) => {
      if (error instanceof Error) error.message = `${request.label}: ${error.message}`;
      throw error;
    })
    .finally(() => pipeline.inFlight.delete(request.key));
  pipeline.inFlight.set(request.key, promise as Promise<TaskOutcome<unknown>>);
  return promise;
}
