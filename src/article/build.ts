// Draft fields -> Article: language, id, url, and the checks that refuse non-articles.
import { baseLanguage, detectLanguage } from "../core/language.ts";
import { letterAt } from "../core/text.ts";
import type { Article } from "../core/types.ts";
import { InputError } from "./errors.ts";
import { articleId, sanitiseId } from "./id.ts";
import { tidy } from "./clean.ts";
import { isIsoDate } from "./dates.ts";

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
  /** Wire copy: a paragraph over LONG_PARAGRAPH_WORDS words is flagged. */
  wire?: boolean;
}

/** Below this many words an item is read with a warning ("very short item"). */
export const SHORT_WORDS = 40;
/** A single paragraph this long, or a wire paragraph over LONG_PARAGRAPH words, suggests lost structure. */
export const LOST_STRUCTURE_WORDS = 300;
export const LONG_PARAGRAPH_WORDS = 250;
/** Pages that are not news are refused by what they say, when they are this short or shorter. */
const STUB_WORDS = 150;

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

/** The base language an input declares ("de-CH" -> "de"); junk -> null. */
export function declaredLanguage(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const v = value.trim().replace(/_/g, "-");
  if (!/^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/i.test(v)) return null;
  return baseLanguage(v);
}

/** Words: space-separated tokens with a letter; CJK text (no spaces) counts one word per two characters. */
export function countWords(text: string): number {
  return wordsOf([wordParts(text)]);
}

/**
 * The two counts words are made of: space-separated tokens with a letter, and CJK characters. Both
 * add up over texts joined by white space, so a whole text's words can be had from its paragraphs'.
 */
function wordParts(text: string): WordParts {
  // Han, Hiragana, Katakana and Hangul are all in these ranges (astral ones as surrogates): a text without any has no CJK.
  if (!MAYBE_CJK.test(text)) return { spaced: (text.match(/\S*\p{L}\S*/gu) ?? []).length, cjk: 0 };
  const cjk = (text.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu) ?? []).length;
  const spaced = (text.replace(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+/gu, " ").match(/\S*\p{L}\S*/gu) ?? []).length;
  return { spaced, cjk };
}
interface WordParts { spaced: number; cjk: number }
const MAYBE_CJK = /[\u1100-\u11ff\u2e80-\uffff]/;

/** The words of texts joined by white space, from each text's parts. */
function wordsOf(parts: WordParts[]): number {
  let spaced = 0;
  let cjk = 0;
  for (const p of parts) {
    spaced += p.spaced;
    cjk += p.cjk;
  }
  return spaced + Math.ceil(cjk / 2);
}

// Pages that are not news, by what they say (checked on short texts only, so a story about cookies is read).
const STUBS: Array<[RegExp, string]> = [
  [/\b(?:captcha|are you a (?:human|robot)|verify (?:that )?you are (?:a )?human|not a robot|press and hold|bist du ein mensch|sind sie ein mensch|kein roboter|sicherheitsüberprüfung|checking your browser)\b/i, "a captcha page, not an article"],
  [/\b(?:we use cookies|uses cookies|cookie (?:settings|policy|consent)|accept all|reject all|manage (?:your )?(?:cookies|preferences|consent)|before you continue|wir verwenden cookies|verwendet cookies|alle akzeptieren|alle ablehnen|einwilligung|zustimmen und weiter|datenschutzeinstellungen)\b/i, "a cookie-consent page, not an article"],
  [/\b(?:are you (?:over )?(?:18|21)|you must be (?:18|21)|age verification|verify your age|confirm (?:that )?you are (?:18|21|of legal age)|altersprüfung|altersverifikation|mindestens 18 jahre|bist du (?:über )?18|sind sie (?:über )?18|volljährig)\b/i, "an age-check page, not an article"],
  [/\b(?:(?:subscribe|sign in|log in|register) to (?:continue|read)|(?:this|the) (?:article|content|story) is (?:only )?(?:for|available to) subscribers|subscribers only|already a subscriber|jetzt (?:abonnieren|abo abschliessen|abo abschließen) und weiterlesen|weiterlesen mit|für abonnenten|abo-inhalt|plus-artikel|dieser artikel ist (?:nur )?für abonnenten)\b/i, "a paywall stub, not an article"],
  [/(?:\b(?:404|403|500|502|503)\b.*\b(?:not found|forbidden|error|nicht gefunden|fehler)\b|\b(?:page|seite) (?:not found|nicht gefunden|existiert nicht|could not be found|konnte nicht gefunden werden)\b|\bwas not found on this server\b|\baccess denied\b|\bzugriff verweigert\b|\binternal server error\b|\bservice unavailable\b|\bsomething went wrong\b|\betwas ist schiefgelaufen\b)/i, "an error page, not an article"],
];

