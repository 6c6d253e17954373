// Runs the tasks of one article: a list of tasks (translate, digest, ...), each with its jobs
// (a translation per language, one digest), all in parallel; each job goes cache -> model ->
// checks -> cache. The same tasks plan the article for --dry-run.
import pLimit from "p-limit";
import { createHash } from "node:crypto";
import { addUsage, emptyUsage, type Article, type ArticleResult, type Channel, type LanguageResult, type Provenance, type TaskKind, type Usage } from "../core/types.ts";
import { checkFormality, type FormalitySetting } from "../core/formality.ts";
import { normaliseChannels } from "../checks/index.ts";
import { channelsPromptFor } from "../tasks/digest.ts";
import { headlinesPrompt } from "../tasks/headlines.ts";
import type { Cache } from "../core/cache.ts";
import { loadPromptSet, type PromptSet } from "../core/prompts.ts";
import { targetFor } from "../core/styles.ts";
import type { GlossaryEntry } from "../core/glossary.ts";
import { usageOf, withUsage } from "../core/errors.ts";
import type { ChatModel, Limiter } from "../model/provider.ts";
import { taskFor, type PlannedCall, type TaskContext, type TaskOutcome, type TaskRun } from "../tasks/index.ts";
import { runTask } from "../tasks/run-task.ts";
import { ArticleCalls, joinable } from "../tasks/article-calls.ts";
import type { TaskRequest } from "../tasks/request.ts";

export type { Limiter } from "../model/provider.ts";
export type { TaskKind, Channel, ChannelTexts } from "../core/types.ts";
export type { Formality, FormalitySetting } from "../core/formality.ts";

export interface PipelineOptions {
  client: ChatModel;
  model: string;
  /** null: no cache (--no-cache). */
  cache: Cache | null;
  /** Requested languages, e.g. ["de", "en"]; the result's `languages` keys. */
  languages: string[];
  /** Regional variants applied to matching languages: ["de-CH"] turns "de" into de-CH. */
  variants?: string[];
  /** Which tasks to run: `run` does translate and digest, `summarize`/`newsletter` only the digest. */
  tasks?: TaskKind[];
  prompts?: PromptSet;
  glossary?: GlossaryEntry[];
  repairs?: number;
  /** The model's context window in tokens, for splitting long articles (default 128,000). */
  contextTokens?: number;
  /** Article tokens per translation call; by default derived from the context and the prompt's max_tokens. */
  chunkTokens?: number;
  /**
   * Channel texts the digest also writes, per language (--channels): "push" (≤ 110 characters),
   * "social" (≤ 280), "seo" (seoTitle ≤ 60, seoDescription ≤ 155). None: the digest as before.
   */
  channels?: Channel[];
  /**
   * The desk's register for German (--formality): "formal" (Sie) or "informal" (du) for every
   * German target, or per variant: { "de-CH": "informal", de: "formal" }. None: no register.
   */
  formality?: FormalitySetting;
  /** Model calls at once across everything this pipeline runs (default 8); ignored with a `limiter`. */
  concurrency?: number;
  limiter?: Limiter;
  signal?: AbortSignal;
  /**
   * Send an article's calls as one when it is too short for a provider's prompt cache, else its
   * other calls once the first is answered, so they hit the cached prefix (default true; false: each call at once).
   */
  prefixFirst?: boolean;
  /** One joint call for an article's tasks where the article is too short for a prompt cache (default true; false: a call per task). */
  joint?: boolean;
}

function provenanceOf(model: string, prompts: PromptSet, glossary: GlossaryEntry[]): Provenance {
  const short = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 12);
  return {
    model,
    prompts: Object.fromEntries(Object.values(prompts).map((p) => [p.name, p.hash.slice(0, 12)])),
    glossary: glossary.length ? `${glossary.length} terms, ${short(JSON.stringify(glossary))}` : null,
  };
}

/** A prepared pipeline: prompts loaded once, one limiter and one table of work in flight across a batch. */
export class Pipeline {
  readonly options: Readonly<PipelineOptions>;
  readonly tasks: TaskKind[];
  /** What made its results: recorded in each. */
  readonly provenance: Provenance;
  private readonly run: TaskRun;

  /** `shared`: another pipeline's client, limiter and work in flight (see derive). */
  constructor(options: PipelineOptions, shared?: TaskRun) {
    this.options = options;
    this.tasks = options.tasks ?? ["translate", "digest"];
    const prompts = options.prompts ?? shared?.prompts ?? loadPromptSet();
    const limit = pLimit(Math.max(1, options.concurrency ?? 8));
    const channels = normaliseChannels(options.channels);
    const asked = { channels: channels.length ? channels : undefined, formality: checkFormality(options.formality) };
    this.run = shared ? { ...shared, ...asked, languages: options.languages, cache: options.cache, tasks: this.tasks } : {
      prompts,
      model: options.model,
      glossary: options.glossary ?? [],
      languages: options.languages,
      contextTokens: options.contextTokens,
      chunkTokens: options.chunkTokens,
      ...asked,
      tasks: options.tasks ?? ["translate", "digest"],
      chat: options.client,
      cache: options.cache,
      limiter: options.limiter ?? ((fn) => limit(fn)),
      inFlight: new Map(),
      repairs: options.repairs ?? 2,
      signal: options.signal,
    };
    this.provenance = provenanceOf(options.model, prompts, this.run.glossary);
    // With channels the digest also used prompts/channels.md.
    if (this.run.channels) this.provenance.prompts.channels = channelsPromptFor(this.run.prompts).hash.slice(0, 12);
    // The headlines task uses prompts/headlines.md.
    if (this.tasks.includes("headlines")) this.provenance.prompts.headlines = headlinesPrompt(this.run.prompts).hash.slice(0, 12);
  }

