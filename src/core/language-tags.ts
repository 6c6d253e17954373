// Language codes as the desk writes them, and their names for prompts: no detection here (that is
// language.ts, with franc), so what only needs a code's shape (the CLI's option parsing, styles)
// loads nothing else.
/** A language tag written the usual way: "de-ch" -> "de-CH", "EN" -> "en", "de_CH" -> "de-CH". */
export function languageTag(code: string): string {
  const [lang, ...rest] = code.trim().split(/[-_]/);
  return [lang!.toLowerCase(), ...rest.map((p) => (p.length === 2 ? p.toUpperCase() : p))].join("-");
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
