// What every task request is made of, and the parts they share: the house prompt first (so every
// call for one article starts with the same bytes), the cache key, the shared response format.
import type { z } from "zod";
import type { Article, Channel, Finding, TaskKind } from "../core/types.ts";
import { renderPrompt, type Message, type Prompt, type PromptSet } from "../core/prompts.ts";
import { cacheKey } from "../core/cache.ts";
import { jsonSchemaOf } from "../model/json-schema.ts";
import { articleBlock } from "./article-block.ts";
import { articleTasksSchema } from "./schemas.ts";

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

/** The house prompt with the article: the first messages of every call for it. */
export function houseMessages(prompts: PromptSet, article: Article): Message[] {
  return renderPrompt(prompts.house, { article_id: article.id, article: articleBlock(article) });
}

export function bullets(lines: string[]): string {
  return lines.map((l) => `- ${l}`).join("\n");
}

/** sha256 over everything that decides a task's answer: task, prompt files, model, answer shape, settings, messages. */
export function keyFor(task: string, prompts: Prompt[], model: string, schemaHash: string, settings: unknown, messages: Message[]) {
  return cacheKey({ task, code: CODE_VERSION, templates: prompts.map((p) => p.hash), model, schema: schemaHash, settings, input: messages });
}
