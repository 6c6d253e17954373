// The review record of a result file and the pure logic around it: which fields an editor may
// change, applying a change set, the length limits, and where each warning belongs.
import { z } from "zod";
import type { ArticleResult, ChannelTexts, LanguageResult } from "../core/types.ts";
import { baseLanguage } from "../core/language-tags.ts";
import { CHANNEL_FIELD_NAMES, CHANNEL_LIMITS, ONE_LINE_CHANNEL_FIELDS, type ChannelField } from "../checks/channels.ts";

export type ReviewStatus = "in-review" | "approved";
/** The state an article is in on the desk; "unreviewed": no review record yet. */
export type DeskState = "unreviewed" | ReviewStatus;

export interface Edit {
  /** A path into the result: "languages.de.keyPoints", "languages.de.paragraphs.3", "languages.en.snippet.teaser", "languages.de.channels.push". */
  field: string;
  before: string | string[] | null;
  after: string | string[];
  editor: string;
  at: string;
}

export interface Review {
  status: ReviewStatus;
  /** Who last saved or approved, and when. */
  editor: string;
  at: string;
  edits: Edit[];
  /** Warnings (their exact text) an editor marked as resolved. */
  resolved: string[];
  /** A re-run's model answer, stored beside the reviewed texts by the writer (src/render/files.ts). */
  modelAnswer?: Record<string, unknown> & { at: string };
}

/** A result file as the review desk reads it: the documented result plus the review's fields. */
export type ReviewedResult = ArticleResult & {
  review?: Review;
  /** "AI-assisted, reviewed by …": set on approval, for the desk to print or not. */
  disclosure?: string;
  /** What a future pipeline may record: model, prompt and glossary versions. */
  provenance?: Record<string, unknown>;
};

/** The limits the page counts live and an approval is held to; channel texts: characters per field (checks/channels.ts). */
export const LIMITS = { summaryWords: 60, teaserChars: 280, keyPointsMin: 3, keyPointsMax: 5, channelChars: CHANNEL_LIMITS } as const;

const LANG = "[a-z]{2,3}(?:-[A-Za-z]{2,4})?";
const CHANNEL_FIELD = Object.keys(CHANNEL_LIMITS).join("|");
const FIELD = new RegExp(
  `^languages\\.(${LANG})\\.(title|summary|keyPoints|paragraphs\\.(\\d{1,4})|snippet\\.(headline|teaser)|channels\\.(${CHANNEL_FIELD}))$`,
);

const text = z.string().max(20_000);
export const ChangeSchema = z.strictObject({
  field: z.string().max(200).regex(FIELD, "unknown field"),
  value: z.union([text, z.array(z.string().max(2_000)).max(10)]),
});
export type Change = z.infer<typeof ChangeSchema>;

export const ReviewRequestSchema = z.strictObject({
  /** The etag the editor's page was loaded with: a save over a newer file is refused (409). */
  etag: z.string().regex(/^[a-f0-9]{64}$/),
  editor: z.string().trim().min(1).max(100).regex(/^[^\u0000-\u001f\u007f]+$/, "no control characters"),
  changes: z.array(ChangeSchema).max(200).default([]),
  resolved: z.array(z.string().max(2_000)).max(500).optional(),
  action: z.enum(["save", "approve", "reopen"]),
});
export type ReviewRequest = z.infer<typeof ReviewRequestSchema>;

export class ReviewError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function deskState(result: ReviewedResult): DeskState {
  return result.review?.status ?? "unreviewed";
}

export function openWarnings(result: ReviewedResult): string[] {
  const resolved = new Set(result.review?.resolved ?? []);
  return result.warnings.filter((w) => !resolved.has(w));
}

export function wordCount(value: string): number {
  return value.trim() === "" ? 0 : value.trim().split(/\s+/u).length;
}

/** Characters of a channel text as the page counts them: code points of the trimmed text (what a save stores). */
export function channelChars(value: string): number {
  return [...value.trim()].length;
}

