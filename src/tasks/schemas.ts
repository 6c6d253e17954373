// The zod schemas of every model answer. The JSON schema sent as response_format is derived
// from these (see model.ts), never written twice.
import { z } from "zod";
import type { Channel, ChannelTexts } from "../core/types.ts";
import { channelFields } from "../checks/channels.ts";

/** A single line of text: model output that must not smuggle in line breaks. */
const line = z.string().trim().min(1);

export const TranslationSchema = z.object({
  title: line,
  paragraphs: z.array(z.string()),
});
export type Translation = z.infer<typeof TranslationSchema>;

export const LanguageDigestSchema = z.object({
  summary: z.string().trim().min(1),
  keyPoints: z.array(line).min(3).max(5),
  snippet: z.object({ headline: line, teaser: z.string().trim().min(1) }),
});
export type LanguageDigest = z.infer<typeof LanguageDigestSchema> & { channels?: ChannelTexts };

/**
 * The channel texts asked for (--channels): exactly the asked fields, each required (strict JSON
 * schema has no optional properties). Limits are checked in code (checks/channels.ts), so that an
 * over-long text gets a repair that says by how much instead of a schema error.
 */
export function channelsSchema(channels: readonly Channel[]) {
  return z.object(Object.fromEntries(channelFields(channels).map((field) => [field, z.string().trim().min(1)])));
}

/** One language's part of a digest: with channels, the same object plus `channels`. */
export function languageDigestSchema(channels: readonly Channel[] = []): z.ZodType<LanguageDigest> {
  return channels.length ? LanguageDigestSchema.extend({ channels: channelsSchema(channels) }) : LanguageDigestSchema;
}

/**
 * One digest call covers every requested language, so its schema has one property per
 * language code ("de", "en", "de-CH"...). Strict JSON schema has no open records, hence the
 * schema is built per language set (and per channel set: without channels it is the same schema
 * as before channels existed).
 */
export function digestSchema(languages: string[], channels: readonly Channel[] = []) {
  const part = languageDigestSchema(channels);
  const shape: Record<string, z.ZodType<LanguageDigest>> = {};
  for (const lang of languages) shape[lang] = part;
  return z.object(shape);
}
export type Digest = Record<string, LanguageDigest>;

/**
 * The response format of every call for one article, translation and digest alike. OpenAI's
 * prompt cache puts the response schema before the first message, so two calls with different
 * schemas share no prefix at all; with one schema for both tasks, the house prompt and the article
 * are billed at the full price once. Each call fills its own part and sets the other to null.
 * With --channels the digest part carries each language's `channels`, and the translation calls
 * of the article ask for that same schema (the translation's cache key covers only its own part,
 * so a translation is the same task with and without channels).
 */
export const ARTICLE_TASKS = "article_tasks";
export function articleTasksSchema(languages: string[], channels: readonly Channel[] = []) {
  return z.object({ translation: TranslationSchema.nullable(), digest: digestSchema(languages, channels).nullable() });
}

/**
 * The response formats of a translation or a digest call alone: for an article whose calls cannot
 * share a cached prefix (too short for a provider's prompt cache, or a single call), each call is
 * billed only for its own part (see request.ts, responseFormat).
 */
export const TRANSLATION_TASK = "translation";
export const DIGEST_TASK = "digest";
export const translationTaskSchema = z.object({ translation: TranslationSchema });
export function digestTaskSchema(languages: string[], channels: readonly Channel[] = []) {
  return z.object({ digest: digestSchema(languages, channels) });
}

/** What a translation call must answer (the digest part is ignored), unwrapped to the translation. */
export const TranslationAnswer = z.object({ translation: TranslationSchema }).transform((answer) => answer.translation);

/** What a digest call must answer (the translation part is ignored), unwrapped to the digest. */
export function digestAnswer(languages: string[], channels: readonly Channel[] = []) {
  return z.object({ digest: digestSchema(languages, channels) }).transform((answer) => answer.digest as Digest);
}