  get model(): string {
    return this.options.model;
  }

  /** What requests are built from: prompts, model, glossary, languages, token budgets. */
  get context(): TaskContext {
    return this.run;
  }

  /**
   * The same client, limiter and work in flight for other languages, channels or register, or with
   * another cache (e.g. one that only writes). What is not given stays as it is.
   */
  derive(changes: { languages?: string[]; cache?: Cache | null; channels?: Channel[]; formality?: FormalitySetting }): Pipeline {
    return new Pipeline({ ...this.options, ...changes }, this.run);
  }

  /** One job of one task for an article, outside `process` (e.g. the review desk's digest again). */
  runJob<V>(kind: TaskKind, article: Article, targets: Record<string, string>): Promise<TaskOutcome<V>> {
    return taskFor(kind).run(this.run, article, { targets }) as Promise<TaskOutcome<V>>;
  }

  get prompts(): PromptSet {
    return this.run.prompts;
  }

  /** Result key -> target written: "de" -> "de-CH" under --variant de-CH. */
  targets(): Record<string, string> {
    return Object.fromEntries(this.options.languages.map((lang) => [lang, targetFor(lang, this.options.variants)]));
  }

  /** One request through the cache, single-flight and the model, outside any task (e.g. the review desk's). */
  request<T>(request: TaskRequest): Promise<TaskOutcome<T>> {
    return runTask<T>(this.run, request);
  }

  /** Everything the pipeline's tasks do for one article. Throws when a task fails; finished tasks stay cached. */
  async process(article: Article): Promise<ArticleResult> {
    const targets = this.targets();
    const usage = emptyUsage();
    const warnings: string[] = [...(article.warnings ?? [])];
    const languages: Record<string, Partial<LanguageResult>> = {};
    for (const [lang, target] of Object.entries(targets)) languages[lang] = target !== lang ? { variant: target } : {};

    const work = this.tasks.flatMap((kind) => {
      const task = taskFor(kind);
      return task.jobs(article, targets).map((job) => ({ kind, task, job }));
    });
    // The article's calls: sent together when it is too short for a provider's prompt cache, else
    // the lead first and the others once it is answered, so they hit its cached prefix (article-calls.ts).
    const calls = this.options.prefixFirst === false ? undefined : new ArticleCalls(this.run, work.length, this.joins);
    const jobs = work.map(({ kind, task, job }) => {
      const gate = calls?.gate();
      return task
        .run(gate ? { ...this.run, calls: gate } : this.run, article, job)
        .then((outcome) => {
          addUsage(usage, outcome.usage);
          warnings.push(...outcome.warnings.map((w) => `${kind} ${w}`));
          task.apply(languages, job, outcome.value);
        })
        .finally(() => gate?.done());
    });
    // Wait for every task, so each finished one reaches the cache, then report the first failure.
    const settled = await Promise.allSettled(jobs);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) {
      for (const s of settled) if (s.status === "rejected") addUsage(usage, usageOf(s.reason) ?? emptyUsage());
      throw withUsage(failed.reason, usage);
    }
    return {
      id: article.id,
      source: { path: article.source.path, lang: article.lang, title: article.title, published: article.published, credit: article.credit, url: article.url },
      languages,
      usage: usage as Usage,
      warnings,
      provenance: this.provenance,
    };
  }

  /** Whether a short article's calls are one joint call (article-calls.ts): what `process` and `plan` both decide by. */
  get joins(): boolean {
    return this.options.prefixFirst !== false && this.options.joint !== false;
  }

  /** The calls `process` would make for this article, task by task: what --dry-run counts. */
  plan(article: Article): PlannedCall[] {
    const targets = this.targets();
    const perJob = this.tasks.flatMap((kind) => {
      const task = taskFor(kind);
      return task.jobs(article, targets).map((job) => task.plan(this.run, article, job));
    });
    // Each job's first call joins the article's wave (article-calls.ts): the joinable ones are one call.
    const together = !this.joins ? [] : joinable(perJob.flatMap((calls) => (calls[0] ? [calls[0].request] : [])));
    if (!together.length) return perJob.flat();
    const members = perJob.flatMap((calls) => (calls[0] && together.includes(calls[0].request) ? [calls[0]] : []));
    const rest = perJob.flat().filter((call) => !members.includes(call));
    return [{ request: members[0]!.request, completionTokens: 0, members }, ...rest];
  }
}

export function createPipeline(options: PipelineOptions): Pipeline {
  return new Pipeline(options);
}

/** Everything `run` does for one article. Throws when a task fails; finished tasks stay cached. */
export function processArticle(article: Article, pipeline: Pipeline | PipelineOptions): Promise<ArticleResult> {
  return (pipeline instanceof Pipeline ? pipeline : new Pipeline(pipeline)).process(article);
}
