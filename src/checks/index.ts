// Checks on model answers: what a schema cannot say. Hard findings mean the answer is unusable
// (wrong language, paragraphs lost or echoed, commentary around the text); soft findings are
// warnings for an editor (numbers, names, lengths, house style, glossary).
import { baseLanguage, detectLanguage, languageName } from "../core/language.ts";
import { glossaryFor, type GlossaryEntry } from "../core/glossary.ts";
import { completenessFindings } from "./completeness.ts";
import { lenientNumbers, strictNumbers } from "./numbers.ts";
import { missingNames, nameFormProblems } from "./names.ts";
import { applyHouseStyle, leftoverStyle, spellingProblems } from "./style.ts";
import { checkChannels, CHANNEL_FIELD_NAMES, type ChannelField } from "./channels.ts";
import { registerFindings } from "./register.ts";
import { containsTerm, excerpt, letterCount, termPattern, words } from "../core/text.ts";
import type { DigestCheckInput, Finding, SourceText, TranslationCheckInput } from "./types.ts";

export type { Severity, Finding, TranslationCheckInput, DigestCheckInput, SourceText } from "./types.ts";
export type { GlossaryEntry } from "../core/glossary.ts";
export { applyHouseStyle } from "./style.ts";
export { strictNumbers, lenientNumbers } from "./numbers.ts";
export { CHANNEL_FIELDS, CHANNEL_LIMITS, CHANNEL_FIELD_NAMES, channelFields, channelLength, checkChannels, normaliseChannels, type ChannelField } from "./channels.ts";
export { registerFindings, registerHits, narrativeText } from "./register.ts";

export const LIMITS = { summaryWords: 60, teaserChars: 280, keyPointsMin: 3, keyPointsMax: 5 } as const;
/** Words a summary may run over LIMITS.summaryWords before it is reported. */
export const SUMMARY_WORD_TOLERANCE = 6;
/** Below this many letters a text is too short to tell its language. */
export const MIN_LETTERS_FOR_LANGUAGE = 20;
/** A single paragraph is checked on its own from this many letters. */
const MIN_LETTERS_FOR_PARAGRAPH_LANGUAGE = 150;

const soft = (check: string, message: string): Finding => ({ check, severity: "soft", message });
const hard = (check: string, message: string): Finding => ({ check, severity: "hard", message });

function describeLang(code: string): string {
  const name = languageName(code);
  return name === code ? code : `${name} (${code})`;
}

/** Hard finding when `text` is detectably not in `target`. */
function languageFinding(text: string, target: string, what: string): Finding | null {
  if (letterCount(text) < MIN_LETTERS_FOR_LANGUAGE) return null;
  const found = detectLanguage(text);
  if (!found) return null;
  const want = baseLanguage(target);
  if (baseLanguage(found) === want) return null;
  return hard("language", `${what} is in ${describeLang(found)}, expected ${describeLang(want)}`);
}

function sourceText(source: SourceText): string {
  return [source.title, ...source.paragraphs].join("\n\n");
}

function whereInSource(source: SourceText, index: number): string {
  let offset = source.title.length + 2;
  if (index < source.title.length) return "the title";
  for (let i = 0; i < source.paragraphs.length; i++) {
    const end = offset + source.paragraphs[i]!.length;
    if (index < end) return `paragraph ${i + 1}`;
    offset = end + 2;
  }
  return "the source";
}

/** Numbers the source states that the output does not have (in any locale writing). */
function numberFindings(source: SourceText, outputText: string): Finding[] {
  const text = sourceText(source);
  const have = lenientNumbers(outputText);
  const reported = new Set<string>();
  const findings: Finding[] = [];
  for (const n of strictNumbers(text, source.lang)) {
    if (have.has(n.value) || reported.has(n.value)) continue;
    reported.add(n.value);
    const written = n.text === n.value ? "" : ` ("${n.text}")`;
    findings.push(soft("facts", `number ${n.value}${written} from ${whereInSource(source, n.index)} is missing in the translation`));
  }
  return findings;
}

