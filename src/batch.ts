// Runs many articles through one pipeline: articles are pulled from the input stream only as
// slots free up (bounded memory), a failed article is reported and the rest go on.
import type { ReadItem } from "./article/index.ts";
import type { Article, ArticleResult, Usage } from "./types.ts";
import { addUsage, emptyUsage } from "./types.ts";
import { processArticle, type Pipeline } from "./pipeline.ts";
import { describeError, usageOf } from "./errors.ts";
import { QuotaExceededError } from "./scheduler.ts";

export interface Failure {
  /** File (and line) the article or input came from. */
  source: string;
  id: string | null;
  reason: string;
  /** "input": the input could not be read; "article": its tasks failed. */
  kind: "input" | "article";
}

export interface BatchSummary {
  articles: number;
  done: number;
  failures: Failure[];
  usage: Usage;
  interrupted: boolean;
  /** Articles whose work was cancelled by an interrupt (not failures: a rerun resumes them). */
  cancelled: number;
  /** Why the batch stopped early (e.g. insufficient quota), or null. */
  stopped: string | null;
}

export interface BatchHooks {
  /** Called once per finished article, in finishing order. */
  onResult?: (result: ArticleResult, article: Article) => void | Promise<void>;
  onFailure?: (failure: Failure) => void;
  /** Called when an article is read, before it is processed. */
  onArticle?: (article: Article) => void;
  /** Called once the input is exhausted (the total is known from then on). */
  onInputEnd?: () => void;
  /** Articles processed at once; input is read no further ahead than this. */
  articlesInFlight?: number;
  signal?: AbortSignal;
}

/** "file" or "file:line" (JSONL). */
export function sourceLabel(source: { path: string; line?: number }): string {
  return source.line ? `${source.path}:${source.line}` : source.path;
}

export async function runBatch(items: AsyncIterable<ReadItem>, pipeline: Pipeline, hooks: BatchHooks = {}): Promise<BatchSummary> {
  const summary: BatchSummary = {
    articles: 0, done: 0, failures: [], usage: emptyUsage(), interrupted: false, cancelled: 0, stopped: null,
  };
  const maxInFlight = Math.max(1, hooks.articlesInFlight ?? 16);
  const running = new Set<Promise<void>>();

  const fail = (failure: Failure) => {
    summary.failures.push(failure);
    hooks.onFailure?.(failure);
  };

  for await (const item of items) {
    if (hooks.signal?.aborted) {
      summary.interrupted = true;
      break;
    }
    if (summary.stopped) break;
    if ("error" in item) {
      fail({ source: sourceLabel({ path: item.error.file, line: item.error.line }), id: null, reason: item.error.problem, kind: "input" });
      continue;
    }
    const article = item.article;
    summary.articles++;
    hooks.onArticle?.(article);
    const job = processArticle(article, pipeline)
      .then(async (result) => {
        addUsage(summary.usage, result.usage);
        summary.done++;
        await hooks.onResult?.(result, article);
      })
      .catch((error: unknown) => {
        // Calls paid for before the article failed still count.
        addUsage(summary.usage, usageOf(error) ?? emptyUsage());
        if (hooks.signal?.aborted) {
          summary.interrupted = true;
          summary.cancelled++;
          return;
        }
        if (error instanceof QuotaExceededError || (error as { cause?: unknown })?.cause instanceof QuotaExceededError) {
          // Permanent for the whole batch: say it once, not once per article.
          summary.stopped ??= describeError(error).replace(/^[a-z]+ [a-z,-]+: /i, "");
          summary.cancelled++;
          return;
        }
        fail({ source: sourceLabel(article.source), id: article.id, reason: describeError(error), kind: "article" });
      })
      .finally(() => running.delete(job));
    running.add(job);
    if (running.size >= maxInFlight) await Promise.race(running);
  }
  if (!summary.stopped && !summary.interrupted) hooks.onInputEnd?.();
  await Promise.all(running);
  if (hooks.signal?.aborted) summary.interrupted = true;
  return summary;
}
