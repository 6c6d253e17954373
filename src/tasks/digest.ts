// The digest task: one call for every result language (summary, key points, snippet), each
// language's part also cached on its own; an article too long for one call is digested in
// chunks first (map), then from those (reduce).
import type { Article } from "../core/types.ts";
import { addUsage, emptyUsage } from "../core/types.ts";
import { renderPrompt } from "../core/prompts.ts";
import { languageName } from "../core/language.ts";
import { styleRules } from "../core/styles.ts";
import { glossaryFor, glossaryPromptText } from "../core/glossary.ts";
import { countTokens, fitsInTokens } from "../core/tokens.ts";
import { applyHouseStyle, checkDigest } from "../checks/index.ts";
import type { Finding } from "../core/types.ts";
import { DEFAULT_CONTEXT_TOKENS, PROMPT_OVERHEAD_TOKENS, chunkParagraphs, type Chunk } from "./chunking.ts";
import { ARTICLE_TASKS, digestAnswer, digestSchema, type Digest } from "./schemas.ts";
import { bullets, houseMessages, keyFor, memo, responseSchemaFor, shapeHash, type TaskRequest } from "./request.ts";
import { cacheMeta, cachedOutcome, combine, runTask } from "./run-task.ts";
import type { PlannedCall, Task, TaskContext, TaskOutcome, TaskRun } from "./context.ts";

/** Guessed answer tokens: a summary, points and a snippet per language. */
const TOKENS_PER_LANGUAGE = 220;

const digestAnswers = new Map<string, ReturnType<typeof digestAnswer>>();
const digestAnswerFor = (keys: string[]) => memo(digestAnswers, keys.join(","), () => digestAnswer(keys));

/** One digest call for every requested language; `targets` maps result key -> target ("de" -> "de-CH"). */
export function digestRequest(ctx: TaskContext, article: Article, targets: Record<string, string>) {
  const { prompts } = ctx;
  const keys = Object.keys(targets);
  const schema = digestAnswerFor(keys);
  const sourceText = [article.title, ...article.paragraphs].join("\n");
  const styleLines = keys.flatMap((k) => styleRules(targets[k]!).map((rule) => `${k}: ${rule}`));
  const glossaryLines = keys
    .map((k) => {
      const text = glossaryPromptText(glossaryFor(ctx.glossary, sourceText, targets[k]!));
      return text ? `${k}:\n${text}` : "";
    })
    .filter(Boolean);
  const messages = [
    ...houseMessages(prompts, article),
    ...renderPrompt(prompts.digest, {
      languages: keys.join(", "),
      language_list: keys.map((k) => `${k} (${languageName(targets[k]!)})`).join(", "),
      style_rules: bullets(styleLines),
      glossary: glossaryLines.length ? `- Use the desk's terms:\n${glossaryLines.join("\n")}` : "",
    }),
  ];
  const settings = prompts.digest.settings;
  const request: TaskRequest<typeof schema> = {
    task: "digest",
    label: `digest ${keys.join(",")}`,
    article: { id: article.id, title: article.title },
    langs: keys.map((k) => targets[k]!),
    key: keyFor("digest", [prompts.house, prompts.digest], ctx.model, shapeHash(`digest:${keys.join(",")}`, () => digestSchema(keys)), settings, messages),
    messages,
    schema,
    responseSchema: responseSchemaFor(keys),
    schemaName: ARTICLE_TASKS,
    temperature: settings.temperature,
    maxTokens: settings.max_tokens,
    check: (value) =>
      keys.flatMap((k) =>
        checkDigest({
          source: { title: article.title, paragraphs: article.paragraphs, lang: article.lang },
          digest: (value as Record<string, never>)[k]!,
          target: targets[k]!,
          glossary: glossaryFor(ctx.glossary, sourceText, targets[k]!),
        }).map((f: Finding) => ({ ...f, message: `${k}: ${f.message}` })),
      ),
  };
  return request;
}

/**
 * The single-language digests a multi-language digest is also cached as (so a newsletter in one
 * language reuses a summary made for two); empty for a one-language digest.
 */
export function digestPartRequests(ctx: TaskContext, article: Article, targets: Record<string, string>) {
  const keys = Object.keys(targets);
  return keys.length > 1 ? keys.map((k) => ({ lang: k, request: digestRequest(ctx, article, { [k]: targets[k]! }) })) : [];
}

