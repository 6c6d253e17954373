import type { Usage } from "./types.ts";
import { formatCost, type CostEstimate } from "./cost.ts";
import type { BatchSummary } from "./batch.ts";
import type { SchedulerStats } from "./scheduler.ts";
import type { BatchPlan } from "./plan.ts";

const number = new Intl.NumberFormat("en-US");

/** The closing stderr line of a batch: articles, calls, cache hits, tokens, estimated cost. */
export function formatUsageLine(summary: { articles: number; done: number; failures: unknown[]; usage: Usage }, cost?: CostEstimate): string {
  const { usage } = summary;
  const cachedShare = usage.promptTokens ? Math.round((100 * usage.cachedTokens) / usage.promptTokens) : 0;
  return [
    `newsdesk: ${summary.done}/${summary.articles} article${summary.articles === 1 ? "" : "s"} done`,
    `${summary.failures.length} failed`,
    `${usage.calls} call${usage.calls === 1 ? "" : "s"}`,
    `${usage.cacheHits} cache hit${usage.cacheHits === 1 ? "" : "s"}`,
    `${number.format(usage.promptTokens)} prompt tokens (${cachedShare}% cached)`,
    `${number.format(usage.completionTokens)} completion tokens`,
    ...(cost ? [formatCost(cost)] : []),
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
  const tasks = Object.entries(plan.byTask).map(([t, n]) => `${n} ${t}`).join(", ");
  const cachedShare = plan.promptTokens ? Math.round((100 * plan.cachedTokens) / plan.promptTokens) : 0;
  return [
    `dry run: ${plan.articles} article${plan.articles === 1 ? "" : "s"}, ${plan.tasks} task${plan.tasks === 1 ? "" : "s"}`,
    `calls: ${plan.calls}${tasks ? ` (${tasks})` : ""}, cache hits: ${plan.cacheHits}`,
    `worst case: ${plan.calls * (repairs + 1)} calls${cost.known ? `, about $${(cost.usd * (repairs + 1)).toFixed(4)}` : ""} (every answer invalid until its ${repairs} repair${repairs === 1 ? "" : "s"} are spent; a batch in which the first 10 articles all fail stops by itself)`,
    `prompt tokens: ${number.format(plan.promptTokens)} (~${cachedShare}% likely cached by the provider)`,
    `completion tokens: ~${number.format(plan.completionTokens)} (estimate)`,
    `${formatCost(cost)}`,
    ...(plan.failures.length ? [`unreadable inputs: ${plan.failures.length}`] : []),
  ].join("\n") + "\n";
}
