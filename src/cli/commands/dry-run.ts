// --dry-run: the plan of a run (calls, tokens, cost; cache hits included) without a model call.
import { existsSync } from "node:fs";
import { readArticles, reportStructureWarnings } from "../../article/index.ts";
import { Cache } from "../../core/cache.ts";
import { createModelClient } from "../../model/create.ts";
import { estimateCost, formatCost, loadPrices } from "../../run/cost.ts";
import { createPipeline, type TaskKind } from "../../run/pipeline.ts";
import { planBatch, worstCaseCalls } from "../../run/plan.ts";
import { writeFileAtomic } from "../../render/files.ts";
import { cacheFileOf, modelName, readOptionsFor, taskOptionsFor, type CommonFlags } from "../flags.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, io, writeStdout } from "../io.ts";
import { formatPlan } from "../report.ts";

/** --dry-run: the plan on stdout; no model configuration needed, no call made. */
export async function planArticles(inputs: string[], flags: CommonFlags, languages: string[], tasks: TaskKind[]): Promise<number> {
  const prices = loadPrices(flags.prices, io.env);
  const cacheFile = cacheFileOf(flags);
  const cache = cacheFile && existsSync(cacheFile) ? new Cache(cacheFile) : null;
  try {
    const model = modelName(flags);
    // A dry run creates no cache file, for pages either.
    const readOptions = { ...readOptionsFor(flags), fetchCache: cache ? cacheFile! : undefined };
    const read = reportStructureWarnings(readArticles(inputs, readOptions), (line) => io.stderr.write(line));
    // The same pipeline a run builds (its tasks decide the calls), with a model client it never uses.
    const pipeline = createPipeline({ ...taskOptionsFor(flags, languages, tasks), client: createModelClient({}), model, cache });
    const plan = await planBatch(read, pipeline, cache);
    const cost = estimateCost(plan, model, prices);
    for (const failure of plan.failures) io.stderr.write(`newsdesk: ${failure.source}: ${failure.reason}\n`);
    writeStdout(formatPlan(plan, cost, flags.repairs));
    const batchCost = flags.via === "batch" ? estimateCost(plan, model, prices, "batch") : null;
    if (batchCost) writeStdout(batchPlanLine(cost, batchCost));
    if (flags.report) writeFileAtomic(flags.report, JSON.stringify({ dryRun: true, ...plan, worstCaseCalls: worstCaseCalls(plan, flags.repairs), cost, ...(batchCost ? { batchCost } : {}) }, null, 2) + "\n");
    if (plan.failures.length === 0) return EXIT_OK;
    return plan.articles === 0 && plan.failures.length === 1 ? EXIT_USAGE : EXIT_FAILED;
  } finally {
    cache?.close();
  }
}

/** --dry-run --via batch: both prices. */
function batchPlanLine(sync: ReturnType<typeof estimateCost>, batch: ReturnType<typeof estimateCost>): string {
  if (!batch.known || !sync.known) return `via batch: ${formatCost(batch)}\n`;
  return `via batch: estimated cost $${batch.usd.toFixed(4)} at the batch rate (synchronously $${sync.usd.toFixed(4)}); results within 24 h; long articles split into chunks go synchronously\n`;
}
