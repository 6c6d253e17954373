// The headlines task: three headline options per result language, for the desk to pick, in one
// call for every language. Its own answer shape ({"headlines": {"de": [{"text"}, x3]}}), its own
// prompt (prompts/headlines.md), its own checks (below). Like the digest, each language's part is
// also cached on its own, so `newsletter --lang de --headline 2` after `headlines --lang de,en` is free.
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { HEADLINES_PER_LANGUAGE, type Article, type Finding } from "../core/types.ts";
import { DEFAULT_PROMPTS_DIR, loadPrompt, renderPrompt, type Prompt, type PromptSet } from "../core/prompts.ts";
import { baseLanguage, detectLanguage, languageName } from "../core/language.ts";
import { styleRules } from "../core/styles.ts";
import { glossaryPromptText } from "../core/glossary.ts";
import { countTokens, fitsInTokens } from "../core/tokens.ts";
import { letterCount } from "../core/text.ts";
import { applyHouseStyle, lenientNumbers, strictNumbers } from "../checks/index.ts";
import { DEFAULT_CONTEXT_TOKENS, PROMPT_OVERHEAD_TOKENS, chunkParagraphs } from "./chunking.ts";
import { bullets, houseMessages, keyFor, memo, shapeHash, termsFor, type TaskRequest } from "./request.ts";
import { cachedFromParts, cachedOutcome, runTask } from "./run-task.ts";
import type { PlannedCall, Task, TaskContext, TaskOutcome, TaskRun } from "./context.ts";

/** The longest headline, in characters (what the prompt states and the check counts). */
export const HEADLINE_MAX_CHARS = 90;
/** Guessed answer tokens per language: three short lines in JSON. */
const TOKENS_PER_LANGUAGE = 90;
/** Below this many letters (all three headlines together) their language is not judged. */
const MIN_LETTERS_FOR_LANGUAGE = 20;

export const HeadlineSchema = z.object({ text: z.string().trim().min(1) });
export type Headlines = Record<string, { text: string }[]>;

/** The answer's shape: one property per language code, each exactly three headlines. */
export function headlinesSchema(languages: string[]) {
  return z.object({ headlines: z.object(Object.fromEntries(languages.map((k) => [k, z.array(HeadlineSchema).length(HEADLINES_PER_LANGUAGE)]))) });
}
/** What a headlines call must answer, unwrapped to the headlines per language. */
function headlinesAnswer(languages: string[]) {
  return headlinesSchema(languages).transform((answer) => answer.headlines as Headlines);
}

const responseSchemas = new Map<string, ReturnType<typeof headlinesSchema>>();
const answers = new Map<string, ReturnType<typeof headlinesAnswer>>();
const responseSchemaFor = (keys: string[]) => memo(responseSchemas, keys.join(","), () => headlinesSchema(keys));
const answerFor = (keys: string[]) => memo(answers, keys.join(","), () => headlinesAnswer(keys));

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
/** Characters as a reader counts them (a letter with its accent, an emoji: one each). */
export function headlineChars(text: string): number {
  let n = 0;
  for (const _ of graphemes.segment(text)) n++;
  return n;
}

/**
 * The headlines prompt: `prompts.headlines` when the set has one (a library caller's), else
 * headlines.md from the folder the set's prompts came from (--prompts DIR), else the shipped one
 * (a desk's copy of prompts/ made before this task existed still works).
 */
const loadedPrompts = new WeakMap<PromptSet, Prompt>();
export function headlinesPrompt(prompts: PromptSet & { headlines?: Prompt }): Prompt {
  if (prompts.headlines) return prompts.headlines;
  let prompt = loadedPrompts.get(prompts);
  if (!prompt) {
    const dir = path.dirname(prompts.house.file);
    prompt = loadPrompt("headlines", existsSync(path.join(dir, "headlines.md")) ? dir : DEFAULT_PROMPTS_DIR);
    loadedPrompts.set(prompts, prompt);
  }
  return prompt;
}

/**
 * The article a headline call sees: the whole one when it fits the context, else its first
 * paragraphs that do (the news is at the top; a headline needs no map-reduce). Run and plan share it.
 */
function leadOf(context: TaskContext, article: Article): Article {
  const budget = (context.contextTokens ?? DEFAULT_CONTEXT_TOKENS) - PROMPT_OVERHEAD_TOKENS - (headlinesPrompt(context.prompts).settings.max_tokens ?? 1_500);
  if (fitsInTokens(article.paragraphs, budget)) return article;
  return { ...article, paragraphs: chunkParagraphs(article.paragraphs, Math.max(50, budget), countTokens)[0]!.paragraphs };
}