/** Style findings for a text in `target`, judged after the deterministic fixes. */
function styleFindings(text: string, target: string): Finding[] {
  const fixed = applyHouseStyle(text, target);
  const findings: Finding[] = leftoverStyle(fixed, target).map((m) => soft("style", m));
  for (const [found, wanted] of spellingProblems(fixed, target)) {
    findings.push(soft("style", `"${found}" is ${target.toLowerCase() === "en-gb" ? "US" : "British"} spelling; ${target} writes "${wanted}"`));
  }
  const lang = baseLanguage(target);
  for (const p of nameFormProblems(fixed, lang)) {
    findings.push(
      p.mixed
        ? soft("style", `names mixed: both "${p.wrong}" and "${p.right}" are used; keep "${p.right}"`)
        : soft("style", `name form "${p.wrong}": the desk writes "${p.right}" in ${languageName(lang)}`),
    );
  }
  return findings;
}

/** The glossary entries that apply, and a finding for each whose desk term the output lacks. */
function glossaryFindings(
  glossary: GlossaryEntry[] | undefined,
  source: string,
  output: string,
  target: string,
  onlyWhereSourceTermUsed: boolean,
): Finding[] {
  if (!glossary?.length) return [];
  const compound = baseLanguage(target) === "de";
  const findings: Finding[] = [];
  for (const e of glossaryFor(glossary, source, target)) {
    if (onlyWhereSourceTermUsed) {
      // A digest need not mention everything; it must not use the source term instead of the desk's.
      if (e.source === e.term || e.term.includes(e.source)) continue;
      const rest = output.replace(termPattern(e.term, compound), " ");
      if (!containsTerm(rest, e.source)) continue;
    } else if (containsTerm(output, e.term, compound)) continue;
    findings.push(soft("glossary", `"${e.term}" expected for "${e.source}"`));
  }
  return findings;
}

/** Checks a translation of an article against its source. */
export function checkTranslation(input: TranslationCheckInput): Finding[] {
  const { source, output, target } = input;
  const findings: Finding[] = [];
  const outText = [output.title, ...output.paragraphs].join("\n\n");
  const srcText = sourceText(source);
  const targetBase = baseLanguage(target);
  const sameLanguage = baseLanguage(source.lang) === targetBase;

  const whole = languageFinding(outText, target, "the translation");
  if (whole) findings.push(whole);
  const complete = completenessFindings(source, output, sameLanguage);
  findings.push(...complete);
  if (!whole && !sameLanguage) {
    output.paragraphs.forEach((p, j) => {
      if (letterCount(p) < MIN_LETTERS_FOR_PARAGRAPH_LANGUAGE) return;
      if (complete.some((f) => f.message.startsWith(`paragraph ${j + 1} is not translated`))) return;
      const found = detectLanguage(p);
      if (found && baseLanguage(found) === baseLanguage(source.lang)) {
        findings.push(hard("language", `paragraph ${j + 1} is in ${describeLang(found)}, expected ${describeLang(targetBase)}: "${excerpt(p)}"`));
      }
    });
  }

  findings.push(...numberFindings(source, outText));
  for (const name of missingNames(srcText, outText, targetBase, source.lang)) {
    findings.push(soft("facts", `name "${name}" from the source is missing in the translation`));
  }
  findings.push(...styleFindings(outText, target));
  findings.push(...glossaryFindings(input.glossary, srcText, outText, target, false));
  if (input.formality) {
    const parts: [string, string][] = [["the title", output.title], ...output.paragraphs.map((p, i): [string, string] => [`paragraph ${i + 1}`, p])];
    findings.push(...registerFindings(parts, input.formality));
  }
  return findings;
}

/**
 * lenientNumbers of a digest's source, kept for the last few sources: a digest is checked once per
 * language against the same source. The set is only read here.
 */
