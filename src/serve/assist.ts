// Model help from the review page, through the project's own library: the pipeline's client,
// cache, limiter and prompts. Both give proposals: nothing is written to the result file until
// the editor saves.
import { fileURLToPath } from "node:url";
import { CHANNELS, type Article, type ArticleResult, type Channel, type ChannelTexts, type Usage } from "../core/types.ts";
import type { Pipeline } from "../run/pipeline.ts";
import { loadPrompt, renderPrompt, type Prompt } from "../core/prompts.ts";
import { articleBlock, withoutEchoedNumber } from "../tasks/article-block.ts";
import { cacheKey, type Cache } from "../core/cache.ts";
import { ARTICLE_TASKS, TranslationAnswer, TranslationSchema, type Translation } from "../tasks/schemas.ts";
import { glossaryFor, glossaryPromptText } from "../core/glossary.ts";
import { styleRules, targetFor } from "../core/styles.ts";
import { languageName } from "../core/language-tags.ts";
import { applyHouseStyle, checkTranslation } from "../checks/index.ts";
import { CHANNEL_FIELDS } from "../checks/channels.ts";
import { formalityFor, registerRule } from "../core/formality.ts";
import type { TaskOutcome } from "../tasks/context.ts";
import { responseSchemaFor, shapeHash, type TaskRequest } from "../tasks/request.ts";
import type { Digest } from "../tasks/schemas.ts";
import { sourceKey } from "./review.ts";

const PROMPTS_DIR = fileURLToPath(new URL("./prompts/", import.meta.url));
let retranslatePrompt: Prompt | undefined;

export class AssistError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The article a result was made from: its source-language version is the cleaned original. */
export function articleOf(result: ArticleResult): Article {
  const key = sourceKey(result);
  const paragraphs = key ? result.languages[key]?.paragraphs : undefined;
  if (!key || !Array.isArray(paragraphs) || paragraphs.length === 0) {
    throw new AssistError(409, "the result does not hold the source text (its source language was not among --lang)");
  }
  return {
    id: result.id,
    title: result.source.title,
    published: result.source.published,
    credit: result.source.credit,
    lang: result.source.lang,
    paragraphs,
    url: result.source.url,
    source: { path: result.source.path },
  };
}

export interface Proposal<T> {
  value: T;
  warnings: string[];
  usage: Usage;
}

/**
 * A new translation of one paragraph, the whole article in the prompt as its context: one call
 * (the house prefix is the same as the article's other calls), cached like every task.
 */
export async function retranslateParagraph(
  pipeline: Pipeline,
  result: ArticleResult,
  lang: string,
  index: number,
  variants: string[] = [],
): Promise<Proposal<string>> {
  const article = articleOf(result);
  if (!result.languages[lang]) throw new AssistError(422, "the result has no such language");
  if (lang === sourceKey(result)) throw new AssistError(422, "that is the source language");
  if (!Number.isInteger(index) || index < 0 || index >= article.paragraphs.length) throw new AssistError(422, "no such paragraph");
  const target = targetFor(lang, variants);
  const run = forResult(pipeline, result);
  const request = paragraphRequest(run, article, target, index);
  const outcome: TaskOutcome<Translation> = await run.request<Translation>(request);
  const text = applyHouseStyle(withoutEchoedNumber(outcome.value.paragraphs[0]!, index, article.paragraphs[index]), target);
  return { value: text, warnings: outcome.warnings.map((w) => `translate ${lang}: ${w}`), usage: outcome.usage };
}

