// The two kinds of model task and how each one's request and cache key are built.
// Both render the house prompt first, so every call for one article starts with the same bytes.
import type { z } from "zod";
import type { Article } from "../core/types.ts";
import { renderPrompt, type Message, type Prompt, type PromptSet } from "../core/prompts.ts";
import { articleBlock } from "./article-block.ts";
import { ARTICLE_TASKS, articleTasksSchema, digestAnswer, digestSchema, TranslationAnswer, TranslationSchema } from "./schemas.ts";
import { jsonSchemaOf, type Finding } from "../model/openai.ts";
import { languageName } from "../core/language.ts";
import { styleRules } from "../core/styles.ts";
import { cacheKey } from "../core/cache.ts";
import { checkDigest, checkTranslation } from "../checks/index.ts";
import { glossaryFor, glossaryPromptText, type GlossaryEntry } from "../core/glossary.ts";

/** Bumped when code that shapes a cached answer (checks, post-processing) changes meaning. */
const CODE_VERSION = 1;

export interface TaskRequest<S extends z.ZodType = z.ZodType> {
  task: "translate" | "digest";
  /** A label for messages: "translate de", "digest de,en". */
  label: string;
  /** Whose task it is, and for which languages: what the cache lists. */
  article: { id: string; title: string };
  langs: string[];
  key: string;
  messages: Message[];
  /** Validates and unwraps the answer. */
  schema: S;
  /** The response format, the same for every call of an article (see schemas.ts). */
  responseSchema: z.ZodType;
  schemaName: string;
  temperature?: number;
  maxTokens?: number;
  check: (value: z.infer<S>) => Finding[];
}

export interface TaskContext {
  prompts: PromptSet;
  model: string;
  glossary: GlossaryEntry[];
  /** The languages of the article's digest: they shape the response format every call shares. */
  languages: string[];
}

/** The value for `key`, made once. Building zod schemas, and hashing their JSON schema, is slow next to a cache lookup. */
function memo<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) cache.set(key, (value = make()));
  return value;
}
const schemaHashes = new Map<string, string>();
const responseSchemas = new Map<string, ReturnType<typeof articleTasksSchema>>();
const digestAnswers = new Map<string, ReturnType<typeof digestAnswer>>();

const responseSchemaFor = (keys: string[]) => memo(responseSchemas, keys.join(","), () => articleTasksSchema(keys));
const digestAnswerFor = (keys: string[]) => memo(digestAnswers, keys.join(","), () => digestAnswer(keys));
// The cache key covers the shape of the task's own part of the answer: a translation asked for
// alongside a de,en digest (run) and alone (translate --to de) is the same task.
const translationShape = () => memo(schemaHashes, "translation", () => cacheKey({ schema: jsonSchemaOf(TranslationSchema, "translation") }));
const digestShape = (keys: string[]) =>
  memo(schemaHashes, `digest:${keys.join(",")}`, () => cacheKey({ schema: jsonSchemaOf(digestSchema(keys), "digest") }));

function houseMessages(prompts: PromptSet, article: Article): Message[] {
  return renderPrompt(prompts.house, { article_id: article.id, article: articleBlock(article) });
}

function bullets(lines: string[]): string {
  return lines.map((l) => `- ${l}`).join("\n");
}

function keyFor(task: string, prompts: Prompt[], model: string, schemaHash: string, settings: unknown, messages: Message[]) {
  return cacheKey({
    task,
    code: CODE_VERSION,
    templates: prompts.map((p) => p.hash),
    model,
    schema: schemaHash,
    settings,
    input: messages,
  });
}

export function translateRequest(ctx: TaskContext, article: Article, target: string, chunk?: { paragraphs: string[]; context?: string }) {
  const { prompts } = ctx;
  const paragraphs = chunk?.paragraphs ?? article.paragraphs;
  const source = { ...article, paragraphs };
  const glossary = glossaryFor(ctx.glossary, [article.title, ...paragraphs].join("\n"), target);
  const glossaryText = glossaryPromptText(glossary);
  const styleLines = [...styleRules(target)];
  if (chunk?.context) {
    styleLines.push(`This is a part of a longer article. For consistent terms, the previous part read: ${chunk.context}`);
  }
  const messages = [
    ...houseMessages(prompts, source),
    ...renderPrompt(prompts.translate, {
      target_language: languageName(target),
      paragraph_count: String(paragraphs.length),
      style_rules: bullets(styleLines),
      glossary: glossaryText ? `- Use the desk's terms:\n${glossaryText}` : "",
    }),
  ];
  const settings = prompts.translate.settings;
  const request: TaskRequest<typeof TranslationAnswer> = {
    task: "translate",
    label: `translate ${target}`,
    article: { id: article.id, title: article.title },
    langs: [target],
    key: keyFor("translate", [prompts.house, prompts.translate], ctx.model, translationShape(), settings, messages),
    messages,
    schema: TranslationAnswer,
    responseSchema: responseSchemaFor(ctx.languages),
    schemaName: ARTICLE_TASKS,
    temperature: settings.temperature,
    maxTokens: settings.max_tokens,
    check: (value) =>
      checkTranslation({
        source: { title: article.title, paragraphs, lang: article.lang },
        output: value,
        target,
        glossary,
      }),
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
    key: keyFor("digest", [prompts.house, prompts.digest], ctx.model, digestShape(keys), settings, messages),
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
