// The digest task: one call for every result language (summary, key points, snippet), each
// language's part also cached on its own; an article too long for one call is digested in
// chunks first (map), then from those (reduce). With --channels the same call also writes each
// language's channel texts (push alert, social post, SEO title and description), asked for by
// prompts/channels.md after the digest's own instructions.
import { existsSync } from "node:fs";
import path from "node:path";
import type { Article, Channel } from "../core/types.ts";
import { addUsage } from "../core/types.ts";
import { loadPrompt, renderPrompt, type Message, type Prompt, type PromptSet } from "../core/prompts.ts";
import { formalityFor, registerRule } from "../core/formality.ts";
import { baseLanguage, languageName } from "../core/language-tags.ts";
import { styleRules } from "../core/styles.ts";
import { countTokens, fitsInTokens } from "../core/tokens.ts";
import { applyHouseStyle, checkDigest, CHANNEL_LIMITS, channelFields, type ChannelField } from "../checks/index.ts";
import type { Finding } from "../core/types.ts";
import { DEFAULT_CONTEXT_TOKENS, PROMPT_OVERHEAD_TOKENS, chunkParagraphs, type Chunk } from "./chunking.ts";
import { DIGEST_TASK, digestAnswer, digestSchema, digestTaskSchema, type Digest } from "./schemas.ts";
import { bullets, houseMessages, keyFor, memo, once, responseFormat, shapeHash, tasksOf, termsFor, termsText, type TaskRequest } from "./request.ts";
import { cachedFromParts, cachedOutcome, combine, runTask } from "./run-task.ts";
import type { PlannedCall, Task, TaskContext, TaskOutcome, TaskRun } from "./context.ts";

/** Guessed answer tokens: a summary, points and a snippet per language. */
const TOKENS_PER_LANGUAGE = 220;
/** Guessed answer tokens per channel field and language. */
const TOKENS_PER_CHANNEL_FIELD = 45;

const digestAnswers = new Map<string, ReturnType<typeof digestAnswer>>();
const digestTaskSchemas = new Map<string, ReturnType<typeof digestTaskSchema>>();
const digestTaskSchemaFor = (keys: string[], channels: Channel[]) =>
  memo(digestTaskSchemas, `${keys.join(",")}+${channels.join(",")}`, () => digestTaskSchema(keys, channels));
const digestAnswerFor = (keys: string[], channels: Channel[]) =>
  memo(digestAnswers, `${keys.join(",")}+${channels.join(",")}`, () => digestAnswer(keys, channels));

const channelPrompts = new WeakMap<Prompt, Prompt>();
/**
 * prompts/channels.md: beside the digest prompt in use (a desk's --prompts copy may have its own),
 * else the shipped one (a copy made before channels existed keeps working). Read once per prompt set.
 */
export function channelsPromptFor(prompts: PromptSet): Prompt {
  let prompt = channelPrompts.get(prompts.digest);
  if (!prompt) {
    const dir = path.dirname(prompts.digest.file);
    prompt = existsSync(path.join(dir, "channels.md")) ? loadPrompt("channels", dir) : loadPrompt("channels");
    channelPrompts.set(prompts.digest, prompt);
  }
  return prompt;
}

/** The channels message, after the digest's instructions (so the shared prefix is untouched). */
function channelMessages(prompts: PromptSet, channels: Channel[]): Message[] {
  const limit = (field: ChannelField) => String(CHANNEL_LIMITS[field]);
  return renderPrompt(channelsPromptFor(prompts), {
    fields: channelFields(channels).map((f) => JSON.stringify(f)).join(", "),
    push_limit: limit("push"),
    social_limit: limit("social"),
    seo_title_limit: limit("seoTitle"),
    seo_description_limit: limit("seoDescription"),
  });
}

/**
 * One digest call for every requested language; `targets` maps result key -> target ("de" -> "de-CH").
 * Without channels and formality in the context, request, schema and cache key are those of a
 * digest before either existed.
 */
