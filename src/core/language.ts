import { francAll } from "franc-min";

// franc speaks ISO 639-3; the rest of newsdesk speaks ISO 639-1 (and BCP 47 variants such as de-CH).
const ISO3_TO_ISO1: Record<string, string> = {
  eng: "en", deu: "de", fra: "fr", ita: "it", spa: "es", por: "pt", nld: "nl", pol: "pl",
  rus: "ru", ukr: "uk", tur: "tr", swe: "sv", dan: "da", nob: "no", fin: "fi", ces: "cs",
  slk: "sk", hun: "hu", ron: "ro", hrv: "hr", srp: "sr", bul: "bg", ell: "el", cmn: "zh",
  jpn: "ja", kor: "ko", arb: "ar", heb: "he", hin: "hi", vie: "vi", ind: "id",
  // the other languages franc-min knows that have a two-letter code
  ben: "bn", pes: "fa", urd: "ur", tha: "th", tam: "ta", tel: "te", mar: "mr", guj: "gu", kan: "kn",
  mal: "ml", pan: "pa", amh: "am", hau: "ha", yor: "yo", ibo: "ig", swh: "sw", zul: "zu", xho: "xh",
  som: "so", uzb: "uz", azj: "az", kaz: "kk", bel: "be", zlm: "ms", tgl: "tl", jav: "jv", sun: "su",
  mya: "my", khm: "km", npi: "ne", sin: "si", ori: "or", ckb: "ku", tuk: "tk", kin: "rw", run: "rn",
  nya: "ny", sna: "sn", skr: "sd", uig: "ug", aka: "ak", ful: "ff", lin: "ln", lug: "lg", mad: "mad",
};

const CANDIDATES = new Set(Object.keys(ISO3_TO_ISO1).slice(0, 31));
/** franc's trigram profile settles long before this; the rest of a long article only costs time. */
const SAMPLE_CHARS = 1_000;
/** A language outside the usual candidates wins only by this margin (franc's scores: 1 = best). */
const OTHER_MARGIN = 0.9;

/** Japanese, Korean and Chinese by their scripts (franc tells them apart worse, and not at all when short). */
function byScript(text: string): string | null {
  const sample = text.slice(0, SAMPLE_CHARS);
  const kana = (sample.match(/[\p{Script=Hiragana}\p{Script=Katakana}]/gu) ?? []).length;
  const hangul = (sample.match(/\p{Script=Hangul}/gu) ?? []).length;
  const han = (sample.match(/\p{Script=Han}/gu) ?? []).length;
  const letters = (sample.match(/\p{L}/gu) ?? []).length;
  if (letters === 0 || (kana + hangul + han) / letters < 0.3) return null;
  if (kana >= 0.1 * (kana + han)) return "ja";
  if (hangul > han) return "ko";
  return "zh";
}

/**
 * The ISO 639-1 code (or franc's ISO 639-3 code when there is none) of the language a text is
 * written in, or null when it cannot tell. Every language franc-min knows can be the answer; the
 * languages a desk meets most are preferred when franc finds them about as likely.
 */
export function detectLanguage(text: string, minLength = 20): string | null {
  const quick = byFunctionWords(text) ?? byScript(text);
  if (quick) return quick;
  const scores = francAll(text.length > SAMPLE_CHARS ? text.slice(0, SAMPLE_CHARS) : text, { minLength });
  const [top] = scores;
  if (!top || top[0] === "und") return null;
  let code = top[0];
  if (!CANDIDATES.has(code)) {
    const candidate = scores.find(([c]) => CANDIDATES.has(c));
    if (candidate && candidate[1] >= OTHER_MARGIN) code = candidate[0];
  }
  return ISO3_TO_ISO1[code] ?? code;
}

// The desk's four languages by their most frequent function words: a sure answer for ordinary
// prose in a fraction of franc's time (franc took two thirds of reading a warm-cache batch).
const FUNCTION_WORDS: Record<string, Set<string>> = {
  en: new Set("the of and to in is that for it was on with as by at from this have has are were be an which".split(" ")),
  de: new Set("der die das und ist nicht mit sich auf dem den des ein eine einer zu im für von auch werden wurde hat sind".split(" ")),
  fr: new Set("le la les et des du une est dans que pour pas sur au aux avec ce qui par sont été cette".split(" ")),
  it: new Set("il di che è la le per una del della non sono gli con nel alla anche dei ha questo".split(" ")),
};
const QUICK_WORDS = 200;
const QUICK_LANGS = Object.keys(FUNCTION_WORDS);
/** Each function word with the languages (indexes into QUICK_LANGS) it is one of ("des": de and fr). */
const FUNCTION_WORD_LANGS = new Map<string, number[]>();
QUICK_LANGS.forEach((lang, i) => {
  for (const word of FUNCTION_WORDS[lang]!) FUNCTION_WORD_LANGS.set(word, [...(FUNCTION_WORD_LANGS.get(word) ?? []), i]);
});
const LETTERS = /\p{L}+/gu;

/** A language when one of the four clearly leads (≥ 20% of the first 200 words, 4x the runner-up), else null. */
function byFunctionWords(text: string): string | null {
  const lower = text.slice(0, 2_000).toLowerCase();
  const counts = QUICK_LANGS.map(() => 0);
  let words = 0;
  LETTERS.lastIndex = 0;
  for (let m = LETTERS.exec(lower); m !== null && words < QUICK_WORDS; m = LETTERS.exec(lower)) {
    words++;
    for (const i of FUNCTION_WORD_LANGS.get(m[0]) ?? []) counts[i]!++;
  }
  if (words < 30) return null;
  const hits = QUICK_LANGS.map((lang, i): [string, number] => [lang, counts[i]!]);
  hits.sort((a, b) => b[1] - a[1]);
  const [best, second] = [hits[0]!, hits[1]!];
  return best[1] >= words * 0.2 && best[1] >= 4 * second[1] ? best[0] : null;
}

export { baseLanguage, languageName, languageTag } from "./language-tags.ts";
