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
