import { describe, expect, it } from "vitest";
import { detectLanguage, languageName } from "../src/core/language.ts";

// Short wire paragraphs in the four languages of a Swiss desk (written for this test).
const TEXTS: Record<string, string> = {
  de: "Der Bundesrat hat am Mittwoch in Bern die neuen Regeln für den Bahnverkehr vorgestellt. Die Kantone sollen mehr Geld für den Ausbau der Strecken erhalten, und die Preise für die Fahrgäste werden im nächsten Jahr nicht steigen.",
  en: "The Federal Council presented the new rules for rail transport in Bern on Wednesday. The cantons are to receive more money for the expansion of the lines, and fares for passengers will not rise next year.",
  fr: "Le Conseil fédéral a présenté mercredi à Berne les nouvelles règles pour le trafic ferroviaire. Les cantons recevront davantage d'argent pour l'extension des lignes, et les prix pour les voyageurs n'augmenteront pas l'année prochaine.",
  it: "Il Consiglio federale ha presentato mercoledì a Berna le nuove regole per il traffico ferroviario. I cantoni riceveranno più soldi per l'ampliamento delle linee e i prezzi per i viaggiatori non aumenteranno il prossimo anno.",
  es: "El Consejo Federal presentó el miércoles en Berna las nuevas normas para el transporte ferroviario. Los cantones recibirán más dinero para la ampliación de las líneas y los precios para los viajeros no subirán el próximo año.",
};

describe("detectLanguage", () => {
  it.each(Object.entries(TEXTS))("knows %s", (lang, text) => {
    expect(detectLanguage(text)).toBe(lang);
  });

  it("decides short texts without function words through franc", () => {
    expect(detectLanguage("Bahnverkehr: Bundesrat präsentiert neue Regeln, Kantone erhalten mehr Geld")).toBe("de");
  });

  it("does not take English for German when a German text quotes English", () => {
    const text = `${TEXTS.de} "We are open to a dialog," sagte der Präsident. ${TEXTS.de}`;
    expect(detectLanguage(text)).toBe("de");
  });

  it("says null for text it cannot tell", () => {
    expect(detectLanguage("xq zvbn qwrtp klmnx")).toBeNull();
    expect(detectLanguage("12")).toBeNull();
  });
});

describe("languageName", () => {
  it("names languages and variants for prompts", () => {
    expect(languageName("de")).toBe("German");
    expect(languageName("de-CH")).toBe("German (de-CH)");
    expect(languageName("en-GB")).toBe("English (en-GB)");
  });
});
