import type { Usage } from "../core/types.ts";
import { formatCost, type CostEstimate } from "../run/cost.ts";
import type { BatchSummary } from "../run/batch.ts";
import type { SchedulerStats } from "../model/scheduler.ts";
import { worstCaseCalls, type BatchPlan } from "../run/plan.ts";

const number = new Intl.NumberFormat("en-US");

/** What the closing line adds beyond the summary: warnings, transport retries, wall time. */
export interface LineExtras {
  warnings: number;
  retries: number;
  elapsedMs: number;
  /** Of the calls, how many went through the provider's Batch API (--via batch). */
  batchCalls?: number;
}

function elapsed(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - 60 * m)} s`;
}

/**
 * The closing stderr line of a batch: articles done/failed/skipped, warnings, calls, retries, cache
 * hits, tokens (cached share), estimated cost, elapsed time.
 */
export function formatUsageLine(
  summary: { articles: number; done: number; failures: { kind?: string }[]; usage: Usage },
  cost?: CostEstimate,
  extras?: LineExtras,
): string {
  const { usage } = summary;
  const cachedShare = usage.promptTokens ? Math.round((100 * usage.cachedTokens) / usage.promptTokens) : 0;
  const skipped = summary.failures.filter((f) => f.kind === "input").length;
  const failed = summary.failures.length - skipped;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return [
    `newsdesk: ${summary.done}/${summary.articles} article${summary.articles === 1 ? "" : "s"} done`,
    `${failed} failed`,
    ...(skipped ? [`${skipped} input${skipped === 1 ? "" : "s"} skipped`] : []),
    plural(usage.calls, "call") + (extras?.batchCalls !== undefined ? ` (${extras.batchCalls} batch, ${usage.calls - extras.batchCalls} synchronous)` : ""),
    plural(usage.cacheHits, "cache hit"),
    ...(extras ? [plural(extras.warnings, "warning"), plural(extras.retries, "retry").replace("retrys", "retries")] : []),
    `${number.format(usage.promptTokens)} prompt tokens (${cachedShare}% cached)`,
    `${number.format(usage.completionTokens)} completion tokens`,
    ...(cost ? [formatCost(cost)] : []),
    ...(extras ? [elapsed(extras.elapsedMs)] : []),
  ].join(", ");
}

/** The batch summary as JSON (--report FILE): the closing line's figures and every failure. */
export function batchReport(summary: BatchSummary, extra: { cost: CostEstimate; elapsedMs: number; scheduler?: SchedulerStats }) {
  return {
    articles: summary.articles,
    done: summary.done,
    failed: summary.failures.length,
    cancelled: summary.cancelled,
    interrupted: summary.interrupted,
    stopped: summary.stopped,
    usage: summary.usage,
    cost: { model: extra.cost.model, usd: extra.cost.usd, known: extra.cost.known },
    elapsedMs: extra.elapsedMs,
    ...(extra.scheduler
      ? { rateLimits: { rateLimited: extra.scheduler.rateLimited, retries: extra.scheduler.retries, attempts: extra.scheduler.attempts, lowestConcurrency: extra.scheduler.minLimitSeen } }
      : {}),
    failures: summary.failures,
  };
}

/** What --dry-run prints: the plan in a few lines, with the worst case (every task spends all its repairs) beside it. */
export function formatPlan(plan: BatchPlan, cost: CostEstimate, repairs: number): string {
  const worst = worstCaseCalls(plan, repairs);
  const tasks = Object.entries(plan.byTask).map(([t, n]) => `${n} ${t}`).join(", ");
  const cachedShare = plan.promptTokens ? Math.round((100 * plan.cachedTokens) / plan.promptTokens) : 0;
  return [
    `dry run: ${plan.articles} article${plan.articles === 1 ? "" : "s"}, ${plan.tasks} task${plan.tasks === 1 ? "" : "s"}`,
    `calls: ${plan.calls}${tasks ? ` (${tasks})` : ""}, cache hits: ${plan.cacheHits}`,
    `worst case: ${worst} calls${cost.known ? `, about $${(cost.usd * (plan.calls ? worst / plan.calls : 1)).toFixed(4)}` : ""} (every answer invalid until its ${repairs} repair${repairs === 1 ? "" : "s"} are spent; a batch in which the first 10 articles all fail stops by itself)`,
    `prompt tokens: ${number.format(plan.promptTokens)} (~${cachedShare}% likely cached by the provider)`,
    `completion tokens: ~${number.format(plan.completionTokens)} (estimate)`,
    `${formatCost(cost)}`,
    ...(plan.failures.length ? [`unreadable inputs: ${plan.failures.length}`] : []),
  ].join("\n") + "\n";
}
