// The command line's flags: the shared ones (CommonFlags) with their parsers, and what they decide
// for the library (task, read and provider options, the cache file, the model).
import { Command, InvalidArgumentError, Option } from "commander";
import { existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { defaultCachePath } from "../core/cache.ts";
import { DEFAULT_MODEL, PROVIDER_KINDS, type ModelConfig } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import { parseFormality, type FormalitySetting } from "../core/formality.ts";
import { defaultGlossaryPath, loadGlossary } from "../core/glossary.ts";
import { loadPromptSet } from "../core/prompts.ts";
import { KNOWN_VARIANTS } from "../core/styles.ts";
import { CHANNELS, type Channel } from "../core/types.ts";
import { parseSince } from "../article/since.ts";
import type { ReadOptions } from "../article/index.ts";
import { DEFAULT_TIMEOUT_MS, type ProviderOptions } from "../model/provider.ts";
import type { TaskKind } from "../run/pipeline.ts";
import { io } from "./io.ts";

export interface CommonFlags {
  model?: string;
  cache: string | boolean;
  prompts?: string;
  glossary?: string | boolean;
  concurrency: number;
  quiet?: boolean;
  variant?: string[];
  sourceLang?: string;
  maxBytes?: number;
  repairs: number;
  prices?: string;
  report?: string;
  dryRun?: boolean;
  debrisFile?: string;
  chunkTokens?: number;
  contextTokens?: number;
  timeout: number;
  maxCost?: number;
  out?: string;
  strict?: boolean;
  provider?: string;
  since?: Date;
  limit?: number;
  fetchTimeout?: number;
  /** --channels (run, summarize, newsletter). */
  channels?: Channel[];
  formality?: FormalitySetting;
  via?: "sync" | "batch";
  wait?: boolean;
  unfinished?: "resubmit" | "sync";
  batchSize?: number;
}

export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number of seconds above 0");
  return n;
}

export function dollars(value: string): number {
  const n = Number(value.replace(/^\$/, ""));
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected an amount in USD, e.g. 5 or 0.50");
  return n;
}

export function atLeastOne(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number of at least 1");
  return n;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number");
  return n;
}