/** null when the article fits one digest call, else its chunks (map-reduce): the decision run and plan share. */
function digestChunks(context: TaskContext, article: Article): Chunk[] | null {
  const budget = (context.contextTokens ?? DEFAULT_CONTEXT_TOKENS) - PROMPT_OVERHEAD_TOKENS - (context.prompts.digest.settings.max_tokens ?? 4_000);
  if (fitsInTokens(article.paragraphs, budget)) return null;
  return chunkParagraphs(article.paragraphs, Math.max(50, budget), countTokens);
}

/** The digest request of one chunk (in the article's own language): the map step. */
function chunkRequest(context: TaskContext, article: Article, chunk: Chunk) {
  return digestRequest(context, { ...article, paragraphs: chunk.paragraphs }, { [article.lang]: article.lang });
}

/** The article the reduce step digests: one paragraph per chunk digest. */
function reducedArticle(article: Article, parts: Digest[]): Article {
  return { ...article, paragraphs: parts.map((d) => [d[article.lang]!.summary, ...d[article.lang]!.keyPoints].join(" ")) };
}

/**
 * One digest call for all languages. Each language's part is also cached under the key of a
 * digest for that language alone, so `newsletter --lang de` after `summarize --lang de,en` is free.
 */
export async function digestArticle(run: TaskRun, article: Article, targets: Record<string, string>): Promise<TaskOutcome<Digest>> {
  const whole = digestRequest(run, article, targets);
  const hit = cachedOutcome<Digest>(run, whole);
  if (hit) return hit;
  const parts = digestPartRequests(run, article, targets);
  const cachedParts = parts.map(({ lang, request }) => ({ lang, entry: run.cache?.get<Digest>(request.key) }));
  if (parts.length && cachedParts.every(({ entry }) => entry)) {
    const value: Digest = {};
    const warnings: string[] = [];
    for (const { lang, entry } of cachedParts) {
      value[lang] = entry!.value[lang]!;
      warnings.push(...entry!.warnings);
    }
    return { value, warnings, usage: { ...emptyUsage(), cacheHits: 1 } };
  }

  const chunks = digestChunks(run, article);
  const mapped = chunks ? await Promise.all(chunks.map((chunk) => runTask<Digest>(run, chunkRequest(run, article, chunk)))) : [];
  const request = chunks ? digestRequest(run, reducedArticle(article, mapped.map((o) => o.value)), targets) : whole;
  const result = await runTask<Digest>(run, request);
  for (const { lang, request: part } of parts) {
    run.cache?.set(part.key, cacheMeta(part, run.model), {
      value: { [lang]: result.value[lang]! },
      warnings: result.warnings.filter((w) => w.startsWith(`${lang}: `)),
    });
  }
  const outcome = combine(mapped, null);
  addUsage(outcome.usage, result.usage);
  return { value: result.value, usage: outcome.usage, warnings: [...outcome.warnings, ...result.warnings] };
}

export const digestTask: Task<Digest> = {
  kind: "digest",

  jobs(_article, targets) {
    return [{ targets }];
  },

  run(run, article, job) {
    return digestArticle(run, article, job.targets);
  },

  plan(context, article, job): PlannedCall[] {
    const keys = Object.keys(job.targets);
    const completionTokens = TOKENS_PER_LANGUAGE * keys.length;
    const chunks = digestChunks(context, article);
    if (!chunks) {
      return [{ request: digestRequest(context, article, job.targets) as TaskRequest, completionTokens, alsoCachedAs: digestPartRequests(context, article, job.targets).map((p) => p.request as TaskRequest) }];
    }
    // Map: one call per chunk; reduce: one call over the chunks' digests, whose text a plan cannot
    // know (a stand-in of the same size; its key never matches the cache).
    const standIn: Digest = { [article.lang]: { summary: "x ".repeat(50).trim(), keyPoints: ["x", "x", "x"], snippet: { headline: "x", teaser: "x" } } };
    return [
      ...chunks.map((chunk) => ({ request: chunkRequest(context, article, chunk) as TaskRequest, completionTokens: TOKENS_PER_LANGUAGE })),
      { request: digestRequest(context, reducedArticle(article, chunks.map(() => standIn)), job.targets) as TaskRequest, completionTokens },
    ];
  },

  apply(languages, job, value) {
    for (const [key, target] of Object.entries(job.targets)) {
      const digest = value[key]!;
      const style = (s: string) => applyHouseStyle(s, target);
      Object.assign(languages[key]!, {
        summary: style(digest.summary),
        keyPoints: digest.keyPoints.map(style),
        snippet: { headline: style(digest.snippet.headline), teaser: style(digest.snippet.teaser) },
      });
    }
  },
};
