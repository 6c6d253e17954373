// The zod schemas of every model answer. The JSON schema sent as response_format is derived
// from these (see model.ts), never written twice.
import { z } from "zod";

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
export type LanguageDigest = z.infer<typeof LanguageDigestSchema>;

/**
 * One digest call covers every requested language, so its schema has one property per
 * language code ("de", "en", "de-CH"...). Strict JSON schema has no open records, hence the
 * schema is built per language set.
 */
export function digestSchema(languages: string[]) {
  const shape: Record<string, typeof LanguageDigestSchema> = {};
  for (const lang of languages) shape[lang] = LanguageDigestSchema;
  return z.object(shape);
}
export type Digest = Record<string, LanguageDigest>;

/**
 * The response format of every call for one article, translation and digest alike. OpenAI's
 * prompt cache puts the response schema before the first message, so two calls with different
 * schemas share no prefix at all; with one schema for both tasks, the house prompt and the article
 * are billed at the full price once. Each call fills its own part and sets the other to null.
 */
export const ARTICLE_TASKS = "article_tasks";
export function articleTasksSchema(languages: string[]) {
  return z.object({ translation: TranslationSchema.nullable(), digest: digestSchema(languages).nullable() });
}

/** What a translation call must answer (the digest part is ignored), unwrapped to the translation. */
export const TranslationAnswer = z.object({ translation: TranslationSchema }).transform((answer) => answer.translation);

/** What a digest call must answer (the translation part is ignored), unwrapped to the digest. */
export function digestAnswer(languages: string[]) {
  return z.object({ digest: digestSchema(languages) }).transform((answer) => answer.digest as Digest);
}