function paragraphRequest(pipeline: Pipeline, article: Article, target: string, index: number): TaskRequest {
  const { prompts, model } = pipeline.context;
  retranslatePrompt ??= loadPrompt("retranslate-paragraph", PROMPTS_DIR);
  const prompt = retranslatePrompt;
  const paragraph = article.paragraphs[index]!;
  const glossary = glossaryFor(pipeline.context.glossary, paragraph, target);
  const glossaryText = glossaryPromptText(glossary);
  // The desk's register, as `run`'s translation asks for it (none set: the prompt as before).
  const formality = formalityFor(pipeline.context.formality, target);
  const styleLines = [...styleRules(target), ...(formality ? [registerRule(formality)] : [])];
  const messages = [
    // The same first bytes as every call of this article: a provider's prompt cache applies.
    ...renderPrompt(prompts.house, { article_id: article.id, article: articleBlock(article) }),
    ...renderPrompt(prompt, {
      target_language: languageName(target),
      paragraph_number: String(index + 1),
      style_rules: styleLines.map((l) => `- ${l}`).join("\n"),
      glossary: glossaryText ? `- Use the desk's terms:\n${glossaryText}` : "",
    }),
  ];
  const settings = prompt.settings;
  return {
    task: "translate",
    label: `retranslate ${target} paragraph ${index + 1}`,
    article: { id: article.id, title: article.title },
    langs: [target],
    key: cacheKey({
      task: "retranslate-paragraph",
      code: 1,
      templates: [prompts.house.hash, prompt.hash],
      model,
      schema: shapeHash("translation", () => TranslationSchema),
      settings,
      input: messages,
    }),
    messages,
    schema: TranslationAnswer,
    // The response format the article's calls share (with the result's channels, as its run asked).
    responseSchema: responseSchemaFor(pipeline.context.languages, pipeline.context.channels),
    schemaName: ARTICLE_TASKS,
    temperature: settings.temperature,
    maxTokens: settings.max_tokens,
    check: (value: Translation) => {
      if (value.paragraphs.length !== 1) {
        return [{ severity: "hard", message: `answer with exactly one paragraph (got ${value.paragraphs.length})` }];
      }
      // Only the paragraph is judged (the title is asked for by the shared schema, not used).
      return checkTranslation({
        source: { title: "", paragraphs: [paragraph], lang: article.lang },
        output: { title: "", paragraphs: value.paragraphs },
        target,
        glossary,
        formality,
      }).map((f) => ({ ...f, message: f.message.replace(/\bparagraph 1\b/g, `paragraph ${index + 1}`) }));
    },
  } as TaskRequest;
}

export interface DigestProposal {
  summary: string;
  keyPoints: string[];
  snippet: { headline: string; teaser: string };
  /** The channel texts, when the result has them: the same channels its run asked for. */
  channels?: ChannelTexts;
}

/**
 * The digest again, for every language of the result, with the channel texts the result has
 * (`languages.<lang>.channels`) and the pipeline's register. `fresh`: skip the cached answer (the
 * editor asked for a new one); the new answer is cached as usual.
 */
export async function rerunDigest(
  pipeline: Pipeline,
  result: ArticleResult,
  options: { fresh?: boolean; variants?: string[] } = {},
): Promise<Proposal<Record<string, DigestProposal>>> {
  const article = articleOf(result);
  const targets: Record<string, string> = {};
  for (const lang of Object.keys(result.languages)) targets[lang] = targetFor(lang, options.variants);
  const cache = pipeline.options.cache;
  const base = forResult(pipeline, result);
  const run = options.fresh && cache ? base.derive({ cache: writeOnly(cache) }) : base;
  const outcome = await run.runJob<Digest>("digest", article, targets);
  const value: Record<string, DigestProposal> = {};
  for (const [lang, target] of Object.entries(targets)) {
    const digest = outcome.value[lang]!;
    const style = (s: string) => applyHouseStyle(s, target);
    value[lang] = {
      summary: style(digest.summary),
      keyPoints: digest.keyPoints.map(style),
      snippet: { headline: style(digest.snippet.headline), teaser: style(digest.snippet.teaser) },
      ...(digest.channels ? { channels: Object.fromEntries(Object.entries(digest.channels).map(([field, text]) => [field, style(text)])) } : {}),
    };
  }
  return { value, warnings: outcome.warnings.map((w) => `digest ${w}`), usage: outcome.usage };
}

/**
 * The channels a result's texts were made for (`--channels`), read back from the fields its
 * languages hold: `seoTitle` or `seoDescription` -> "seo". None: the result has no channel texts.
 */
export function channelsOf(result: ArticleResult): Channel[] {
  const fields = new Set<string>();
  for (const version of Object.values(result.languages)) {
    const channels: unknown = version?.channels;
    if (channels && typeof channels === "object" && !Array.isArray(channels)) for (const field of Object.keys(channels)) fields.add(field);
  }
  return CHANNELS.filter((channel) => CHANNEL_FIELDS[channel].some((field) => fields.has(field)));
}

/**
 * The pipeline with the result's languages and channels: they shape the response schema every
 * call of an article shares (and so the provider's prompt cache), and the digest asks for the same
 * channel texts again. Client, cache, limiter, register and in-flight table stay the same.
 */
function forResult(pipeline: Pipeline, result: ArticleResult): Pipeline {
  return pipeline.derive({ languages: Object.keys(result.languages), channels: channelsOf(result) });
}

/** The cache, but every lookup misses: the answer is made again and stored. */
function writeOnly(cache: Cache): Cache {
  return new Proxy(cache, {
    get(target, key, receiver) {
      if (key === "get") return () => undefined;
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
