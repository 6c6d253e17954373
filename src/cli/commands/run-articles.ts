// What run, translate, summarize, headlines and newsletter share: read the inputs, run the
// pipeline over them (after the batch phase with --via batch), show progress, say how it ended,
// write the --report, and give the exit code. The command hands each result to onResult.
import { countArticles, readArticles, type ReadItem } from "../../article/index.ts";
import { ConfigError, StrictWarningError } from "../../core/errors.ts";
import { emptyUsage, type Article, type ArticleResult } from "../../core/types.ts";
import { runBatch, sourceLabel, type BatchSummary } from "../../run/batch.ts";
import type { ViaBatchResult } from "../../run/batch-api.ts";
import { estimateCost, loadPrices } from "../../run/cost.ts";
import type { TaskKind } from "../../run/pipeline.ts";
import { writeFileAtomic } from "../../render/files.ts";
import { checkVariants, modelName, readOptionsFor, type CommonFlags } from "../flags.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, io, isStdoutClosed, say, terminalSafe } from "../io.ts";
import { createProgress, progressMode } from "../progress.ts";
import { batchReport, formatUsageLine } from "../report.ts";
import { Session } from "../session.ts";
import { batchPhase, withBatchUsage } from "./batch-phase.ts";
import { planArticles } from "./dry-run.ts";

function log(flags: CommonFlags, line: string) {
  if (!flags.quiet) say(line);
}

/** Live messages of one kind, each said once; past `max` only counted (the end says how many more). */
class Messages {
  said = 0;
  constructor(private readonly max: number, private readonly write: (line: string) => void) {}
  add(line: string) {
    if (++this.said <= this.max) this.write(terminalSafe(line));
  }
  get unsaid(): number {
    return Math.max(0, this.said - this.max);
  }
}

const LIVE_MESSAGES = 20;

/** 0 all done; 1 some failed or the batch stopped; 2 the only input could not be read, or the setup is wrong. */
function exitCodeFor(summary: BatchSummary): number {
  if (summary.stopped?.kind === "config") return EXIT_USAGE;
  if (summary.failures.length === 0 && !summary.interrupted && !summary.stopped) return EXIT_OK;
  if (summary.articles === 0 && summary.failures.length === 1 && summary.failures[0]!.kind === "input") return EXIT_USAGE;
  return EXIT_FAILED;
}

