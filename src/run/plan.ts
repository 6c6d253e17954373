// --dry-run: reads the inputs and plans the batch the way the pipeline would run it (same
// requests, same cache keys), counts prompt tokens with the real tokenizer and estimates the
// cost; makes no model call and needs no server.
import type { ReadItem } from "../article/index.ts";
import type { Cache } from "../core/cache.ts";
import { baseLanguage } from "../core/language.ts";
import { jsonSchemaOf } from "../model/openai.ts";
import type { TaskKind } from "./pipeline.ts";
import type { Message } from "../core/prompts.ts";
import { targetFor } from "../core/styles.ts";
import { digestPartRequests, digestRequest, translateRequest, type TaskContext, type TaskRequest } from "../tasks/request.ts";
import { countTokens, fitsInTokens, paragraphTokens } from "../core/tokens.ts";
import { chunkParagraphs } from "../tasks/chunking.ts";
import { translationChunkTokens } from "../tasks/translate.ts";
import type { Article } from "../core/types.ts";
import { sourceLabel, type Failure } from "./batch.ts";

export interface PlanOptions {
  context: TaskContext;
  cache: Cache | null;
  languages: string[];
  variants?: string[];
  tasks: TaskKind[];
  /** As in the pipeline: long articles are translated in chunks (see translation.ts). */
  chunkTokens?: number;
  contextTokens?: number;
}

export interface BatchPlan {
  articles: number;
  /** Tasks in the batch (translate + digest), cache hits included. */
  tasks: number;
  /** Model calls to make: tasks neither cached nor repeated within the batch. */
  calls: number;
  cacheHits: number;
  /** Tokens of the calls to make (estimates: prompt counted with o200k, completion guessed). */
  promptTokens: number;
  /** Of those, the shared article prefix a provider's prompt cache would likely bill cheaper. */
  cachedTokens: number;
  completionTokens: number;
  byTask: Record<string, number>;
  failures: Failure[];
}

// Tokens a chat message costs beyond its text (role, separators), as OpenAI documents roughly.
const PER_MESSAGE = 4;
const PER_REQUEST = 3;
// Guessed answer sizes: a translation is about as long as its source (German a little longer);
// a digest is a summary, points and a snippet per language.
const TRANSLATION_FACTOR = 1.25;
const DIGEST_TOKENS_PER_LANGUAGE = 220;

const schemaTokens = new WeakMap<object, number>();

function messageTokens(messages: Message[]): number[] {
  return messages.map((m) => countTokens(m.content) + PER_MESSAGE);
}

function requestTokens(request: TaskRequest): { prompt: number; perMessage: number[] } {
  const perMessage = messageTokens(request.messages);
  let schema = schemaTokens.get(request.responseSchema);
  if (schema === undefined) {
    schema = countTokens(JSON.stringify(jsonSchemaOf(request.responseSchema, request.schemaName)));
    schemaTokens.set(request.responseSchema, schema);
  }
  return { prompt: perMessage.reduce((a, b) => a + b, 0) + PER_REQUEST + schema, perMessage };
}

/** A request processArticle would make, with the source tokens it translates (0 for a digest). */
interface PlannedRequest { request: TaskRequest; sourceTokens: number }

/**
 * The requests processArticle would make for this article. A long article's translation is one
 * request per chunk; from the second chunk on, the real prompt quotes the previous chunk's
 * translation, which a plan cannot know, so those keys never match the cache (counted as calls).
 */
export function articleRequests(article: Article, options: PlanOptions): PlannedRequest[] {
  const targets: Record<string, string> = {};
  for (const lang of options.languages) targets[lang] = targetFor(lang, options.variants);
  const requests: PlannedRequest[] = [];
  if (options.tasks.includes("translate")) {
    const budget = translationChunkTokens(options, options.context.prompts);
    const chunks = fitsInTokens(article.paragraphs, budget) ? null : chunkParagraphs(article.paragraphs, budget, countTokens);
    for (const target of Object.values(targets)) {
      if (baseLanguage(target) === article.lang) continue;
      if (!chunks) {
        requests.push({ request: translateRequest(options.context, article, target) as TaskRequest, sourceTokens: paragraphTokens([article.title, ...article.paragraphs]) });
        continue;
      }
      chunks.forEach((chunk, i) => {
        const context = i === 0 ? undefined : "(the end of the previous part's translation)";
        requests.push({
          request: translateRequest(options.context, article, target, { paragraphs: chunk.paragraphs, context }) as TaskRequest,
          sourceTokens: paragraphTokens([article.title, ...chunk.paragraphs]),
        });
      });
    }
  }
  if (options.tasks.includes("digest")) requests.push({ request: digestRequest(options.context, article, targets) as TaskRequest, sourceTokens: 0 });
  return requests;
}

export async function planBatch(items: AsyncIterable<ReadItem>, options: PlanOptions): Promise<BatchPlan> {
  const plan: BatchPlan = {
    articles: 0, tasks: 0, calls: 0, cacheHits: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0, byTask: {}, failures: [],
  };
  const planned = new Set<string>();
  for await (const item of items) {
    if ("error" in item) {
      plan.failures.push({ source: sourceLabel({ path: item.error.file, line: item.error.line }), id: null, reason: item.error.problem, kind: "input" });
      continue;
    }
    const article = item.article;
    plan.articles++;
    let previous: Message[] | null = null;
    for (const { request, sourceTokens } of articleRequests(article, options)) {
      plan.tasks++;
      if (planned.has(request.key) || isCached(request, article, options)) {
        plan.cacheHits++;
        continue;
      }
      planned.add(request.key);
      plan.calls++;
      plan.byTask[request.task] = (plan.byTask[request.task] ?? 0) + 1;
      const tokens = requestTokens(request);
      plan.promptTokens += tokens.prompt;
      if (previous) plan.cachedTokens += providerCachedPrefix(previous, request.messages, tokens.perMessage);
      previous = request.messages;
      const guess =
        request.task === "translate"
          ? Math.ceil(sourceTokens * TRANSLATION_FACTOR)
          : DIGEST_TOKENS_PER_LANGUAGE * options.languages.length;
      plan.completionTokens += request.maxTokens ? Math.min(request.maxTokens, guess) : guess;
    }
  }
  return plan;
}

/** In the cache: the task itself, or for a digest of several languages, each language's part (see pipeline.ts). */
function isCached(request: TaskRequest, article: Article, options: PlanOptions): boolean {
  const cache = options.cache;
  if (!cache) return false;
  if (cache.has(request.key)) return true;
  if (request.task !== "digest") return false;
  const targets = Object.fromEntries(options.languages.map((lang) => [lang, targetFor(lang, options.variants)]));
  const parts = digestPartRequests(options.context, article, targets);
  return parts.length > 0 && parts.every(({ request: part }) => cache.has(part.key));
}

/** Tokens of the leading messages two calls share, as OpenAI caches them: from 1,024 tokens, in 128-token steps. */
function providerCachedPrefix(earlier: Message[], later: Message[], laterTokens: number[]): number {
  let shared = 0;
  for (let i = 0; i < Math.min(earlier.length, later.length); i++) {
    if (earlier[i]!.role !== later[i]!.role || earlier[i]!.content !== later[i]!.content) break;
    shared += laterTokens[i]!;
  }
  return shared >= 1024 ? shared - (shared % 128) : 0;
}