/** Code units of `text` that belong to letters (\p{L}). */
function letterUnits(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; ) {
    const step = letterAt(text, i);
    n += step;
    i += step || 1;
  }
  return n;
}

const BLOB = /^[A-Za-z0-9+/=_-]{30,}$/;

/** Whether text is natural language: refuses data dumps, base64 and the like (not short items, tables or CJK). */
function notLanguage(body: string): boolean {
  const tokens = body.match(/\S+/g) ?? [];
  if (tokens.length === 0) return true;
  let chars = 0;
  let blobs = 0;
  let words = 0;
  for (const t of tokens) {
    chars += t.length;
    // base64, hashes: long runs of letters and digits with no spaces
    if (t.length >= 30 && BLOB.test(t)) blobs += t.length;
    // words: tokens that are mostly letters (a CJK sentence is one such token)
    const letters = letterUnits(t);
    if (letters >= 2 && letters / t.length >= 0.6) words++;
  }
  if (blobs / chars > 0.3) return true;
  return words < 3 || words / tokens.length < 0.15;
}

/**
 * Why `text` (title and body) is not an article, or null when it reads like one. `detected`: its
 * language; `words`: the words of title and body, when already counted.
 */
export function refusal(body: string, detected: string | null = detectLanguage(body), title = "", words?: number): string | null {
  if (notLanguage(body)) return "not natural language text";
  const all = `${title}\n${body}`;
  if ((words ?? countWords(all)) <= STUB_WORDS) for (const [pattern, what] of STUBS) if (pattern.test(all)) return what;
  if (detected === null) return "not natural language text";
  return null;
}

/** Warnings about an article that is read but may not be what the desk expects. */
export function articleWarnings(paragraphs: string[], published: string | null, wire: boolean, counts = paragraphs.map(countWords)): string[] {
  const warnings: string[] = [];
  const total = counts.reduce((a, b) => a + b, 0);
  if (total < SHORT_WORDS) warnings.push(`very short item (${total} ${total === 1 ? "word" : "words"})`);
  if (published !== null && !isIsoDate(published)) warnings.push(`date "${published}" is not a full date; kept as written`);
  if (paragraphs.length === 1 && total >= LOST_STRUCTURE_WORDS) {
    warnings.push(`structure looks lost: one paragraph of ${total} words`);
  } else if (wire) {
    const i = counts.findIndex((n) => n > LONG_PARAGRAPH_WORDS);
    if (i >= 0) warnings.push(`structure looks lost: paragraph ${i + 1} has ${counts[i]} words`);
  }
  return warnings;
}

export function buildArticle(draft: Draft, source: { path: string; line?: number }, options: BuildOptions = {}): Article {
  const fail = (problem: string) => new InputError(source.path, problem, source.line);
  const title = tidy(draft.title.replace(/\n+/g, " "));
  const paragraphs = draft.paragraphs.map(tidy).filter(Boolean);
  if (paragraphs.length === 0) throw fail(title ? "no article text" : "empty file");
  if (!title) throw fail("no title found");
  const body = paragraphs.join("\n\n");
  // Language detection is the costliest step of reading an article: once per article. A short
  // item gets its title to help.
  // Each paragraph's words are counted once; the body's and the whole text's are their sums.
  const parts = paragraphs.map(wordParts);
  let detected = detectLanguage(body);
  if (detected === null && wordsOf(parts) < SHORT_WORDS) detected = detectLanguage(`${title}\n\n${body}`, 10);
  const declared = declaredLanguage(options.sourceLang) ?? declaredLanguage(draft.lang);
  const why = refusal(body, declared ?? detected, title, wordsOf([wordParts(title), ...parts]));
  if (why) throw fail(why);

  const lang = declared ?? detected;
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
    warnings: articleWarnings(paragraphs, draft.published, options.wire ?? false, parts.map((p) => wordsOf([p]))),
  };
}