/** The limits a language's texts break, one line each ("de: summary has 64 words (at most 60)"). */
export function limitProblems(result: ArticleResult): string[] {
  const problems: string[] = [];
  for (const [lang, version] of Object.entries(result.languages)) {
    if (typeof version.summary === "string" && wordCount(version.summary) > LIMITS.summaryWords) {
      problems.push(`${lang}: summary has ${wordCount(version.summary)} words (at most ${LIMITS.summaryWords})`);
    }
    const teaser = version.snippet?.teaser;
    if (typeof teaser === "string" && [...teaser].length > LIMITS.teaserChars) {
      problems.push(`${lang}: teaser has ${[...teaser].length} characters (at most ${LIMITS.teaserChars})`);
    }
    const channels: Partial<Record<ChannelField, unknown>> | undefined = version.channels;
    for (const field of Object.keys(CHANNEL_LIMITS) as ChannelField[]) {
      const text = channels?.[field];
      if (typeof text === "string" && channelChars(text) > CHANNEL_LIMITS[field]) {
        problems.push(`${lang}: ${CHANNEL_FIELD_NAMES[field]} (${field}) has ${channelChars(text)} characters (at most ${CHANNEL_LIMITS[field]})`);
      }
    }
    const points = version.keyPoints;
    if (Array.isArray(points)) {
      const n = points.filter((p) => p.trim() !== "").length;
      if (n < LIMITS.keyPointsMin || n > LIMITS.keyPointsMax) {
        problems.push(`${lang}: ${n} key points (${LIMITS.keyPointsMin} to ${LIMITS.keyPointsMax})`);
      }
    }
  }
  return problems;
}

/** The current value at a field path, or undefined when the result has no such field. */
export function fieldValue(result: ArticleResult, field: string): string | string[] | undefined {
  const m = FIELD.exec(field);
  if (!m) return undefined;
  const version = result.languages[m[1]!] as Partial<LanguageResult> | undefined;
  if (!version || typeof version !== "object") return undefined;
  const [, , name, index, part, channel] = m;
  if (index !== undefined) {
    const paragraphs = version.paragraphs;
    const i = Number(index);
    return Array.isArray(paragraphs) && i < paragraphs.length ? paragraphs[i] : undefined;
  }
  if (part !== undefined) return version.snippet?.[part as "headline" | "teaser"];
  if (channel !== undefined) {
    // Only a text the result has: an edit never adds a channel its run did not ask for.
    const text: unknown = version.channels && Object.hasOwn(version.channels, channel) ? version.channels[channel as ChannelField] : undefined;
    return typeof text === "string" ? text : undefined;
  }
  return version[name as "title" | "summary" | "keyPoints"];
}

function setField(result: ArticleResult, field: string, value: string | string[]): void {
  const m = FIELD.exec(field)!;
  const version = result.languages[m[1]!]!;
  const [, , name, index, part, channel] = m;
  if (index !== undefined) version.paragraphs![Number(index)] = value as string;
  else if (part !== undefined) version.snippet![part as "headline" | "teaser"] = value as string;
  else if (channel !== undefined) (version.channels as ChannelTexts)[channel as ChannelField] = value as string;
  else (version as Record<string, unknown>)[name!] = value;
}

/** One line of text for fields that must stay one line (title, headline, key points). */
function oneLine(value: string): string {
  return value.replace(/\s+/gu, " ").trim();
}

/**
 * Applies a review request to a result (a copy is returned): the changes, each recorded as an
 * edit with its value before; the resolved warnings; the status. Throws ReviewError (4xx).
 */
