// --via batch in a run (the provider's Batch API; see run/batch-api.ts): before the run, plan,
// submit, wait for and collect the batches; after it, the figures with the batch's answers in.
import { ConfigError } from "../../core/errors.ts";
import { addUsage } from "../../core/types.ts";
import type { ReadItem } from "../../article/index.ts";
import type { BatchSummary } from "../../run/batch.ts";
import { viaBatch, type ViaBatchOptions, type ViaBatchResult } from "../../run/batch-api.ts";
import { addCosts, estimateCost, type loadPrices } from "../../run/cost.ts";
import type { CommonFlags } from "../flags.ts";
import { EXIT_FAILED, EXIT_OK, io, say, writeStdout } from "../io.ts";
import type { Session } from "../session.ts";

/** NEWSDESK_BATCH_POLL_MS="first[,max]": how often a waiting run asks how its batches are doing (default 5 s, backing off to 60 s). */
function batchPoll(): { firstMs: number; maxMs: number } | undefined {
  const [first, max] = (io.env.NEWSDESK_BATCH_POLL_MS ?? "").split(",").map((v) => Number(v.trim()));
  if (!first || !Number.isFinite(first) || first <= 0) return undefined;
  return { firstMs: first, maxMs: max && Number.isFinite(max) && max >= first ? max : Math.max(first, 60_000) };
}

/**
 * Before the normal run: plans, submits, waits for and collects the batches (run/batch-api.ts).
 * A number: the run ends here with that exit code (--no-wait, or interrupted while waiting).
 */
export async function batchPhase(
  inputs: string[],
  flags: CommonFlags,
  session: Session,
  pipeline: ReturnType<Session["pipeline"]>,
  items: () => AsyncIterable<ReadItem>,
  log: (line: string) => void,
  budget?: ViaBatchOptions["budget"],
): Promise<number | { batched: ViaBatchResult; items: () => AsyncIterable<ReadItem> }> {
  if (!session.cache || !session.answers || !session.provider) throw new ConfigError("--via batch records its batches in the cache file: drop --no-cache");
  let source = items;
  if (inputs.includes("-")) {
    // stdin is read once: its articles are kept for the run after the batch.
    const kept: ReadItem[] = [];
    for await (const item of items()) kept.push(item);
    source = async function* () {
      yield* kept;
    };
  }
  const argv = io.argv.slice(2).filter((arg) => arg !== "--no-wait");
  const result = await viaBatch(source, {
    pipeline,
    provider: session.provider,
    cache: session.cache,
    answers: session.answers,
    wait: flags.wait !== false,
    unfinished: flags.unfinished ?? "resubmit",
    maxRequests: flags.batchSize,
    budget,
    poll: batchPoll(),
    command: { argv, cwd: process.cwd() },
    signal: session.controller.signal,
    say: (line) => {
      if (!flags.quiet) log(line);
    },
  });
  const ids = result.running.join(", ");
  if (result.state === "waiting") {
    for (const id of result.running) writeStdout(id + "\n");
    say(`newsdesk: ${result.running.length === 1 ? "batch" : "batches"} ${ids} running at the provider; \`newsdesk batches status ID\` shows how far; run the same command again (or \`newsdesk batches resume ID\`) to collect the results`);
    return EXIT_OK;
  }
  if (result.state === "interrupted") {
    say(`newsdesk: stopped waiting; ${result.running.length === 1 ? "batch" : "batches"} ${ids} keep${result.running.length === 1 ? "s" : ""} running at the provider (nothing is lost): run the same command again, or \`newsdesk batches resume ID\`, to collect the results`);
    return EXIT_FAILED;
  }
  return { batched: result, items: source };
}

/** The run's figures with the batch's answers in: calls and tokens of both, cost at each rate; the line that says how the work was done. */
export function withBatchUsage(summary: BatchSummary, batched: ViaBatchResult, session: Session, model: string, prices: ReturnType<typeof loadPrices>) {
  const replayed = session.answers?.replayed ?? 0;
  const repairs = session.answers?.repairs ?? 0;
  // Batch answers handed to the repair loop count there as calls without tokens: the batch's own usage replaces them.
  const sync = { ...summary.usage, calls: Math.max(0, summary.usage.calls - replayed) };
  const batchUsage = batched.usage;
  const cost = addCosts(estimateCost(sync, model, prices), estimateCost(batchUsage, model, prices, "batch"));
  const allSync = addCosts(estimateCost(sync, model, prices), estimateCost(batchUsage, model, prices));
  // Cache hits are the synchronous run's own.
  summary.usage = addUsage({ ...sync }, { ...batchUsage, cacheHits: 0 });
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : word.endsWith("ch") ? "es" : "s"}`;
  const { collected } = batched;
  const line = [
    `newsdesk: via batch: ${plural(batched.submitted.length, "batch")} submitted, ${collected.batches} collected`,
    `${plural(collected.answers, "answer")} at the batch rate`,
    `${repairs} synchronous repair${repairs === 1 ? "" : "s"}`,
    `${sync.calls - repairs} other synchronous call${sync.calls - repairs === 1 ? "" : "s"} (${collected.failed} failed line${collected.failed === 1 ? "" : "s"}, ${batched.chunked} chunked task${batched.chunked === 1 ? "" : "s"})`,
    ...(batched.leftOver ? [`${batched.leftOver} left for a later batch`] : []),
    ...(batched.overBudget ? [`${plural(batched.overBudget, "line")} not submitted (over --max-cost: $${batched.estimatedUsd.toFixed(4)} estimated for those submitted)`] : []),
    ...(cost.known && allSync.known ? [`$${cost.usd.toFixed(4)} instead of $${allSync.usd.toFixed(4)} synchronously`] : []),
  ].join(", ");
  return {
    cost,
    batchCalls: batchUsage.calls,
    line,
    report: {
      submitted: batched.submitted,
      sent: batched.sent,
      collected,
      calls: { batch: batchUsage.calls, repairs, synchronous: sync.calls },
      usage: batchUsage,
      leftOver: batched.leftOver,
      cost: { usd: cost.usd, synchronousUsd: allSync.usd, known: cost.known },
    },
  };
}