/** One headlines call for every requested language; `targets` maps result key -> target ("de" -> "de-CH"). */
export function headlinesRequest(ctx: TaskContext, article: Article, targets: Record<string, string>) {
  const { prompts } = ctx;
  const prompt = headlinesPrompt(prompts);
  const keys = Object.keys(targets);
  const schema = answerFor(keys);
  const styleLines = keys.flatMap((k) => styleRules(targets[k]!).map((rule) => `${k}: ${rule}`));
  const glossaryLines = keys
    .map((k) => {
      const text = glossaryPromptText(termsFor(ctx.glossary, article, targets[k]!));
      return text ? `${k}:\n${text}` : "";
    })
    .filter(Boolean);
  const messages = [
    ...houseMessages(prompts, article),
    ...renderPrompt(prompt, {
      languages: keys.join(", "),
      language_list: keys.map((k) => `${k} (${languageName(targets[k]!)})`).join(", "),
      max_chars: String(HEADLINE_MAX_CHARS),
      style_rules: bullets(styleLines),
      glossary: glossaryLines.length ? `- Use the desk's terms:\n${glossaryLines.join("\n")}` : "",
    }),
  ];
  const settings = prompt.settings;
  const request: TaskRequest<typeof schema> = {
    task: "headlines",
    label: `headlines ${keys.join(",")}`,
    article: { id: article.id, title: article.title },
    langs: keys.map((k) => targets[k]!),
    key: keyFor("headlines", [prompts.house, prompt], ctx.model, shapeHash(`headlines:${keys.join(",")}`, () => headlinesSchema(keys)), settings, messages),
    messages,
    schema,
    responseSchema: responseSchemaFor(keys),
    schemaName: "headlines",
    temperature: settings.temperature,
    maxTokens: settings.max_tokens,
    check: (value) => keys.flatMap((k) => checkHeadlines(article, (value as Headlines)[k]!, targets[k]!).map((f) => ({ ...f, message: `${k}: ${f.message}` }))),
  };
  return request;
}

/**
 * What a schema cannot say about one language's headlines. Hard (repaired): a headline over several
 * lines. Soft (one retry, then a warning): too long, two the same, left in the article's own
 * language, a number the article does not state.
 */
export function checkHeadlines(article: Pick<Article, "title" | "paragraphs" | "lang" | "published">, headlines: { text: string }[], target: string): Finding[] {
  const findings: Finding[] = [];
  const texts = headlines.map((h) => applyHouseStyle(h.text.trim(), target));
  texts.forEach((text, i) => {
    if (/[\r\n\u2028\u2029]/.test(text)) findings.push({ severity: "hard", message: `headline ${i + 1} runs over several lines; write each on one line` });
    const chars = headlineChars(text);
    if (chars > HEADLINE_MAX_CHARS) findings.push({ severity: "soft", message: `headline ${i + 1} has ${chars} characters (limit ${HEADLINE_MAX_CHARS})` });
    const first = texts.findIndex((t) => t.toLowerCase() === text.toLowerCase());
    if (first < i) findings.push({ severity: "soft", message: `headline ${i + 1} is the same as headline ${first + 1}; write three different ones` });
  });
  // Language detection on three short lines of names is a guess (German headlines come out as Dutch,
  // Swedish, Italian): only the likely failure, the article's own language left untranslated, is said.
  const want = baseLanguage(target);
  const all = texts.join("\n");
  const found = want !== baseLanguage(article.lang) && letterCount(all) >= MIN_LETTERS_FOR_LANGUAGE ? detectLanguage(all) : null;
  if (found && baseLanguage(found) === baseLanguage(article.lang)) {
    findings.push({ severity: "soft", message: `the headlines are in ${languageName(found)} (${found}), expected ${languageName(want)} (${want})` });
  }
  const known = lenientNumbers([article.title, article.published ?? "", ...article.paragraphs].join("\n"));
  texts.forEach((text, i) => {
    for (const n of strictNumbers(text, want)) {
      if (/\d/.test(n.text) && !known.has(n.value)) findings.push({ severity: "soft", message: `headline ${i + 1} states the number ${n.text}, which the article does not` });
    }
  });
  return findings;
}

/** The single-language requests a multi-language call is also cached as; empty for one language. */
function partRequests(ctx: TaskContext, article: Article, targets: Record<string, string>) {
  const keys = Object.keys(targets);
  return keys.length > 1 ? keys.map((k) => ({ lang: k, request: headlinesRequest(ctx, article, { [k]: targets[k]! }) })) : [];
}

/** Headlines for every language in one call (or from the cache, whole or per language). */
export async function headlinesFor(run: TaskRun, article: Article, targets: Record<string, string>): Promise<TaskOutcome<Headlines>> {
  const lead = leadOf(run, article);
  const whole = headlinesRequest(run, lead, targets);
  const hit = cachedOutcome<Headlines>(run, whole);
  if (hit) return hit;
  const parts = partRequests(run, lead, targets);
  const fromParts = cachedFromParts<Headlines[string]>(run, parts);
  if (fromParts) return fromParts;
  return runTask<Headlines>(run, whole, parts);
}

export const headlinesTask: Task<Headlines> = {
  kind: "headlines",

  jobs(_article, targets) {
    return [{ targets }];
  },

  run(run, article, job) {
    return headlinesFor(run, article, job.targets);
  },

  plan(context, article, job): PlannedCall[] {
    const lead = leadOf(context, article);
    return [
      {
        request: headlinesRequest(context, lead, job.targets) as TaskRequest,
        completionTokens: TOKENS_PER_LANGUAGE * Object.keys(job.targets).length,
        alsoCachedAs: partRequests(context, lead, job.targets).map((p) => p.request as TaskRequest),
      },
    ];
  },

  apply(languages, job, value) {
    for (const [key, target] of Object.entries(job.targets)) {
      languages[key]!.headlines = value[key]!.map((h) => {
        const text = applyHouseStyle(h.text.trim(), target);
        return { text, chars: headlineChars(text) };
      });
    }
  },
};
