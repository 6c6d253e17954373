// Runs many articles through one pipeline: articles are pulled from the input stream only as
// slots free up (bounded memory), a failed article is reported and the rest go on. A batch that
// is clearly broken stops itself: a fault no article can get past (no quota, bad key, no server),
// a run of failures, or the cost limit.
import type { ReadItem } from "../article/index.ts";
import type { Article, ArticleResult, Usage } from "../core/types.ts";
import { addUsage, emptyUsage } from "../core/types.ts";
import { processArticle, type Pipeline } from "./pipeline.ts";
import { ProviderError, describeError, usageOf } from "../core/errors.ts";

export interface Failure {
  /** File (and line) the article or input came from. */
  source: string;
  id: string | null;
  reason: string;
  /** "input": the input could not be read; "article": its tasks failed; "output": its result could not be written. */
  kind: "input" | "article" | "output";
}

/** Why a batch stopped before its end. */
export interface BatchStop {
  /** quota: no credit left; config: the setup is wrong (exit 2); failing: too many articles failed; cost: --max-cost reached. */
  kind: "quota" | "config" | "failing" | "cost";
  reason: string;
}

export interface BatchSummary {
  articles: number;
  done: number;
  failures: Failure[];
  usage: Usage;
  interrupted: boolean;
  /** Articles whose work was cancelled by an interrupt or a stop (not failures: a rerun resumes them). */
  cancelled: number;
  /** Why the batch stopped early, or null. */
  stopped: BatchStop | null;
  /** Articles never started because the batch stopped (counted from the rest of the input). */
  notStarted: number;
}

/** When a batch counts as broken: the first `first` finished articles all failed, or `ratio` of the last `window` did. */
export interface FailureBreaker {
  first: number;
  window: number;
  ratio: number;
}

export const DEFAULT_BREAKER: FailureBreaker = { first: 10, window: 20, ratio: 0.75 };

export interface BatchHooks {
  /** Called once per finished article, in finishing order; a throw makes the article an "output" failure. */
  onResult?: (result: ArticleResult, article: Article) => void | Promise<void>;
  onFailure?: (failure: Failure) => void;
  /** Called when an article is read, before it is processed. */
  onArticle?: (article: Article) => void;
  /** Called once the input is exhausted (the total is known from then on). */
  onInputEnd?: () => void;
  /** Articles processed at once; input is read no further ahead than this. */
  articlesInFlight?: number;
  /** Stop on a run of failed articles (default DEFAULT_BREAKER; false: never). */
  breaker?: FailureBreaker | false;
  /** Told when the batch stops itself; e.g. to cancel calls that are queued (the stop's `kind` says why). */
  onStop?: (stop: BatchStop) => void;
  /** Stop starting articles once `costOf(usage)` reaches this many USD. */
  maxCostUsd?: number;
  costOf?: (usage: Usage) => number;
  signal?: AbortSignal;
}

/** "file" or "file:line" (JSONL). */
export function sourceLabel(source: { path: string; line?: number }): string {
  return source.line ? `${source.path}:${source.line}` : source.path;
}

/** The reason most failures share: grouped by the error's own message (not its task), numbers ignored. */
function commonReason(failures: { reason: string; problem: string }[]): string {
  const counts = new Map<string, { n: number; example: string }>();
  for (const { reason, problem } of failures) {
    const key = problem.replace(/\d+/g, "#");
    const entry = counts.get(key) ?? { n: 0, example: reason };
    entry.n++;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => b.n - a.n)[0]?.example ?? "";
}