/** The command line as typed, for "run it again to resume" (shell-quoted where needed). */
function resumeCommand(): string {
  const quote = (arg: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`);
  return ["newsdesk", ...io.argv.slice(2).map(quote)].join(" ");
}

/** "a, b, c and 97 more (see --report)". */
function nameList(names: string[], flags: CommonFlags, max = 5): string {
  const shown = names.slice(0, max).join(", ");
  const more = names.length - max;
  return more > 0 ? `${shown} and ${more} more${flags.report ? ` (see ${flags.report})` : " (see --report FILE)"}` : shown;
}

interface RunCounts {
  warnings: number;
  retries: number;
  elapsedMs: number;
}

function reportEnd(flags: CommonFlags, summary: BatchSummary, session: Session, counts: RunCounts, live: { failures: Messages; warnings: Messages }, cost?: ReturnType<typeof estimateCost>) {
  // Failures were said as they happened (unless --quiet, or past the live limit): here only the tally.
  if (flags.quiet) for (const failure of summary.failures.slice(0, LIVE_MESSAGES)) say(`newsdesk: ${failure.source}: ${failure.reason}`);
  const unsaid = flags.quiet ? Math.max(0, summary.failures.length - LIVE_MESSAGES) : live.failures.unsaid;
  if (unsaid > 0) say(`newsdesk: ${unsaid} more failure${unsaid === 1 ? "" : "s"} not shown${flags.report ? ` (all in ${flags.report})` : " (--report FILE lists them all)"}`);
  if (!flags.quiet && live.warnings.unsaid > 0) say(`newsdesk: ${live.warnings.unsaid} more articles with warnings not shown`);
  if (summary.failures.length > 1) say(`newsdesk: ${summary.failures.length} failed: ${nameList(summary.failures.map((f) => f.source), flags)}`);
  if (summary.stopped) {
    const notDone = summary.cancelled + summary.notStarted;
    const resume = summary.stopped.kind === "config" ? "fix the setup, then run the same command again" : `finished work is kept; to resume: ${resumeCommand()}`;
    say(`newsdesk: stopped: ${summary.stopped.reason}; ${notDone} article${notDone === 1 ? "" : "s"} not done; ${resume}`);
  }
  if (summary.interrupted) {
    say(`newsdesk: interrupted: ${summary.done} done, ${summary.cancelled} cancelled; finished work is kept, run the same command again to resume`);
  }
  if (session.cacheWarning) say(session.cacheWarning);
  log(flags, formatUsageLine(summary, cost, counts));
}

/** The tasks over the inputs (their plan with --dry-run): each result to onResult, each article read to onArticle; resolves to the exit code. */
export async function runArticles(
  inputs: string[],
  flags: CommonFlags,
  languages: string[],
  tasks: TaskKind[],
  onResult: (result: ArticleResult, article: Article) => void,
  onArticle?: (article: Article) => void,
): Promise<number> {
  if (flags.dryRun) return planArticles(inputs, flags, languages, tasks);
  const started = Date.now();
  checkVariants(flags.variant, languages);
  const prices = loadPrices(flags.prices, io.env);
  let model = modelName(flags);
  let usageSoFar = emptyUsage();
  const session: Session = new Session(flags, (line) => progress.log(line));
  const progress = createProgress({
    stream: io.stderr,
    mode: progressMode({ quiet: flags.quiet, stream: io.stderr, env: io.env }),
    status: () => {
      const cost = estimateCost(usageSoFar, model, prices);
      const retries = session.scheduler?.stats().retries ?? 0;
      return `${usageSoFar.calls} calls${cost.known ? `, $${cost.usd.toFixed(cost.usd < 1 ? 4 : 2)}` : ""}${retries ? `, ${retries} retries` : ""}`;
    },
  });
  const live = {
    failures: new Messages(LIVE_MESSAGES, (line) => progress.log(line)),
    warnings: new Messages(LIVE_MESSAGES, (line) => progress.log(line)),
  };
  let warnings = 0;
  io.stdoutClosed.then(() => session.controller.abort());
  try {
    const pipeline = session.pipeline(languages, tasks);
    session.trapInterrupt();
    model = pipeline.options.model;
    // The total before the first call: files, files in folders and globs, JSONL lines are cheap to count.
    if (!flags.quiet) {
      const { count, exact } = await countArticles(inputs);
      progress.expect(count, exact);
    }
    let items: () => AsyncIterable<ReadItem> = () => readArticles(inputs, readOptionsFor(flags));
    let batched: ViaBatchResult | null = null;
    if (flags.wait === false && flags.via !== "batch") throw new ConfigError("--no-wait works with --via batch");
    if (flags.via === "batch") {
      // --max-cost caps what the batch commits to, by estimate at the batch rate (unknown prices: no cap there).
      const budget =
        flags.maxCost !== undefined && estimateCost(emptyUsage(), model, prices, "batch").known
          ? { usd: flags.maxCost, costOf: (tokens: Parameters<typeof estimateCost>[0]) => estimateCost(tokens, model, prices, "batch").usd ?? 0 }
          : undefined;
      const phase = await batchPhase(inputs, flags, session, pipeline, items, (line) => progress.log(line), budget);
      if (typeof phase === "number") return phase;
      ({ batched, items } = phase);
    }
    const summary = await runBatch(items(), pipeline, {
      signal: session.controller.signal,
      maxCostUsd: flags.maxCost,
      // A failing batch cancels its queued calls; a cost stop lets the calls already paid for finish.
      onStop: (stop) => {
        if (stop.kind === "failing") session.controller.abort();
      },
      costOf: (usage) => {
        usageSoFar = usage;
        return estimateCost(usage, model, prices).usd ?? 0;
      },
      // Enough articles open that every call slot has work while some articles wait on rate limits.
      articlesInFlight: Math.max(16, 2 * flags.concurrency),
      onArticle: (article) => {
        onArticle?.(article);
        progress.read();
      },
      onInputEnd: () => progress.inputDone(),
      onResult: (result, article) => {
        if (result.warnings.length > 0) {
          const first = result.warnings[0]!;
          const label = sourceLabel(article.source);
          // --strict: a result with warnings is a failure, and is not written.
          if (flags.strict) throw new StrictWarningError(`${result.warnings.length} warning${result.warnings.length === 1 ? "" : "s"} (--strict): ${first}`);
          warnings += result.warnings.length;
          if (!flags.quiet) live.warnings.add(`newsdesk: warning: ${label}: ${result.warnings.length} warning${result.warnings.length === 1 ? "" : "s"}: ${first}`);
        }
        onResult(result, article);
        progress.finished(true);
      },
      onFailure: (f) => {
        if (f.kind !== "input") progress.finished(false);
        if (!flags.quiet) live.failures.add(`newsdesk: ${f.kind === "input" ? "skipped" : "failed"} ${f.source}: ${f.reason}`);
      },
    });
    progress.stop();
    // A reader that went away (| head) ends the run quietly; what was finished is cached.
    if (isStdoutClosed()) return EXIT_OK;
    let cost = estimateCost(summary.usage, pipeline.options.model, prices);
    const batchFigures = batched ? withBatchUsage(summary, batched, session, pipeline.options.model, prices) : null;
    if (batchFigures) cost = batchFigures.cost;
    const counts = { warnings, retries: session.scheduler?.stats().retries ?? 0, elapsedMs: Date.now() - started, ...(batchFigures ? { batchCalls: batchFigures.batchCalls } : {}) };
    if (batchFigures && !flags.quiet) say(batchFigures.line);
    reportEnd(flags, summary, session, counts, live, cost);
    if (flags.report) {
      const report = batchReport(summary, { cost, elapsedMs: counts.elapsedMs, scheduler: session.scheduler?.stats() });
      writeFileAtomic(flags.report, JSON.stringify({ ...report, warnings, ...(batchFigures ? { batch: batchFigures.report } : {}) }, null, 2) + "\n");
    }
    return exitCodeFor(summary);
  } finally {
    progress.stop();
    session.close();
  }
}

/** No inputs named: read stdin when something is piped in, else say what is missing. */
export function inputsOrStdin(inputs: string[] | undefined): string[] {
  if (inputs && inputs.length > 0) return inputs;
  if (!io.stdin.isTTY) return ["-"];
  throw new ConfigError("no inputs: name files, folders, globs or JSONL files, or pipe an article in");
}
