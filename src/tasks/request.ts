// What every task request is made of, and the parts they share: the house prompt first (so every
// call for one article starts with the same bytes), the cache key, the shared response format.
import type { z } from "zod";
import type { Article, Channel, Finding, TaskKind } from "../core/types.ts";
import { renderPrompt, type Message, type Prompt, type PromptSet } from "../core/prompts.ts";
import { cacheKey } from "../core/cache.ts";
import { baseLanguage } from "../core/language-tags.ts";
import { countTokens } from "../core/tokens.ts";
import { glossaryFor, type GlossaryEntry } from "../core/glossary.ts";
import { jsonSchemaOf, wireSchemaOf } from "../model/json-schema.ts";
import { articleBlock } from "./article-block.ts";
import { ARTICLE_TASKS, articleTasksSchema } from "./schemas.ts";

/** Bumped when code that shapes a cached answer (checks, post-processing) changes meaning. */
const CODE_VERSION = 2;

export interface TaskRequest<S extends z.ZodType = z.ZodType> {
  task: TaskKind;
  /** A label for messages: "translate de", "digest de,en". */
  label: string;
  /** Whose task it is, and for which languages: what the cache lists. */
  article: { id: string; title: string };
  langs: string[];
  key: string;
  messages: Message[];
  /** Validates and unwraps the answer. */
  schema: S;
  /** The response format asked for (the same for the calls of an article that share a prefix). */
  responseSchema: z.ZodType;
  schemaName: string;
  temperature?: number;
  maxTokens?: number;
  check: (value: z.infer<S>) => Finding[];
  /** A whole-article call that may be answered together with the article's other calls (article-calls.ts). */
  joinable?: boolean;
}

/** The value for `key`, made once. Building zod schemas, and hashing their JSON schema, is slow next to a cache lookup. */
export function memo<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) cache.set(key, (value = make()));
  return value;
}

const responseSchemas = new Map<string, ReturnType<typeof articleTasksSchema>>();
const shapeHashes = new Map<string, string>();

/** The response format the translation and digest calls of an article share (see schemas.ts); with --channels, the digest part has them. */
export const responseSchemaFor = (keys: string[], channels: readonly Channel[] = []) =>
  memo(responseSchemas, channels.length ? `${keys.join(",")}+${channels.join(",")}` : keys.join(","), () => articleTasksSchema(keys, channels));

/**
 * The hash of a task's own part of the answer: the cache key covers it, so a translation asked
 * for alongside a de,en digest (run) and alone (translate --to de) is the same task.
 */
export function shapeHash(name: string, schema: () => z.ZodType): string {
  return memo(shapeHashes, name, () => cacheKey({ schema: jsonSchemaOf(schema()) }));
}

// Per article (an article is not changed once read): what each of its requests would make again.
const houses = new WeakMap<Article, { prompt: Prompt; messages: Message[] }>();
const articleTerms = new WeakMap<Article, { glossary: GlossaryEntry[]; byTarget: Map<string, GlossaryEntry[]> }>();

/** The house prompt with the article: the first messages of every call for it (made once per article and house prompt). */
export function houseMessages(prompts: PromptSet, article: Article): Message[] {
  const made = houses.get(article);
  if (made?.prompt === prompts.house) return made.messages;
  const messages = renderPrompt(prompts.house, { article_id: article.id, article: articleBlock(article) });
  houses.set(article, { prompt: prompts.house, messages });
  return messages;
}

/** The glossary entries that apply to the article's title and text in `target` (glossaryFor), made once per article, glossary and target. */
export function termsFor(glossary: GlossaryEntry[], article: Article, target: string): GlossaryEntry[] {
  let made = articleTerms.get(article);
  if (made?.glossary !== glossary) articleTerms.set(article, (made = { glossary, byTarget: new Map() }));
  return memo(made.byTarget, target, () => glossaryFor(glossary, [article.title, ...article.paragraphs].join("\n"), target));
}

export function bullets(lines: string[]): string {
  return lines.map((l) => `- ${l}`).join("\n");
}

