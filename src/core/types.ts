// The shapes that flow through newsdesk: input -> Article -> tasks -> ArticleResult -> writers.

/** A cleaned news article, ready to be sent to the model. */
export interface Article {
  /** Stable id derived from the content (safe as a file name: [a-z0-9-]). */
  id: string;
  title: string;
  /** ISO 8601 date or date-time when it could be parsed, else the raw text, else null. */
  published: string | null;
  /** Credit line without the copyright sign, e.g. "Keystone/SDA". */
  credit: string | null;
  /** ISO 639-1 language code of the article text, e.g. "en", "de". */
  lang: string;
  paragraphs: string[];
  /** Canonical link of the story when the input carried one (http/https only). */
  url: string | null;
  /** Where the article came from: a file path, "-" for stdin, plus the line for JSONL. */
  source: { path: string; line?: number };
  /** What the reader noticed but read anyway (very short item, date kept raw, structure looks lost). */
  warnings?: string[];
}

/** One language's version of an article in the result. */
export interface LanguageResult {
  /** The regional variant written, when one was asked for (--variant de-CH): "de-CH". */
  variant?: string;
  title: string;
  paragraphs: string[];
  summary: string;
  keyPoints: string[];
  snippet: { headline: string; teaser: string };
  /** Headline options for the desk to pick (the headlines task): each with its length in characters. */
  headlines?: { text: string; chars: number }[];
  /** Texts for other channels, when asked for (--channels push,social,seo): only the asked fields. */
  channels?: ChannelTexts;
}

/** The channels a digest can also write for (--channels): seo is a title and a meta description. */
export type Channel = "push" | "social" | "seo";
export const CHANNELS: readonly Channel[] = ["push", "social", "seo"];

/** Headline options per language (the headlines task; --headline N picks one). */
export const HEADLINES_PER_LANGUAGE = 3;

/** One language's channel texts, as the result's `languages.de.channels` holds them. */
export interface ChannelTexts {
  /** A push alert, at most 110 characters. */
  push?: string;
  /** A social media post, at most 280 characters. */
  social?: string;
  /** A title for search engines, at most 60 characters. */
  seoTitle?: string;
  /** A meta description for search engines, at most 155 characters. */
  seoDescription?: string;
}

/** What a check says of an answer: hard problems are repaired, soft ones get one retry, then become warnings. */
export interface Finding {
  severity: "hard" | "soft";
  message: string;
}

/** The kinds of model task; each is one file in src/tasks/. */
export type TaskKind = "translate" | "digest" | "headlines";

export interface Usage {
  calls: number;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  cacheHits: number;
}

/** What `run` produces for one article; this is the documented output contract. */
export interface ArticleResult {
  id: string;
  source: {
    path: string;
    lang: string;
    title: string;
    published: string | null;
    credit: string | null;
    url: string | null;
  };
  languages: Record<string, Partial<LanguageResult>>;
  usage: Usage;
  warnings: string[];
  /** What made the result: the model, the prompt files and the glossary (short content hashes). */
  provenance?: Provenance;
}

export interface Provenance {
  model: string;
  /** Prompt name -> the first 12 hex digits of its file's sha256. */
  prompts: Record<string, string>;
  /** "<terms> terms, <hash>", or null without a glossary. */
  glossary: string | null;
}

export function emptyUsage(): Usage {
  return { calls: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0, cacheHits: 0 };
}

export function addUsage(into: Usage, add: Usage): Usage {
  into.calls += add.calls;
  into.promptTokens += add.promptTokens;
  into.cachedTokens += add.cachedTokens;
  into.completionTokens += add.completionTokens;
  into.cacheHits += add.cacheHits;
  return into;
}