function since(value: string): Date {
  try {
    return parseSince(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function channelList(value: string): Channel[] {
  const list = value.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const c of list) if (!(CHANNELS as readonly string[]).includes(c)) throw new InvalidArgumentError(`"${c}" is not a channel newsdesk writes (${CHANNELS.join(", ")})`);
  if (list.length === 0) throw new InvalidArgumentError(`expected channels, e.g. ${CHANNELS.join(",")}`);
  return list as Channel[];
}

export function formality(value: string): FormalitySetting {
  try {
    return parseFormality(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message.replace(/^--formality "[^"]*": /, ""));
  }
}

function variantList(value: string): string[] {
  const list = languageList(value);
  for (const code of list) {
    if (!KNOWN_VARIANTS.includes(code)) throw new InvalidArgumentError(`"${code}" is not a variant newsdesk knows (${KNOWN_VARIANTS.join(", ")})`);
  }
  return list;
}

export function languageList(value: string): string[] {
  const list = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const code of list) {
    if (!/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/.test(code)) throw new InvalidArgumentError(`"${code}" is not a language code (e.g. de, en, de-CH)`);
  }
  if (list.length === 0) throw new InvalidArgumentError("expected language codes, e.g. de,en");
  return list;
}

export function withCommonOptions(command: Command): Command {
  return command
    .option("-m, --model <name>", "model name (default: $NEWSDESK_MODEL or gpt-4o-mini; for azure: the deployment)")
    .addOption(new Option("--provider <name>", "who serves the model (default: $NEWSDESK_PROVIDER or openai)").choices([...PROVIDER_KINDS]))
    .option("--cache <file>", "cache file (default: $XDG_CACHE_HOME/newsdesk/cache.sqlite)")
    .option("--no-cache", "neither read nor write the cache")
    .option("--prompts <dir>", "folder with the prompt files (default: the shipped prompts/)")
    .option("--glossary <file>", "glossary CSV or JSON: source term, target language, target term (default: the shipped one)")
    .option("--no-glossary", "use no glossary")
    .option("--variant <codes>", `regional variants: ${KNOWN_VARIANTS.join(", ")}`, variantList)
    .option("--formality <register>", "German register: formal (Sie) or informal (du), or per variant: de-CH=informal,de=formal (default: $NEWSDESK_FORMALITY, else none)", formality)
    .option("--source-lang <code>", "language of the articles, instead of detecting it")
    .option("--max-bytes <n>", "largest input file or fetched page read", positiveInt)
    .option("--since <when>", "feeds: only items published since then: a duration (6h, 2d) or a date (2024-05-16)", since)
    .option("--limit <n>", "feeds: at most this many items per feed, newest first", atLeastOne)
    .option("--fetch-timeout <seconds>", "URLs: longest time for one page or feed, redirects and body included (default 30)", seconds)
    .option("--debris-file <file>", "more navigation debris to drop, one line per entry (added to the shipped list)")
    .option("--context-tokens <n>", "the model's context window, for splitting long articles (default 128000)", positiveInt)
    .option("--chunk-tokens <n>", "article tokens per translation call (default: from the context window and the prompt's max_tokens)", positiveInt)
    .addOption(new Option("--concurrency <n>", "model calls at once").default(8).argParser(atLeastOne))
    .addOption(new Option("--repairs <n>", "repair retries for an invalid answer (calls per task: at most repairs + 1)").default(2).argParser(positiveInt))
    .addOption(new Option("--timeout <seconds>", "longest wait for one model answer; a call that times out is tried once more").default(DEFAULT_TIMEOUT_MS / 1000).argParser(seconds))
    .option("--max-cost <usd>", "start no more articles once the estimated cost reaches this (USD); a rerun resumes", dollars)
    .option("--dry-run", "plan only: count calls, tokens and cost (cache hits included); no model call, no server needed")
    .option("--prices <file>", "price table JSON (model -> USD per million input, cachedInput, output tokens) over the shipped one; also $NEWSDESK_PRICES")
    .option("--report <file>", "write the batch summary (counts, usage, cost, failures) as JSON to this file")
    .option("--strict", "an article with warnings counts as failed (its result is not written)")
    .option("-q, --quiet", "no progress and no warnings on stderr (failures are still said)");
}

/** --via batch and its flags (the provider's Batch API; see run/batch-api.ts). */
export function withBatchApiOptions(command: Command): Command {
  return command
    .addOption(new Option("--via <how>", "sync: one call at a time (default); batch: the provider's Batch API, half the price, results within 24 h").choices(["sync", "batch"]).default("sync"))
    .option("--no-wait", "--via batch: submit the batches (or look in on them) and return; the same command again collects the results")
    .addOption(
      new Option("--unfinished <what>", "--via batch: tasks an expired or cancelled batch did not run: resubmit them in a new batch, or do them synchronously")
        .choices(["resubmit", "sync"])
        .default("resubmit"),
    )
    .option("--batch-size <n>", "--via batch: the most requests per batch (the provider's limit: 50000)", atLeastOne);
}

// --- What the flags decide: the library's options, the cache file, the model ---

/** --formality, else the desk's $NEWSDESK_FORMALITY (environment or .env), else none. */
function formalityOf(flags: CommonFlags): FormalitySetting | undefined {
  const desk = io.env.NEWSDESK_FORMALITY?.trim();
  return flags.formality ?? (desk ? parseFormality(desk, "NEWSDESK_FORMALITY") : undefined);
}

/** Each --variant must belong to a requested language: de-CH goes with de. */
export function checkVariants(variants: string[] | undefined, languages: string[]) {
  for (const variant of variants ?? []) {
    const base = variant.split("-")[0]!;
    if (!languages.some((l) => l.split("-")[0] === base)) {
      throw new ConfigError(`--variant ${variant}: ${base} is not among the languages asked for (${languages.join(",")})`);
    }
  }
}

export function readOptionsFor(flags: CommonFlags): ReadOptions {
  return {
    sourceLang: flags.sourceLang,
    maxBytes: flags.maxBytes,
    debrisFile: flags.debrisFile,
    stdin: io.stdin,
    since: flags.since,
    limit: flags.limit,
    fetchTimeoutMs: flags.fetchTimeout === undefined ? undefined : flags.fetchTimeout * 1000,
    // Fetched pages and their validators go into the same file as the task cache (table `pages`).
    fetchCache: cacheFileOf(flags) ?? undefined,
  };
}

export function cacheFileOf(flags: CommonFlags): string | null {
  return flags.cache === false ? null : typeof flags.cache === "string" ? flags.cache : defaultCachePath(io.env);
}

export function cachePathOf(flag?: string): string {
  return flag ?? defaultCachePath(io.env);
}

/** The shipped glossary unless --glossary names another or --no-glossary turns it off. */
function glossaryFor(flags: CommonFlags) {
  if (flags.glossary === false) return [];
  return loadGlossary(typeof flags.glossary === "string" ? flags.glossary : defaultGlossaryPath());
}

/** What the flags decide about the tasks: the same for a run and its --dry-run, so the plan is the run's. */
export function taskOptionsFor(flags: CommonFlags, languages: string[], tasks: TaskKind[]) {
  return {
    languages,
    variants: flags.variant,
    tasks,
    prompts: loadPromptSet(flags.prompts),
    glossary: glossaryFor(flags),
    repairs: flags.repairs,
    contextTokens: flags.contextTokens,
    chunkTokens: flags.chunkTokens,
    channels: flags.channels,
    formality: formalityOf(flags),
  };
}

export function modelName(flags: CommonFlags): string {
  return flags.model || io.env.NEWSDESK_MODEL?.trim() || DEFAULT_MODEL;
}

/** How the configured provider is reached. */
export function providerOptions(config: ModelConfig): ProviderOptions {
  return { kind: config.provider, apiKey: config.apiKey, baseURL: config.baseURL, apiVersion: config.apiVersion };
}

/** Where --out, --report and --cache point must be usable before the first call is paid for. */
export function checkPaths(flags: CommonFlags) {
  if (flags.out) {
    if (existsSync(flags.out) && !statSync(flags.out).isDirectory()) throw new ConfigError(`--out ${flags.out}: is a file, not a folder`);
    try {
      mkdirSync(flags.out, { recursive: true });
    } catch (error) {
      throw new ConfigError(`--out ${flags.out}: cannot create the folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  if (flags.report) {
    if (existsSync(flags.report) && statSync(flags.report).isDirectory()) throw new ConfigError(`--report ${flags.report}: is a folder; name a file`);
    const dir = path.dirname(flags.report);
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ConfigError(`--report ${flags.report}: ${dir} is not a folder`);
  }
}
