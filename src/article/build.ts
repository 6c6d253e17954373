// Draft fields -> Article: language, id, url, and the checks that refuse non-articles.
import { baseLanguage, detectLanguage } from "../language.ts";
import type { Article } from "../types.ts";
import { InputError } from "./errors.ts";
import { articleId, sanitiseId } from "./id.ts";
import { tidy } from "./clean.ts";

export interface Draft {
  title: string;
  paragraphs: string[];
  published: string | null;
  credit: string | null;
  url: string | null;
  /** Language the input declared (front matter, JSONL, <html lang>), if any. */
  lang: string | null;
  /** Id the input declared (JSONL), if any; sanitised before use. */
  id?: unknown;
}

export interface BuildOptions {
  sourceLang?: string;
}

export const MIN_WORDS = 40;
export const MIN_SENTENCES = 2;

/** Only absolute http(s) URLs are kept. */
export function httpUrl(value: unknown): string | null {
  if (typeof value !== "string") return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** "de-CH" -> "de"; junk -> null. */
export function normaliseLang(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const v = value.trim().replace(/_/g, "-");
  if (!/^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/i.test(v)) return null;
  return baseLanguage(v);
}

function words(text: string): number {
  return (text.match(/\S*\p{L}\S*/gu) ?? []).length;
}

function sentences(text: string): number {
  return (text.match(/[.!?…。](?=["'”’»«)\]]*(?:\s|$))/g) ?? []).length;
}

/** Why `body` is not an article, or null when it reads like one. `detected`: its language, if known. */
export function refusal(body: string, detected: string | null = detectLanguage(body)): string | null {
  const chars = body.replace(/\s+/g, "");
  const letters = chars.replace(/\P{L}+/gu, "").length;
  const tokens = (body.match(/\S+/g) ?? []).length;
  if (chars.length > 0 && letters / chars.length < 0.5) return "not natural language text";
  if (tokens > 0 && chars.length / tokens > 20) return "not natural language text"; // base64, hashes
  const n = words(body);
  if (n < MIN_WORDS) return `too short to be an article (${n} ${n === 1 ? "word" : "words"})`;
  const s = sentences(body);
  if (s < MIN_SENTENCES) return `too short to be an article (${s} ${s === 1 ? "sentence" : "sentences"})`;
  if (detected === null) return "not natural language text";
  return null;
}

export function buildArticle(draft: Draft, source: { path: string; line?: number }, options: BuildOptions = {}): Article {
  const fail = (problem: string) => new InputError(source.path, problem, source.line);
  const title = tidy(draft.title.replace(/\n+/g, " "));
  const paragraphs = draft.paragraphs.map(tidy).filter(Boolean);
  if (paragraphs.length === 0) throw fail(title ? "no article text" : "empty file");
  if (!title) throw fail("no title found");
  const body = paragraphs.join("\n\n");
  // Language detection is the costliest step of reading an article: once per article.
  const detected = detectLanguage(body);
  const why = refusal(body, detected);
  if (why) throw fail(why);

  const lang = normaliseLang(options.sourceLang) ?? normaliseLang(draft.lang) ?? detected;
  if (!lang) throw fail("not natural language text");

  return {
    id: sanitiseId(draft.id) ?? articleId(title, paragraphs),
    title,
    published: draft.published,
    credit: draft.credit ? tidy(draft.credit) : null,
    lang,
    paragraphs,
    url: httpUrl(draft.url),
    source: source.line === undefined ? { path: source.path } : { path: source.path, line: source.line },
  };
}