const sourceNumberSets: { text: string; numbers: Set<string> }[] = [];
function sourceNumbers(text: string): Set<string> {
  const hit = sourceNumberSets.find((e) => e.text === text);
  if (hit) return hit.numbers;
  const numbers = lenientNumbers(text);
  sourceNumberSets.unshift({ text, numbers });
  if (sourceNumberSets.length > 4) sourceNumberSets.pop();
  return numbers;
}

/** Checks a digest (summary, key points, newsletter snippet) of an article. */
export function checkDigest(input: DigestCheckInput): Finding[] {
  const { source, digest, target } = input;
  const findings: Finding[] = [];
  const parts: [string, string][] = [
    ["the summary", digest.summary],
    ...digest.keyPoints.map((k, i): [string, string] => [`key point ${i + 1}`, k]),
    ["the headline", digest.snippet.headline],
    ["the teaser", digest.snippet.teaser],
    // Channel texts (--channels), when asked for: judged like the rest, and held to their limits below.
    ...Object.entries(digest.channels ?? {}).map(([field, text]): [string, string] => [CHANNEL_FIELD_NAMES[field as ChannelField] ?? field, text ?? ""]),
  ];
  const all = parts.map(([, t]) => t).join("\n\n");

  const lang = languageFinding(all, target, "the digest");
  if (lang) findings.push(lang);

  // Lengths.
  const summaryWords = words(digest.summary).length;
  if (!digest.summary.trim()) findings.push(soft("lengths", "the summary is empty"));
  else if (summaryWords > LIMITS.summaryWords + SUMMARY_WORD_TOLERANCE) {
    findings.push(soft("lengths", `the summary has ${summaryWords} words (limit ${LIMITS.summaryWords})`));
  }
  const teaserChars = [...digest.snippet.teaser].length;
  if (teaserChars > LIMITS.teaserChars) {
    findings.push(soft("lengths", `the teaser has ${teaserChars} characters (limit ${LIMITS.teaserChars})`));
  }
  if (!digest.snippet.teaser.trim()) findings.push(soft("lengths", "the teaser is empty"));
  const k = digest.keyPoints.length;
  if (k < LIMITS.keyPointsMin || k > LIMITS.keyPointsMax) {
    findings.push(soft("lengths", `${k} key points (expected ${LIMITS.keyPointsMin} to ${LIMITS.keyPointsMax})`));
  }
  digest.keyPoints.forEach((p, i) => {
    if (!p.trim()) findings.push(soft("lengths", `key point ${i + 1} is empty`));
    else if (/[\r\n]/.test(p.trim())) findings.push(soft("lengths", `key point ${i + 1} runs over several lines`));
  });
  const headline = digest.snippet.headline.trim();
  if (!headline) findings.push(soft("lengths", "the headline is empty"));
  else if (/[\r\n]/.test(headline)) findings.push(soft("lengths", "the headline runs over several lines"));

  // Style and name forms over the whole digest.
  findings.push(...styleFindings(all, target));

  // Numbers the digest states must come from the source (read only when the digest states one).
  let known: Set<string> | undefined;
  const reported = new Set<string>();
  for (const [where, text] of parts) {
    for (const n of strictNumbers(text, baseLanguage(target))) {
      known ??= sourceNumbers([sourceText(source), source.published ?? ""].join("\n\n"));
      if (known.has(n.value) || reported.has(n.value)) continue;
      reported.add(n.value);
      const written = n.text === n.value ? "" : ` ("${n.text}")`;
      findings.push(soft("facts", `${where}: number ${n.value}${written} is not in the source`));
    }
  }

  findings.push(...glossaryFindings(input.glossary, sourceText(source), all, target, true));
  if (digest.channels) findings.push(...checkChannels(digest.channels, target));
  if (input.formality) findings.push(...registerFindings(parts, input.formality));
  return findings;
}
