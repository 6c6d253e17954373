// Paragraph count, empty and untranslated paragraphs, commentary around the translation.
import type { Finding } from "./types.ts";
import { excerpt } from "../core/text.ts";

const hard = (message: string): Finding => ({ check: "completeness", severity: "hard", message });
const soft = (message: string): Finding => ({ check: "completeness", severity: "soft", message });

/** Words that are written lower-case: the "ordinary" words a translation changes (names and numbers stay). */
function contentWords(text: string): string[] {
  return (text.match(/\p{L}+/gu) ?? []).filter((w) => /^\p{Ll}/u.test(w) && w.length >= 2);
}

/** Share of the source paragraph's ordinary words found again in the output; null when the paragraph is mostly names/numbers. */
function echoRatio(source: string, output: string): number | null {
  const src = contentWords(source);
  const all = (source.match(/[\p{L}\p{N}]+/gu) ?? []).length;
  if (src.length < 4 || src.length < all * 0.4) return null;
  const out = new Set(contentWords(output));
  const srcSet = new Set(src);
  let shared = 0;
  for (const w of srcSet) if (out.has(w)) shared++;
  return shared / srcSet.size;
}

const ECHO_THRESHOLD = 0.7;

/**
 * Commentary a model wraps around a translation. `soft`: a label that human translators use too
 * (a WMT19 reference renders "In this context" as "Hinweis:"), so it is a warning, not a repair.
 */
const COMMENTARY: { re: RegExp; what: string; soft?: true }[] = [
  { re: /```|~~~/, what: "a code fence" },
  { re: /^[^\p{L}\p{N}]{0,4}(?:sure|certainly|of course|gerne|klar|natürlich)(?![\p{L}])[^.!?]{0,10}[,!.]\s.*(?<![\p{L}])(?:translat|übersetz)/iu, what: "a chat reply" },
  { re: /^[^\p{L}\p{N}]{0,4}(?:here(?:'s|’s| is| are)|below is|the following is|hier (?:ist|sind|folgt|die|der)|im folgenden)(?![\p{L}]).{0,80}(?<![\p{L}])(?:translat|übersetz|version|fassung)/iu, what: "a preface" },
  { re: /^[^\p{L}\p{N}]{0,4}(?:(?:german|english|deutsche|englische|französische|french)\s+)?(?:translation|übersetzung|translated text|übersetzter text)\s*\**\s*:/iu, what: "a \"Translation:\" label" },
  { re: /^[^\p{L}\p{N}]{0,4}(?:german|english|deutsche|englische)\s+(?:version|fassung)\s*\**\s*:/iu, what: "a \"Translation:\" label" },
  { re: /^[^\p{L}\p{N}]{0,4}(?:translator['’]?s note|anm\.\s*d\.\s*(?:ü|ue)bers\.?|übersetzungshinweis|note du traducteur)\s*\**\s*:/iu, what: "a note to the reader" },
  // A note label speaking of the translator or the translation is the model talking.
  { re: /^[^\p{L}\p{N}]{0,4}(?:notes?|anmerkung(?:en)?|hinweis)\s*\**\s*:.{0,80}?(?<![\p{L}])(?:i|ich|we|wir|translat\p{L}*|übersetz\p{L}*)(?![\p{L}])/iu, what: "a note to the reader" },
  { re: /^[^\p{L}\p{N}]{0,4}(?:notes?|anmerkung(?:en)?|hinweis)\s*\**\s*:/iu, what: "what looks like a note to the reader", soft: true },
  { re: /[(\[]\s*(?:translator['’]?s note|note|anmerkung(?: des übersetzers)?|anm\.\s*d\.\s*(?:ü|ue)bers\.?)\s*:/iu, what: "a note to the reader" },
  { re: /(?<![\p{L}])(?:i hope this helps|let me know if|feel free to|ich hoffe, (?:das|dies) hilft|lass(?:en sie)? mich wissen)(?![\p{L}])/iu, what: "a chat reply" },
];

function commentaryIn(text: string, sourceTexts: string[]): { what: string; soft?: true } | null {
  for (const entry of COMMENTARY) {
    if (entry.re.test(text) && !sourceTexts.some((s) => entry.re.test(s))) return entry;
  }
  return null;
}

/** Index of the single source paragraph most likely dropped, by aligning paragraph lengths. */
function likelyDropped(source: string[], output: string[]): number {
  const len = (s: string) => Math.log(s.length + 20);
  let best = 0;
  let bestCost = Infinity;
  for (let drop = 0; drop < source.length; drop++) {
    let cost = 0;
    for (let j = 0; j < output.length; j++) {
      const i = j < drop ? j : j + 1;
      cost += Math.abs(len(source[i]!) - len(output[j]!));
    }
    if (cost < bestCost - 1e-9) {
      bestCost = cost;
      best = drop;
    }
  }
  return best;
}

export function completenessFindings(
  source: { title: string; paragraphs: string[] },
  output: { title: string; paragraphs: string[] },
  sameLanguage: boolean,
): Finding[] {
  const findings: Finding[] = [];
  const n = source.paragraphs.length;
  const m = output.paragraphs.length;
  if (source.title.trim() && !output.title.trim()) findings.push(hard("the title is empty"));
  if (m === n - 1 && n > 1) {
    findings.push(hard(`paragraph ${likelyDropped(source.paragraphs, output.paragraphs) + 1} is missing (source has ${n}, translation ${m})`));
  } else if (m < n) {
    findings.push(hard(`${n - m} paragraphs are missing (source has ${n}, translation ${m})`));
  } else if (m > n) {
    findings.push(hard(`the translation has ${m} paragraphs, the source ${n} (extra or split paragraphs)`));
  }
  output.paragraphs.forEach((p, j) => {
    if (!p.trim()) findings.push(hard(`paragraph ${j + 1} is empty`));
  });

  const sourceTexts = [source.title, ...source.paragraphs];
  const outputTexts: [string, string][] = [
    ["the title", output.title],
    ...output.paragraphs.map((p, j): [string, string] => [`paragraph ${j + 1}`, p]),
  ];
  for (const [where, text] of outputTexts) {
    const found = commentaryIn(text, sourceTexts);
    if (found) findings.push((found.soft ? soft : hard)(`${where} contains ${found.what}: "${excerpt(text)}"`));
  }

  if (!sameLanguage) {
    const normal = (s: string) => s.replace(/\s+/g, " ").trim().toLowerCase();
    if (source.title.trim() && normal(source.title) === normal(output.title) && contentWords(source.title).length >= 3) {
      findings.push(hard(`the title is not translated: "${excerpt(output.title)}"`));
    }
    output.paragraphs.forEach((p, j) => {
      // Compare with the source paragraph at about the same place.
      const centre = n === m ? j : Math.round((j * n) / Math.max(m, 1));
      const from = n === m ? j : Math.max(0, centre - 2);
      const to = n === m ? j : Math.min(n - 1, centre + 2);
      for (let i = from; i <= to; i++) {
        const src = source.paragraphs[i];
        if (src === undefined) continue;
        const ratio = echoRatio(src, p);
        if (ratio !== null && ratio >= ECHO_THRESHOLD) {
          findings.push(hard(`paragraph ${j + 1} is not translated (it repeats source paragraph ${i + 1}): "${excerpt(p)}"`));
          break;
        }
      }
    });
  }
  return findings;
}
