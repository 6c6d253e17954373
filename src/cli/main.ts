// The command line: parses flags, calls the library, prints. Nothing here that a library user
// would need too.
import { Command, InvalidArgumentError, Option } from "commander";
import { Cache } from "../core/cache.ts";
import { PROVIDER_KINDS, loadEnvFile, modelConfig, userEnvPath } from "../core/config.ts";
import { CacheError, ConfigError, StrictWarningError, describeError, exitCodeOf } from "../core/errors.ts";
import { registerSecret } from "../core/secrets.ts";
import { CHANNELS, addUsage, emptyUsage, type Article, type ArticleResult } from "../core/types.ts";
import { createModelClient } from "../model/create.ts";
import { channelsPromptFor } from "../tasks/digest.ts";
import { headlinesPrompt } from "../tasks/headlines.ts";
import { createPipeline, type TaskKind } from "../run/pipeline.ts";
import { loadPromptSet } from "../core/prompts.ts";
import { countArticles, readArticles, reportStructureWarnings } from "../article/index.ts";
import { runBatch, sourceLabel, type BatchSummary } from "../run/batch.ts";
import { removeStaleTempFiles, writeResultFiles } from "../render/files.ts";
import { articleMarkdown, translationMarkdown } from "../render/markdown.ts";
import { defaultGlossaryPath, loadGlossary } from "../core/glossary.ts";
import { itemHeadline, loadLayout, renderNewsletter, type NewsletterItem } from "../render/newsletter/index.ts";
import { HEADLINES_PER_LANGUAGE } from "../tasks/headlines.ts";
import { batchReport, formatPlan, formatUsageLine } from "./report.ts";
import { createProgress, progressMode } from "./progress.ts";
import { estimateCost, formatCost, loadPrices } from "../run/cost.ts";
import { planBatch, worstCaseCalls } from "../run/plan.ts";
import { refreshBatch, viaBatch, type ViaBatchOptions, type ViaBatchResult } from "../run/batch-api.ts";
import { addCosts } from "../run/cost.ts";
import type { ReadItem } from "../article/index.ts";
import { writeFileAtomic } from "../render/files.ts";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, io, isStdoutClosed, say, startRun, terminalSafe, writeStdout, type CliIo } from "./io.ts";
import { packageVersion } from "./version.ts";
import { Session } from "./session.ts";
import {
  atLeastOne,
  cacheFileOf,
  cachePathOf,
  channelList,
  checkVariants,
  languageList,
  modelName,
  positiveInt,
  providerOptions,
  readOptionsFor,
  taskOptionsFor,
  withBatchApiOptions,
  withCommonOptions,
  type CommonFlags,
} from "./flags.ts";

export { terminalSafe, type CliIo };

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

