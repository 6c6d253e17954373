// The digest of an article: one call for every language, each language's part also cached on
// its own; articles too long for one call are digested from their chunks' digests.
import type { Article } from "../core/types.ts";
import { addUsage, emptyUsage } from "../core/types.ts";
import type { Pipeline } from "../run/pipeline.ts";
import type { Digest } from "./schemas.ts";
import { digestPartRequests, digestRequest } from "./request.ts";
import { DEFAULT_CONTEXT_TOKENS, PROMPT_OVERHEAD_TOKENS, chunkParagraphs } from "./chunking.ts";
import { countTokens, fitsInTokens } from "../core/tokens.ts";
import { cachedOutcome, combine, runTask, type TaskOutcome, cacheMeta } from "./run-task.ts";

/**
 * One digest call for all languages. Each language's part is also cached under the key of a
 * digest for that language alone, so `newsletter --lang de` after `summarize --lang de,en` is free.
 * An article too long for one call is digested in chunks first (map), then from those (reduce).
 */
export async function digestArticle(pipeline: Pipeline, article: Article, targets: Record<string, string>): Promise<TaskOutcome<Digest>> {
  const { options, context } = pipeline;
  const whole = digestRequest(context, article, targets);
  const hit = cachedOutcome<Digest>(pipeline, whole);
  if (hit) return hit;
  const parts = digestPartRequests(context, article, targets);
  const cachedParts = parts.map(({ lang, request }) => ({ lang, entry: options.cache?.get<Digest>(request.key) }));
  if (parts.length && cachedParts.every(({ entry }) => entry)) {
    const value: Digest = {};
    const warnings: string[] = [];
    for (const { lang, entry } of cachedParts) {
      value[lang] = entry!.value[lang]!;
      warnings.push(...entry!.warnings);
    }
    return { value, warnings, usage: { ...emptyUsage(), cacheHits: 1 } };
  }

  const source = await reducedForDigest(pipeline, article);
  const outcome = combine(source.outcomes, null);
  const request = source.article === article ? whole : digestRequest(context, source.article, targets);
  const result = await runTask<Digest>(pipeline, request);
  for (const { lang, request } of parts) {
    const prefix = `${lang}: `;
    options.cache?.set(request.key, cacheMeta(request, options.model), {
      value: { [lang]: result.value[lang]! },
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
  if (fitsInTokens(article.paragraphs, budget)) return { article, outcomes: [] };
  const chunks = chunkParagraphs(article.paragraphs, Math.max(50, budget), countTokens);
  const outcomes = await Promise.all(
    chunks.map((chunk) =>
      runTask<Digest>(pipeline, digestRequest(context, { ...article, paragraphs: chunk.paragraphs }, { [article.lang]: article.lang })),
    ),
  );
  const paragraphs = outcomes.map((o) => {
    const part = o.value[article.lang]!;
    return [part.summary, ...part.keyPoints].join(" ");
  });
  return { article: { ...article, paragraphs }, outcomes };
}
