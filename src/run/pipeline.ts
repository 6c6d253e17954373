// Plans and runs the tasks of one article: a translation per language the article is not in,
// one digest for all languages; each task goes cache -> model -> checks -> cache.
import pLimit from "p-limit";
import { createHash } from "node:crypto";
import { addUsage, emptyUsage, type Article, type ArticleResult, type LanguageResult, type Provenance } from "../core/types.ts";
import type { Limiter, ModelClient } from "../model/openai.ts";
import type { Cache } from "../core/cache.ts";
import { loadPromptSet, type PromptSet } from "../core/prompts.ts";
import { baseLanguage } from "../core/language.ts";
import { targetFor } from "../core/styles.ts";
import { applyHouseStyle } from "../checks/index.ts";
import type { TaskContext } from "../tasks/request.ts";
import type { GlossaryEntry } from "../core/glossary.ts";
import type { TaskOutcome } from "../tasks/run-task.ts";
import { translateArticle } from "../tasks/translate.ts";
import { digestArticle } from "../tasks/digest.ts";
import { usageOf, withUsage } from "../core/errors.ts";

export type TaskKind = "translate" | "digest";

export type { Limiter } from "../model/openai.ts";

export interface PipelineOptions {
  client: ModelClient;
  model: string;
  /** null: no cache (--no-cache). */
  cache: Cache | null;
  /** Requested languages, e.g. ["de", "en"]; the result's `languages` keys. */
  languages: string[];
  /** Regional variants applied to matching languages: ["de-CH"] turns "de" into de-CH. */
  variants?: string[];
  /** Which tasks to run: `run` does both, `summarize`/`newsletter` only the digest. */
  tasks?: TaskKind[];
  prompts?: PromptSet;
  glossary?: GlossaryEntry[];
  repairs?: number;
  /** The model's context window in tokens, for splitting long articles (default 128,000). */
  contextTokens?: number;
  /** Article tokens per translation call; by default derived from the context and the prompt's max_tokens. */
  chunkTokens?: number;
  /** Model calls at once across everything this pipeline runs (default 8). */
  concurrency?: number;
  limiter?: Limiter;
  signal?: AbortSignal;
}

/** A prepared pipeline: prompts loaded once, one limiter and one in-flight table across a batch. */
export interface Pipeline {
  options: PipelineOptions;
  context: TaskContext;
  limiter: Limiter;
  inFlight: Map<string, Promise<TaskOutcome<unknown>>>;
  provenance: Provenance;
}

function provenanceOf(model: string, prompts: PromptSet, glossary: GlossaryEntry[]): Provenance {
  const short = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 12);
  return {
    model,
    prompts: Object.fromEntries(Object.values(prompts).map((p) => [p.name, p.hash.slice(0, 12)])),
    glossary: glossary.length ? `${glossary.length} terms, ${short(JSON.stringify(glossary))}` : null,
  };
}

export function createPipeline(options: PipelineOptions): Pipeline {
  const prompts = options.prompts ?? loadPromptSet();
  const limit = pLimit(Math.max(1, options.concurrency ?? 8));
  return {
    options,
    context: { prompts, model: options.model, glossary: options.glossary ?? [], languages: options.languages },
    limiter: options.limiter ?? ((fn) => limit(fn)),
    inFlight: new Map(),
    provenance: provenanceOf(options.model, prompts, options.glossary ?? []),
  };
}

/** Everything `run` does for one article. Throws when a task fails; finished tasks stay cached. */
export async function processArticle(article: Article, pipelineOrOptions: Pipeline | PipelineOptions): Promise<ArticleResult> {
  const pipeline = "inFlight" in pipelineOrOptions ? pipelineOrOptions : createPipeline(pipelineOrOptions);
  const { options } = pipeline;
  const tasks = options.tasks ?? ["translate", "digest"];
  const targets: Record<string, string> = {};
  for (const lang of options.languages) targets[lang] = targetFor(lang, options.variants);

  const usage = emptyUsage();
  const warnings: string[] = [...(article.warnings ?? [])];
  const languages: Record<string, Partial<LanguageResult>> = {};
  for (const lang of options.languages) languages[lang] = targets[lang] !== lang ? { variant: targets[lang] } : {};

  const jobs: Promise<void>[] = [];
  if (tasks.includes("translate")) {
    for (const [lang, target] of Object.entries(targets)) {
      if (baseLanguage(target) === article.lang) {
        languages[lang]!.title = applyHouseStyle(article.title, target);
        languages[lang]!.paragraphs = article.paragraphs.map((p) => applyHouseStyle(p, target));
        continue;
      }
      jobs.push(
        translateArticle(pipeline, article, target).then((outcome) => {
          addUsage(usage, outcome.usage);
          warnings.push(...outcome.warnings.map((w) => `translate ${lang}: ${w}`));
          languages[lang]!.title = applyHouseStyle(outcome.value.title, target);
          languages[lang]!.paragraphs = outcome.value.paragraphs.map((p) => applyHouseStyle(p, target));
        }),
      );
    }
  }
  if (tasks.includes("digest")) {
    jobs.push(
      digestArticle(pipeline, article, targets).then((outcome) => {
        addUsage(usage, outcome.usage);
        warnings.push(...outcome.warnings.map((w) => `digest ${w}`));
        for (const [lang, target] of Object.entries(targets)) {
          const digest = outcome.value[lang]!;
          const style = (s: string) => applyHouseStyle(s, target);
          Object.assign(languages[lang]!, {
            summary: style(digest.summary),
            keyPoints: digest.keyPoints.map(style),
            snippet: { headline: style(digest.snippet.headline), teaser: style(digest.snippet.teaser) },
          });
        }
      }),
    );
  }
  // Wait for every task, so each finished one reaches the cache, then report the first failure.
  const settled = await Promise.allSettled(jobs);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    for (const s of settled) if (s.status === "rejected") addUsage(usage, usageOf(s.reason) ?? emptyUsage());
    throw withUsage(failed.reason, usage);
  }

  return {
    id: article.id,
    source: {
      path: article.source.path,
      lang: article.lang,
      title: article.title,
      published: article.published,
      credit: article.credit,
      url: article.url,
    },
    languages,
    usage,
    warnings,
    provenance: pipeline.provenance,
  };
}