export function applyReview(current: ReviewedResult, request: ReviewRequest, now = new Date()): ReviewedResult {
  const result = structuredClone(current) as ReviewedResult;
  const at = now.toISOString();
  const review: Review = result.review
    ? { ...result.review, edits: [...(result.review.edits ?? [])], resolved: [...(result.review.resolved ?? [])] }
    : { status: "in-review", editor: request.editor, at, edits: [], resolved: [] };

  for (const change of request.changes) {
    const before = fieldValue(result, change.field);
    if (before === undefined) throw new ReviewError(422, `${change.field}: the result has no such field`);
    const isList = change.field.endsWith(".keyPoints");
    if (isList !== Array.isArray(change.value)) {
      throw new ReviewError(422, `${change.field}: expected ${isList ? "a list of strings" : "a string"}`);
    }
    const channel = /\.channels\.(\w+)$/.exec(change.field)?.[1] as ChannelField | undefined;
    const after = Array.isArray(change.value)
      ? change.value.map(oneLine).filter((p) => p !== "")
      : /\.(title|snippet\.headline)$/.test(change.field) || (channel !== undefined && ONE_LINE_CHANNEL_FIELDS.has(channel))
        ? oneLine(change.value)
        : change.value.trim();
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    setField(result, change.field, after);
    review.edits.push({ field: change.field, before, after, editor: request.editor, at });
  }

  if (request.resolved) review.resolved = request.resolved.filter((w) => result.warnings.includes(w));
  const changed = request.changes.length > 0 && review.edits.length > (current.review?.edits?.length ?? 0);

  if (request.action === "approve") {
    const problems = limitProblems(result);
    if (problems.length) throw new ReviewError(422, `cannot approve: ${problems.join("; ")}`);
    review.status = "approved";
  } else if (request.action === "reopen" || changed) {
    // An approval covers the texts it saw: a later edit takes it back.
    review.status = "in-review";
  }
  review.editor = request.editor;
  review.at = at;
  result.review = review;
  if (review.status === "approved") result.disclosure = `AI-assisted, reviewed by ${request.editor}`;
  else delete result.disclosure;
  return result;
}

export interface PlacedWarning {
  text: string;
  /** "translate" or "digest" when the warning says so. */
  task: string | null;
  /** The result's language key the warning is about ("de"), when it says so. */
  lang: string | null;
  /** 0-based paragraph, when the warning names one or quotes text found in exactly one paragraph. */
  paragraph: number | null;
  /** Whether the warning is about the title. */
  title: boolean;
  /** The part of the warning after "translate de: ". */
  reason: string;
  resolved: boolean;
}

const WARNING = /^(translate|digest) ([a-z]{2,3}(?:-[A-Za-z]{2,4})?): ([\s\S]*)$/;

/**
 * Where each warning belongs: "translate de: number 12 ("twelve") from paragraph 4 is missing"
 * goes to paragraph 4 of the German version. A warning that names no paragraph but quotes a term
 * found in exactly one paragraph of that language goes there; anything else goes to the top.
 */
export function placeWarnings(result: ReviewedResult): PlacedWarning[] {
  const resolved = new Set(result.review?.resolved ?? []);
  return result.warnings.map((text) => {
    const m = WARNING.exec(text);
    const task = m?.[1] ?? null;
    const lang = m && result.languages[m[2]!] ? m[2]! : null;
    const reason = m ? m[3]! : text;
    let paragraph: number | null = null;
    const named = /\bparagraph (\d{1,4})\b/.exec(reason);
    if (named && task === "translate") paragraph = Number(named[1]) - 1;
    const title = task === "translate" && /\bthe title\b/.test(reason) && paragraph === null;
    if (paragraph === null && !title && task === "translate" && lang) {
      const paragraphs = result.languages[lang]?.paragraphs ?? [];
      for (const quoted of reason.matchAll(/"([^"]{2,80})"/g)) {
        const hits = paragraphs.flatMap((p, i) => (p.includes(quoted[1]!) ? [i] : []));
        if (hits.length === 1) {
          paragraph = hits[0]!;
          break;
        }
      }
    }
    const count = sourceParagraphs(result)?.length ?? result.languages[lang ?? ""]?.paragraphs?.length ?? 0;
    if (paragraph !== null && (paragraph < 0 || paragraph >= Math.max(count, 1))) paragraph = null;
    return { text, task, lang, paragraph, title, reason, resolved: resolved.has(text) };
  });
}

/** The key of the source-language version in `languages` ("en" for an English story), if there is one. */
export function sourceKey(result: ArticleResult): string | null {
  const keys = Object.keys(result.languages);
  return keys.find((k) => k === result.source.lang) ?? keys.find((k) => baseLanguage(k) === baseLanguage(result.source.lang)) ?? null;
}

export function sourceParagraphs(result: ArticleResult): string[] | null {
  const key = sourceKey(result);
  const paragraphs = key ? result.languages[key]?.paragraphs : undefined;
  return Array.isArray(paragraphs) ? paragraphs : null;
}