export async function runBatch(items: AsyncIterable<ReadItem>, pipeline: Pipeline, hooks: BatchHooks = {}): Promise<BatchSummary> {
  const summary: BatchSummary = {
    articles: 0, done: 0, failures: [], usage: emptyUsage(), interrupted: false, cancelled: 0, stopped: null, notStarted: 0,
  };
  const maxInFlight = Math.max(1, hooks.articlesInFlight ?? 16);
  const breaker = hooks.breaker === false ? null : (hooks.breaker ?? DEFAULT_BREAKER);
  const running = new Set<Promise<void>>();
  // Outcomes of finished articles, in finishing order: the breaker's evidence.
  const recent: { failed: boolean; reason?: string; problem?: string }[] = [];
  let finished = 0;
  let failedSoFar = 0;

  const fail = (failure: Failure) => {
    summary.failures.push(failure);
    hooks.onFailure?.(failure);
  };

  const stop = (stopped: BatchStop) => {
    if (summary.stopped) return;
    summary.stopped = stopped;
    hooks.onStop?.(stopped);
  };

  const settle = (failed: boolean, reason?: string, problem?: string) => {
    finished++;
    if (failed) failedSoFar++;
    if (!breaker) return;
    recent.push({ failed, reason, problem });
    if (recent.length > breaker.window) recent.shift();
    const failures = recent.filter((r) => r.failed);
    const allFirstFailed = finished >= breaker.first && failedSoFar === finished;
    const windowFailing = recent.length >= breaker.window && failures.length >= breaker.ratio * breaker.window;
    if (allFirstFailed || windowFailing) {
      const what = allFirstFailed ? `the first ${finished} articles all failed` : `${failures.length} of the last ${recent.length} articles failed`;
      stop({ kind: "failing", reason: `${what}; most common reason: ${commonReason(failures.map((r) => ({ reason: r.reason!, problem: r.problem! })))}` });
    }
  };

  const overBudget = () =>
    hooks.maxCostUsd !== undefined && hooks.costOf !== undefined && hooks.costOf(summary.usage) >= hooks.maxCostUsd;

  for await (const item of items) {
    if (hooks.signal?.aborted && !summary.stopped) {
      summary.interrupted = true;
      break;
    }
    if (!summary.stopped && overBudget()) {
      stop({ kind: "cost", reason: `the estimated cost reached the --max-cost limit of $${hooks.maxCostUsd}` });
    }
    if (summary.stopped) {
      // Count what is left, so the user knows how much a resume has to do.
      if ("article" in item) summary.notStarted++;
      continue;
    }
    if ("error" in item) {
      fail({ source: sourceLabel({ path: item.error.file, line: item.error.line }), id: null, reason: item.error.problem, kind: "input" });
      continue;
    }
    const article = item.article;
    summary.articles++;
    hooks.onArticle?.(article);
    const job = processArticle(article, pipeline)
      .then(
        async (result) => {
          addUsage(summary.usage, result.usage);
          try {
            await hooks.onResult?.(result, article);
          } catch (error) {
            // The answer is paid for and cached; only writing it failed. A rerun writes it for free.
            fail({ source: sourceLabel(article.source), id: article.id, reason: describeError(error), kind: "output" });
            return;
          }
          summary.done++;
          settle(false);
        },
        (error: unknown) => {
          // Calls paid for before the article failed still count.
          addUsage(summary.usage, usageOf(error) ?? emptyUsage());
          if (hooks.signal?.aborted) {
            // Cancelled: by the user (an interrupt), or by the batch's own stop.
            if (!summary.stopped) summary.interrupted = true;
            summary.cancelled++;
            return;
          }
          if (error instanceof ProviderError && (error.kind === "quota" || error.kind === "config")) {
            // Permanent for the whole batch: said once, not once per article.
            stop({ kind: error.kind, reason: describeError(error, false) });
            summary.cancelled++;
            return;
          }
          const reason = describeError(error);
          fail({ source: sourceLabel(article.source), id: article.id, reason, kind: "article" });
          settle(true, reason, describeError(error, false));
        },
      )
      .finally(() => running.delete(job));
    running.add(job);
    if (running.size >= maxInFlight) await Promise.race(running);
  }
  if (!summary.stopped && !summary.interrupted) hooks.onInputEnd?.();
  await Promise.all(running);
  if (hooks.signal?.aborted && !summary.stopped) summary.interrupted = true;
  return summary;
}
