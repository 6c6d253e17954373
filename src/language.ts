import { franc } from "franc-min";

// franc speaks ISO 639-3; the rest of newsdesk speaks ISO 639-1 (and BCP 47 variants such as de-CH).
const ISO3_TO_ISO1: Record<string, string> = {
  eng: "en", deu: "de", fra: "fr", ita: "it", spa: "es", por: "pt", nld: "nl", pol: "pl",
  rus: "ru", ukr: "uk", tur: "tr", swe: "sv", dan: "da", nob: "no", fin: "fi", ces: "cs",
  slk: "sk", hun: "hu", ron: "ro", hrv: "hr", srp: "sr", bul: "bg", ell: "el", cmn: "zh",
  jpn: "ja", kor: "ko", arb: "ar", heb: "he", hin: "hi", vie: "vi", ind: "id",
};

/** The ISO 639-1 code of the language a text is written in, or null when it cannot tell. */
export function detectLanguage(text: string, minLength = 20): string | null {
  const code = franc(text, { minLength });
  if (code === "und") return null;
  return ISO3_TO_ISO1[code] ?? code;
}

/** "de-CH" -> "de"; "en" -> "en". */
export function baseLanguage(code: string): string {
  return code.split("-")[0]!.toLowerCase();
}

const NAMES: Record<string, string> = {
  de: "German", en: "English", fr: "French", it: "Italian", es: "Spanish", pt: "Portuguese",
  nl: "Dutch", pl: "Polish", ru: "Russian", uk: "Ukrainian", tr: "Turkish", zh: "Chinese", ja: "Japanese",
};

/** A human name for a language code, for prompts: "de-CH" -> "German (de-CH)". */
export function languageName(code: string): string {
  const base = baseLanguage(code);
  const name = NAMES[base] ?? base;
  return code.includes("-") ? `${name} (${code})` : name;
}