export function digestRequest(ctx: TaskContext, article: Article, targets: Record<string, string>, shares = true) {
  const { prompts } = ctx;
  const keys = Object.keys(targets);
  const channels = ctx.channels ?? [];
  const schema = digestAnswerFor(keys, channels);
  const styleLines = keys.flatMap((k) => {
    const formality = formalityFor(ctx.formality, targets[k]!);
    return [...styleRules(targets[k]!), ...(formality ? [registerRule(formality)] : [])].map((rule) => `${k}: ${rule}`);
  });
  const glossaryLines = keys
    .map((k) => {
      const text = termsText(termsFor(ctx.glossary, article, targets[k]!), targets[k]!, article.lang);
      return text ? `${k} terms: ${text}` : "";
    })
    .filter(Boolean);
  const messages = [
    ...houseMessages(prompts, article),
    ...renderPrompt(prompts.digest, {
      languages: keys.join(", "),
      language_list: keys.map((k) => `${k} (${languageName(targets[k]!)})`).join(", "),
      style_rules: bullets(styleLines),
      glossary: bullets(glossaryLines),
    }),
    ...(channels.length ? channelMessages(prompts, channels) : []),
  ];
  const settings = prompts.digest.settings;
  // It shares the article's prefix when the article also gets a translation call (see responseFormat).
  const translated = shares && tasksOf(ctx).includes("translate") && Object.values(targets).some((t) => baseLanguage(t) !== article.lang);
  const format = once(() => responseFormat(ctx, article, { schema: digestTaskSchemaFor(keys, channels), name: DIGEST_TASK }, translated));
  const shape = channels.length ? `digest:${keys.join(",")}+${channels.join(",")}` : `digest:${keys.join(",")}`;
  const request: TaskRequest<typeof schema> = {
    task: "digest",
    // Also the X-Newsdesk-Task header: "digest de,en", with channels "digest de,en +push,seo".
    label: `digest ${keys.join(",")}${channels.length ? ` +${channels.join(",")}` : ""}`,
    article: { id: article.id, title: article.title },
    langs: keys.map((k) => targets[k]!),
    key: keyFor(
      "digest",
      channels.length ? [prompts.house, prompts.digest, channelsPromptFor(prompts)] : [prompts.house, prompts.digest],
      ctx.model,
      shapeHash(shape, () => digestSchema(keys, channels)),
      settings,
      messages,
    ),
    messages,
    schema,
    get responseSchema() {
      return format().schema;
    },
    get schemaName() {
      return format().name;
    },
    temperature: settings.temperature,
    maxTokens: settings.max_tokens,
    check: (value) =>
      keys.flatMap((k) =>
        checkDigest({
          source: { title: article.title, paragraphs: article.paragraphs, lang: article.lang },
          digest: (value as Record<string, never>)[k]!,
          target: targets[k]!,
          glossary: termsFor(ctx.glossary, article, targets[k]!),
          formality: formalityFor(ctx.formality, targets[k]!),
        }).map((f: Finding) => ({ ...f, message: `${k}: ${f.message}` })),
      ),
    joinable: translated,
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

/**
 * The digest request of one chunk (in the article's own language): the map step. It is never
 * published, so it asks for no channel texts and no register: those are the reduce step's.
 */
function chunkRequest(context: TaskContext, article: Article, chunk: Chunk) {
  return digestRequest({ ...context, channels: undefined, formality: undefined }, { ...article, paragraphs: chunk.paragraphs }, { [article.lang]: article.lang }, false);
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
  const fromParts = cachedFromParts<Digest[string]>(run, parts);
  if (fromParts) return fromParts;

  const chunks = digestChunks(run, article);
  const mapped = chunks ? await Promise.all(chunks.map((chunk) => runTask<Digest>(run, chunkRequest(run, article, chunk)))) : [];
  const request = chunks ? digestRequest(run, reducedArticle(article, mapped.map((o) => o.value)), targets, false) : whole;
  const result = await runTask<Digest>(run, request, parts);
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
    const completionTokens = (TOKENS_PER_LANGUAGE + TOKENS_PER_CHANNEL_FIELD * channelFields(context.channels ?? []).length) * keys.length;
    const chunks = digestChunks(context, article);
    if (!chunks) {
      return [{ request: digestRequest(context, article, job.targets) as TaskRequest, completionTokens, alsoCachedAs: digestPartRequests(context, article, job.targets).map((p) => p.request as TaskRequest) }];
    }
    // Map: one call per chunk; reduce: one call over the chunks' digests, whose text a plan cannot
    // know (a stand-in of the same size; its key never matches the cache).
    const standIn: Digest = { [article.lang]: { summary: "x ".repeat(50).trim(), keyPoints: ["x", "x", "x"], snippet: { headline: "x", teaser: "x" } } };
    return [
      ...chunks.map((chunk) => ({ request: chunkRequest(context, article, chunk) as TaskRequest, completionTokens: TOKENS_PER_LANGUAGE })),
      { request: digestRequest(context, reducedArticle(article, chunks.map(() => standIn)), job.targets, false) as TaskRequest, completionTokens },
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
        // Only the asked fields; house style as everywhere (the limits were checked on this text).
        ...(digest.channels ? { channels: Object.fromEntries(Object.entries(digest.channels).map(([field, text]) => [field, style(text)])) } : {}),
      });
    }
  },
};