/**
 * The desk's terms for a prompt, on one line: `Vladimir Putin -> Wladimir Putin; Beijing -> Peking;
 * keep Xi Jinping, Xinhua` (a term the target keeps as it is goes into the "keep" list). A term with
 * a separator in it is quoted. `sourceLang`: the article's language; a target in that language gets
 * no "keep" list (writing in the source's own language keeps its names anyway). The checks get
 * every entry, whatever the prompt lists.
 */
export function termsText(entries: GlossaryEntry[], target?: string, sourceLang?: string): string {
  const quote = (term: string) => (/[;,"]|->|^\s|\s$|^keep /i.test(term) ? JSON.stringify(term) : term);
  const keepList = !sourceLang || !target || baseLanguage(target) !== sourceLang;
  const pairs = entries.filter((e) => e.source !== e.term).map((e) => `${quote(e.source)} -> ${quote(e.term)}`);
  const keep = keepList ? entries.filter((e) => e.source === e.term).map((e) => quote(e.source)) : [];
  return [...pairs, ...(keep.length ? [`keep ${keep.join(", ")}`] : [])].join("; ");
}

/** What of a TaskContext decides the response format (context.ts imports this file). */
export interface FormatContext {
  prompts: PromptSet;
  languages: string[];
  channels?: Channel[];
  tasks?: TaskKind[];
}

/** What a call asks the provider for: a response schema and its name. */
export interface ResponseFormat {
  schema: z.ZodType;
  name: string;
}

/** A provider caches a prompt prefix from this many tokens on (OpenAI: 1,024, then in steps of 128). */
export const PROMPT_CACHE_MIN_TOKENS = 1024;
const PER_MESSAGE = 4;

const prefixDecisions = new Map<string, boolean>();

/**
 * The response format of one of an article's calls. OpenAI's prompt cache puts the schema before
 * the messages, so the calls of an article share a cached prefix only if they ask for one schema
 * (`article_tasks`, both parts nullable). That pays when the prefix can be cached: the article has
 * a translation call and a digest call, and their common start (that schema, the house prompt, the
 * article) reaches PROMPT_CACHE_MIN_TOKENS (o200k). Otherwise every call asks for its own part only
 * (`own`): nothing would be cached, and the other part's schema would be billed for nothing. Measured
 * and documented in docs/benchmarks.md ("Per-task or shared schema").
 * `shares`: whether the article has the other kind of call with the same article text.
 * Counted only when a call is made or planned (the requests read it through `once`), so a cached run never loads the tokenizer.
 */
export function responseFormat(ctx: FormatContext, article: Article, own: ResponseFormat, shares: boolean): ResponseFormat {
  const shared = { schema: responseSchemaFor(ctx.languages, ctx.channels), name: ARTICLE_TASKS };
  if (!shares) return own;
  const key = `${article.id}\n${ctx.languages.join(",")}+${(ctx.channels ?? []).join(",")}\n${ctx.prompts.house.hash}`;
  let reaches = prefixDecisions.get(key);
  if (reaches === undefined) {
    const schema = countTokens(JSON.stringify({ name: shared.name, strict: true, schema: wireSchemaOf(shared.schema) }));
    const house = houseMessages(ctx.prompts, article).reduce((sum, m) => sum + countTokens(m.content) + PER_MESSAGE, 0);
    reaches = schema + house >= PROMPT_CACHE_MIN_TOKENS;
    if (prefixDecisions.size >= 1024) prefixDecisions.clear();
    prefixDecisions.set(key, reaches);
  }
  return reaches ? shared : own;
}

/** The kinds of call the context's pipeline makes (a context built by hand: `run`'s translate and digest). */
export function tasksOf(ctx: Pick<FormatContext, "tasks">): readonly TaskKind[] {
  return ctx.tasks ?? ["translate", "digest"];
}

/** `make()` once, when first asked: a request's response format is decided when the call is made or planned. */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** sha256 over everything that decides a task's answer: task, prompt files, model, answer shape, settings, messages. */
export function keyFor(task: string, prompts: Prompt[], model: string, schemaHash: string, settings: unknown, messages: Message[]) {
  return cacheKey({ task, code: CODE_VERSION, templates: prompts.map((p) => p.hash), model, schema: schemaHash, settings, input: messages });
}