/** --dry-run: the plan on stdout; no model configuration needed, no call made. */
async function planArticles(inputs: string[], flags: CommonFlags, languages: string[], tasks: TaskKind[]): Promise<number> {
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

async function runArticles(
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


function outputResult(options: { out?: string; jsonl?: boolean; json?: boolean }, languages: string[]) {
  if (options.out && existsSync(options.out) && statSync(options.out).isDirectory()) removeStaleTempFiles(options.out);
  const jsonLines = options.jsonl || options.json;
  return (result: ArticleResult) => {
    if (options.out) {
      try {
        writeResultFiles(options.out, result);
      } catch (error) {
        throw new Error(`cannot write the result: ${(error as Error).message}`, { cause: error });
      }
    }
    if (jsonLines) writeStdout(JSON.stringify(result) + "\n");
    else if (!options.out) writeStdout(articlesMarkdown(result, languages));
  };
}

/** Markdown of one result on stdout: each language under a rule, so articles and languages stay apart. */
function articlesMarkdown(result: ArticleResult, languages: string[]): string {
  return languages.map((lang) => `<!-- ${result.id} ${lang} -->\n${articleMarkdown(result, lang)}`).join("\n---\n\n") + "\n---\n\n";
}

/** No inputs named: read stdin when something is piped in, else say what is missing. */
function inputsOrStdin(inputs: string[] | undefined): string[] {
  if (inputs && inputs.length > 0) return inputs;
  if (!io.stdin.isTTY) return ["-"];
  throw new ConfigError("no inputs: name files, folders, globs or JSONL files, or pipe an article in");
}

/** `run` and `summarize`: many inputs, results as files, JSONL or Markdown. */
function batchCommand(program: Command, name: string, description: string, tasks: TaskKind[]): Command {
  return withBatchApiOptions(withCommonOptions(
    program
      .command(name)
      .description(description)
      .argument("[inputs...]", "files, folders, globs, JSONL files, http(s) URLs of pages or feeds, feed files, files listing URLs, or - for stdin (read by itself when piped)")
      .option("--lang <codes>", "languages to produce", languageList, ["de", "en"])
      .option("--channels <list>", `also write per language, in the digest call: ${CHANNELS.join(", ")} (push alert, social post, SEO title and description)`, channelList)
      .option("--out <dir>", "write <id>.json and <id>.<lang>.md per article into this folder (merged with what is there)")
      .option("--json", "print the results as JSON, one object per line (JSONL), also with --out")
      .option("--jsonl", "the same as --json"),
  )).action(async (inputs: string[], options) => {
    io.exitCode = await runArticles(inputsOrStdin(inputs), options, options.lang, tasks, outputResult(options, options.lang));
  });
}

// --- --via batch and `newsdesk batches` (the provider's Batch API; see run/batch-api.ts) ---

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
async function batchPhase(
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
function withBatchUsage(summary: BatchSummary, batched: ViaBatchResult, session: Session, model: string, prices: ReturnType<typeof loadPrices>) {
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

/** --dry-run --via batch: both prices. */
function batchPlanLine(sync: ReturnType<typeof estimateCost>, batch: ReturnType<typeof estimateCost>): string {
  if (!batch.known || !sync.known) return `via batch: ${formatCost(batch)}\n`;
  return `via batch: estimated cost $${batch.usd.toFixed(4)} at the batch rate (synchronously $${sync.usd.toFixed(4)}); results within 24 h; long articles split into chunks go synchronously\n`;
}

function batchesCommand(program: Command) {
  const batches = program.command("batches").description("batches sent with --via batch: list, status, resume, cancel");
  const store = (options: { cache?: string }, readonly: boolean): Cache | null => {
    const file = cachePathOf(options.cache);
    if (!existsSync(file)) return null;
    return new Cache(file, { readonly });
  };
  const recordOf = (cache: Cache | null, id: string, options: { cache?: string }) => {
    const found = cache?.batch(id) ?? cache?.batches(1000).find((b) => b.id.startsWith(id));
    if (!found) throw new ConfigError(`no batch ${JSON.stringify(id)} recorded in ${cachePathOf(options.cache)} (see newsdesk batches list)`);
    return found;
  };
  const provider = (options: { model?: string; provider?: string }) => {
    const config = modelConfig(io.env, options.model, options.provider);
    return createModelClient({ ...providerOptions(config), maxRetries: 2, timeoutMs: 60_000 });
  };
  const line = (b: { id: string; status: string; counts: { total: number; completed: number; failed: number } }) =>
    `${b.id}  ${b.status}  ${b.counts.completed}/${b.counts.total} done, ${b.counts.failed} failed`;

  batches
    .command("list")
    .description("the batches recorded in the cache file, newest first")
    .option("--cache <file>", "cache file")
    .option("--limit <n>", "at most this many", atLeastOne, 50)
    .option("--json", "as JSON")
    .action((options) => {
      const cache = store(options, true);
      const records = cache?.batches(options.limit) ?? [];
      cache?.close();
      if (options.json) return void writeStdout(JSON.stringify(records, null, 2) + "\n");
      if (records.length === 0) return void writeStdout("no batches recorded\n");
      for (const b of records) {
        writeStdout(terminalSafe(`${line(b)}  ${b.collected ? "collected" : "open"}  ${b.created}  newsdesk ${b.command.join(" ")}`) + "\n");
      }
    });

  for (const action of ["status", "cancel"] as const) {
    batches
      .command(action)
      .description(action === "status" ? "how a batch is doing, asked of the provider" : "cancel a batch at the provider (what finished is kept: run its command again to collect it)")
      .argument("<id>", "batch id (or a unique start of it)")
      .option("--cache <file>", "cache file")
      .option("-m, --model <name>", "model name")
      .addOption(new Option("--provider <name>", "who serves the model").choices([...PROVIDER_KINDS]))
      .option("--json", "as JSON")
      .action(async (id: string, options) => {
        const cache = store(options, false);
        try {
          const record = cache?.batch(id) ?? cache?.batches(1000).find((b) => b.id.startsWith(id));
          const batch = await refreshBatch(provider(options), cache, record?.id ?? id, action);
          if (options.json) return void writeStdout(JSON.stringify(batch, null, 2) + "\n");
          writeStdout(terminalSafe(line(batch) + (batch.errors.length ? `  (${batch.errors.join("; ")})` : "")) + "\n");
        } finally {
          cache?.close();
        }
      });
  }

  batches
    .command("resume")
    .description("collect a batch: runs the command that submitted it again (in its folder), which waits for it and writes the results")
    .argument("<id>", "batch id (or a unique start of it)")
    .option("--cache <file>", "cache file")
    .action(async (id: string, options) => {
      const cache = store(options, true);
      const record = recordOf(cache, id, options);
      cache?.close();
      if (record.command.length === 0) throw new ConfigError(`batch ${record.id} has no recorded command`);
      const argv = [...record.command];
      if (options.cache && !argv.includes("--cache")) argv.push("--cache", path.resolve(options.cache));
      say(`newsdesk: resuming batch ${record.id}: newsdesk ${argv.join(" ")}${record.cwd ? ` (in ${record.cwd})` : ""}`);
      if (record.cwd) process.chdir(record.cwd);
      await buildProgram().parseAsync(["node", "newsdesk", ...argv]);
    });
}

export function buildProgram(): Command {
  const program = new Command("newsdesk")
    .description("Translate, summarise and build newsletter snippets for a bilingual news desk")
    .version(packageVersion(), "-V, --version", "print the version")
    .configureOutput({ writeOut: (text) => void io.stdout.write(text), writeErr: (text) => void io.stderr.write(text) })
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  batchCommand(program, "run", "German and English versions, summaries, key points and newsletter snippets for each article", [
    "translate",
    "digest",
  ]);

  withCommonOptions(
    program
      .command("translate")
      .description("translate one article; prints the translation (Markdown, or --json)")
      .argument("[input]", "an article file, or - for stdin (read by itself when piped)")
      .requiredOption("--to <code>", "target language (required), e.g. de, en, de-CH")
      .option("--json", "print the result as one JSON object")
      .option("--jsonl", "print the result as one line of JSON"),
  ).action(async (input: string | undefined, options) => {
    const [lang] = languageList(options.to);
    io.exitCode = await runArticles(inputsOrStdin(input ? [input] : []), options, [lang!], ["translate"], (result) => {
      if (options.jsonl) writeStdout(JSON.stringify(result) + "\n");
      else if (options.json) writeStdout(JSON.stringify(result, null, 2) + "\n");
      else writeStdout(translationMarkdown(result, lang!));
    });
  });

  batchCommand(program, "summarize", "summary and 3-5 key points per language for each article (one call per article)", ["digest"]).alias(
    "summarise",
  );

  batchCommand(program, "headlines", `${HEADLINES_PER_LANGUAGE} headline options per language for each article, with their character counts (one call per article)`, ["headlines"]);

  withCommonOptions(
    program
      .command("newsletter")
      .description("a newsletter section (headline, teaser, key points per article) in Markdown or email-safe HTML")
      .argument("[inputs...]", "files, folders, globs, JSONL files, http(s) URLs of pages or feeds, feed files, files listing URLs, or - for stdin (read by itself when piped)")
      .option("--lang <code>", "language of the section", "de")
      .option("--channels <list>", `also write ${CHANNELS.join(", ")} texts in the digest call: the layout's {{push}}, {{social}}, {{seo_title}}, {{seo_description}}`, channelList)
      .option("--json", "print the section's items as one JSON object instead of the layout")
      .addOption(new Option("--format <format>", "output format (rss, jsonfeed: the section as a feed)").choices(["md", "html", "rss", "jsonfeed"]).default("md"))
      .option("--link <url>", "rss/jsonfeed: the site the feed stands for (default: the origin of the first item's link)")
      .option("--title <text>", "section title")
      .option("--points <n>", "key points per item", positiveInt, 3)
      .addOption(new Option("--order <order>", "item order").choices(["newest", "input"]).default("newest"))
      .option("--template <file>", "your own layout file")
      .option("--headline <n>", `use headline option N (1-${HEADLINES_PER_LANGUAGE}, the headlines task; one more call per article unless cached) as each item's headline`, (value: string) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > HEADLINES_PER_LANGUAGE) throw new InvalidArgumentError(`expected a whole number from 1 to ${HEADLINES_PER_LANGUAGE}`);
        return n;
      }),
  ).action(async (inputs: string[], options) => {
    const [lang] = languageList(options.lang);
    // A broken layout fails before any model call is paid for.
    const feedFormat = options.format === "rss" || options.format === "jsonfeed";
    if (feedFormat && options.template) throw new ConfigError(`--template works with --format md or html, not ${options.format}`);
    if (!feedFormat) loadLayout(options.format, options.template);
    // Results arrive as they finish; --order input needs the order they were read in.
    const readOrder = new Map<Article, number>();
    const items: { item: NewsletterItem; index: number }[] = [];
    const tasks: TaskKind[] = options.headline ? ["digest", "headlines"] : ["digest"];
    const code = await runArticles(inputsOrStdin(inputs), options, [lang!], tasks, (result, article) => {
      const version = result.languages[lang!]!;
      const index = readOrder.get(article)!;
      readOrder.delete(article);
      items.push({
        index,
        item: {
          id: result.id,
          headline: itemHeadline(version, options.headline),
          teaser: version.snippet!.teaser,
          keyPoints: version.keyPoints ?? [],
          credit: result.source.credit,
          published: result.source.published,
          url: result.source.url,
          ...(version.channels ? { channels: version.channels } : {}),
        },
      });
    }, (article) => readOrder.set(article, readOrder.size));
    if (items.length > 0 && options.json) {
      items.sort((a, b) => a.index - b.index);
      writeStdout(JSON.stringify({ lang: lang!, title: options.title ?? null, items: items.map((i) => i.item) }, null, 2) + "\n");
    } else if (items.length > 0) {
      items.sort((a, b) => a.index - b.index);
      writeStdout(
        renderNewsletter(items.map((i) => i.item), {
          format: options.format,
          lang: options.variant?.find((v: string) => v.startsWith(lang!)) ?? lang!,
          title: options.title,
          points: options.points,
          order: options.order,
          template: options.template,
          link: options.link,
          generator: `newsdesk ${packageVersion()}`,
        }),
      );
    }
    io.exitCode = code;
  });

  // The review desk (src/serve/): flags parsed here, everything else in serve().
  program
    .command("serve")
    .description("the review desk: a local web page to check, edit, approve and export the results in a folder")
    .argument("<dir>", "results folder (what run/summarize --out wrote)")
    .option("--port <n>", "port", positiveInt, 4417)
    .option("--host <host>", "address to listen on; any but loopback needs --token-file", "127.0.0.1")
    .option("--token-file <file>", "file whose first line is the token every request must carry")
    .option("--model <name>", "model for retranslating a paragraph or re-running the digest (default: $NEWSDESK_MODEL or gpt-4o-mini)")
    .option("--cache <file>", "cache file (default: $XDG_CACHE_HOME/newsdesk/cache.sqlite)")
    .option("--no-cache", "neither read nor write the cache")
    .option("--prompts <dir>", "folder with the prompt files (default: the shipped prompts/)")
    .option("--glossary <file>", "glossary CSV or JSON (default: the shipped one)")
    .option("--no-glossary", "use no glossary")
    .option("--variant <codes>", "regional variants, e.g. de-CH, en-GB", languageList)
    .option("--prices <file>", "price table JSON over the shipped one")
    .action(async (dir: string, options) => {
      const { serve } = await import("../serve/index.ts");
      const desk = await serve({
        dir,
        host: options.host,
        port: options.port,
        tokenFile: options.tokenFile,
        model: options.model,
        cache: options.cache === true ? undefined : options.cache,
        prompts: options.prompts,
        glossary: options.glossary === true ? undefined : options.glossary,
        variants: options.variant,
        prices: options.prices,
      });
      io.stderr.write(`newsdesk: review desk for ${dir} at ${desk.url}${options.tokenFile ? "?token=<your token>" : ""} (Ctrl-C stops it)\n`);
      await new Promise((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await desk.close();
    });

  program
    .command("status")
    .description("the effective setup, without secrets: model, server, key set or not, cache, prompts, glossary")
    .option("-m, --model <name>", "model name")
    .addOption(new Option("--provider <name>", "who serves the model").choices([...PROVIDER_KINDS]))
    .option("--cache <file>", "cache file")
    .option("--prompts <dir>", "folder with the prompt files")
    .option("--glossary <file>", "glossary file")
    .option("--probe", "send one cheap request to the server (a few tokens) and say how it went")
    .option("--json", "as JSON")
    .action(async (options) => {
      const rawKey = io.env.OPENAI_API_KEY;
      const baseURL = io.env.OPENAI_BASE_URL?.trim();
      let server = "api.openai.com (default)";
      if (baseURL) {
        try {
          const url = new URL(baseURL);
          server = `${url.protocol}//${url.host}${url.pathname} (OPENAI_BASE_URL)`; // never user:password@
        } catch {
          server = "OPENAI_BASE_URL is not a URL";
        }
      }
      const cacheFile = cachePathOf(options.cache);
      let cacheLine = "none yet";
      if (existsSync(cacheFile)) {
        try {
          const store = new Cache(cacheFile, { readonly: true });
          const stats = store.stats();
          store.close();
          cacheLine = `${stats.articles} articles, ${stats.entries} entries, ${(stats.bytes / 1024).toFixed(0)} KiB`;
        } catch (error) {
          cacheLine = `unusable: ${describeError(error)}`;
        }
      }
      const prompts = loadPromptSet(options.prompts);
      const glossaryFile = typeof options.glossary === "string" ? options.glossary : defaultGlossaryPath();
      const glossary = loadGlossary(glossaryFile);
      const status: Record<string, unknown> = {
        version: packageVersion(),
        model: modelName(options),
        provider: options.provider || io.env.NEWSDESK_PROVIDER?.trim() || "openai",
        server,
        key: rawKey?.trim() ? "set" : "not set",
        envFiles: io.envFiles,
        cache: { file: cacheFile, contents: cacheLine },
        // Every prompt file a command may use: the shared three, and those of headlines and --channels.
        prompts: Object.fromEntries(
          [...Object.values(prompts), headlinesPrompt(prompts), channelsPromptFor(prompts)].map((p) => [p.name, `${p.file} ${p.hash.slice(0, 12)}`]),
        ),
        glossary: `${glossaryFile} (${glossary.length} terms)`,
      };
      if (options.probe) {
        const config = modelConfig(io.env, options.model, options.provider);
        const client = createModelClient({ ...providerOptions(config), maxRetries: 0, timeoutMs: 30_000 });
        const started = Date.now();
        try {
          await client.probe(config.model);
          status.probe = `ok in ${Date.now() - started} ms`;
        } catch (error) {
          status.probe = `failed after ${Date.now() - started} ms: ${describeError(error)}`;
          io.exitCode = EXIT_USAGE;
        }
      }
      if (options.json) return void writeStdout(JSON.stringify(status, null, 2) + "\n");
      const lines = [
        `newsdesk ${status.version}`,
        `model:     ${status.model}`,
        `provider:  ${status.provider}`,
        `server:    ${status.server}`,
        `key:       ${status.key} (OPENAI_API_KEY)`,
        `.env read: ${io.envFiles.length ? io.envFiles.join(", ") : "none"} (also looked for ./.env and ${userEnvPath(io.env)})`,
        `cache:     ${cacheFile}: ${cacheLine}`,
        ...Object.entries(status.prompts as Record<string, string>).map(([name, where]) => `prompt:    ${name} ${where}`),
        `glossary:  ${status.glossary}`,
        ...(status.probe ? [`probe:     ${status.probe}`] : []),
      ];
      writeStdout(terminalSafe(lines.join("\n")).replace(/\\x0a/g, "\n") + "\n");
    });

  const cache = program.command("cache").description("look into or empty the cache: path, list, show, stats, prune, clear");
  const cachePath = (options: { cache?: string }) => cachePathOf(options.cache);
  /** Looking never creates anything: a missing file is "nothing cached yet". */
  const openToRead = (options: { cache?: string; json?: boolean }, empty: unknown): Cache | null => {
    const file = cachePath(options);
    if (existsSync(file)) return new Cache(file, { readonly: true });
    writeStdout(options.json ? JSON.stringify(empty) + "\n" : `no cache at ${file} (nothing cached yet)\n`);
    return null;
  };
  const age = (iso: string) => {
    const hours = (Date.now() - Date.parse(iso)) / 3_600_000;
    return hours < 1 ? `${Math.max(0, Math.round(hours * 60))} min` : hours < 48 ? `${Math.round(hours)} h` : `${Math.round(hours / 24)} d`;
  };
  cache
    .command("path")
    .description("print where the cache file is")
    .option("--cache <file>", "cache file")
    .action((options) => writeStdout(cachePath(options) + "\n"));
  cache
    .command("list")
    .description("cached articles, newest first: id, title, languages, task kinds, age")
    .option("--cache <file>", "cache file")
    .option("--limit <n>", "at most this many articles", atLeastOne, 50)
    .option("--json", "as JSON (one array)")
    .action((options) => {
      const store = openToRead(options, []);
      if (!store) return;
      const articles = store.list(options.limit);
      store.close();
      if (options.json) return void writeStdout(JSON.stringify(articles, null, 2) + "\n");
      for (const a of articles) {
        writeStdout(terminalSafe(`${a.id}  ${a.langs.join(",") || "-"}  ${a.tasks.join(",")}  ${age(a.newest)}  ${a.title}`) + "\n");
      }
    });
  cache
    .command("show")
    .description("print what the cache holds for one article (its id, or a unique start of it)")
    .argument("<id>", "article id as `cache list` shows it")
    .option("--cache <file>", "cache file")
    .action((id: string, options) => {
      const store = openToRead(options, null);
      if (!store) return;
      const found = store.show(id);
      store.close();
      if (!found) throw new ConfigError(`no cached article ${JSON.stringify(id)} in ${cachePath(options)} (see newsdesk cache list)`);
      writeStdout(JSON.stringify(found, null, 2) + "\n");
    });
  cache
    .command("stats")
    .description("how much the cache holds: articles, entries per task, size")
    .option("--cache <file>", "cache file")
    .option("--json", "as JSON")
    .action((options) => {
      const store = openToRead(options, null);
      if (!store) return;
      const stats = store.stats();
      store.close();
      if (options.json) return void writeStdout(JSON.stringify(stats, null, 2) + "\n");
      const tasks = Object.entries(stats.byTask).map(([t, n]) => `${t} ${n}`).join(", ") || "none";
      writeStdout(
        `${stats.file}\n${stats.articles} article${stats.articles === 1 ? "" : "s"}, ${stats.entries} entries (${tasks}), ${(stats.bytes / 1024).toFixed(0)} KiB` +
          (stats.oldest ? `, from ${stats.oldest} to ${stats.newest}` : "") + "\n",
      );
    });
  cache
    .command("clear")
    .description("remove everything (asks first on a terminal)")
    .option("--cache <file>", "cache file")
    .option("-y, --yes", "do not ask")
    .action(async (options) => {
      const file = cachePath(options);
      if (!options.yes && io.stdin.isTTY && io.stderr.isTTY && existsSync(file)) {
        const { createInterface } = await import("node:readline/promises");
        const rl = createInterface({ input: io.stdin, output: io.stderr });
        const answer = await rl.question(`remove every cached answer in ${file}? [y/N] `);
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) return void say("newsdesk: nothing removed");
      }
      let store: Cache;
      try {
        store = new Cache(file);
      } catch (error) {
        // A damaged file or one that is no database at all: clearing means starting afresh.
        if (!(error instanceof CacheError) || !existsSync(file) || !statSync(file).isFile()) throw error;
        Cache.remove(file);
        return void writeStdout(`${file} was not a usable cache (${error.problem}); removed it\n`);
      }
      const n = store.clear();
      store.close();
      writeStdout(`removed ${n} entries from ${store.file}\n`);
    });
  cache
    .command("prune")
    .description("remove entries, fetched pages and collected batches unused for a while, and give the space back")
    .option("--cache <file>", "cache file")
    .option("--older-than <days>", "remove entries unused for this many days", positiveInt, 30)
    .action((options) => {
      const store = new Cache(cachePath(options));
      const before = store.stats().bytes;
      const removed = store.prune(options.olderThan * 86_400_000);
      const after = store.stats().bytes;
      store.close();
      const extra = [removed.pages ? `${removed.pages} fetched page${removed.pages === 1 ? "" : "s"}` : "", removed.batches ? `${removed.batches} collected batch${removed.batches === 1 ? "" : "es"}` : ""].filter(Boolean);
      writeStdout(`removed ${removed.entries} ${removed.entries === 1 ? "entry" : "entries"}${extra.length ? ` (and ${extra.join(" and ")})` : ""} unused for ${options.olderThan} days; ${((before - after) / 1024).toFixed(0)} KiB freed\n`);
    });

  batchesCommand(program);
  return program;
}

let turn: Promise<unknown> = Promise.resolve();

/**
 * Runs the command line on the given streams, environment and arguments, and resolves to the exit
 * code. Nothing is read from or written to the process's own streams or environment, so a test
 * (or a program) can run it in-process; runs in one process take turns.
 */
export function runCli(options: Partial<CliIo> = {}): Promise<number> {
  const next = turn.then(() => runOnce(options));
  turn = next.catch(() => undefined);
  return next;
}

async function runOnce(options: Partial<CliIo>): Promise<number> {
  const finish = startRun(options);
  try {
    io.envFiles = loadEnvFile(".env", io.env);
    registerSecret(io.env.OPENAI_API_KEY);
    const program = buildProgram();
    try {
      await program.parseAsync(io.argv);
      return Number(io.exitCode ?? EXIT_OK);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "commander.helpDisplayed" || code === "commander.version" || code === "commander.help") return EXIT_OK;
      if (typeof code === "string" && code.startsWith("commander.")) return EXIT_USAGE;
      io.stderr.write(`newsdesk: ${describeError(error)}\n`);
      return exitCodeOf(error);
    }
  } finally {
    finish();
  }
}

/** The command line of this process. */
export function main(): Promise<number> {
  return runCli();
}
