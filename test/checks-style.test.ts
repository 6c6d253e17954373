import { describe, expect, it } from "vitest";
import { applyHouseStyle, lenientNumbers, strictNumbers } from "../src/checks/index.ts";

describe("applyHouseStyle", () => {
  it("de-CH: ß -> ss, ẞ -> SS", () => {
    expect(applyHouseStyle("Die Straße heißt STRAẞE.", "de-CH")).toBe("Die Strasse heisst STRASSE.");
  });

  it("de-CH: quotation marks -> «…», nested ‹…›", () => {
    expect(applyHouseStyle("Er forderte „Frieden“.", "de-CH")).toBe("Er forderte «Frieden».");
    expect(applyHouseStyle('Er sagte: "Wir wollen \'echten\' Frieden."', "de-CH")).toBe("Er sagte: «Wir wollen ‹echten› Frieden.»");
    expect(applyHouseStyle("„Er sprach von ‚Test‘“, hiess es.", "de-CH")).toBe("«Er sprach von ‹Test›», hiess es.");
    expect(applyHouseStyle("Sie sagte: »Nein«.", "de-CH")).toBe("Sie sagte: «Nein».");
  });

  it("de-DE and de-AT: quotation marks -> „…“, nested ‚…‘; ß stays", () => {
    expect(applyHouseStyle('Er sagte: "Wir wollen \'echten\' Frieden." Die Straße.', "de-DE")).toBe(
      "Er sagte: „Wir wollen ‚echten‘ Frieden.“ Die Straße.",
    );
    expect(applyHouseStyle("«Nein», sagte sie.", "de-AT")).toBe("„Nein“, sagte sie.");
  });

  it("never breaks apostrophes", () => {
    const text = `"Putin's visit is Russia's chance", he said; geht's noch? The countries' talks. Rock 'n' roll.`;
    expect(applyHouseStyle(text, "de-CH")).toBe(`«Putin's visit is Russia's chance», he said; geht's noch? The countries' talks. Rock 'n' roll.`);
    expect(applyHouseStyle("Wie geht’s? Putin’s Besuch.", "de-DE")).toBe("Wie geht’s? Putin’s Besuch.");
  });

  it("de-CH franc amounts get a decimal point; other numbers keep the comma", () => {
    expect(applyHouseStyle("Das kostet CHF 5,25.", "de-CH")).toBe("Das kostet CHF 5.25.");
    expect(applyHouseStyle("Ein Kaffee für Fr. 4,– und 1.250,50 Franken.", "de-CH")).toBe("Ein Kaffee für Fr. 4.– und 1'250.50 Franken.");
    expect(applyHouseStyle("Es geht um 1,2 Millionen Franken und 3,5 Prozent.", "de-CH")).toBe("Es geht um 1,2 Millionen Franken und 3,5 Prozent.");
    expect(applyHouseStyle("Das kostet CHF 5,25.", "de-DE")).toBe("Das kostet CHF 5,25.");
  });

  it("plain de, en and other targets are unchanged", () => {
    const text = 'Die Straße, „Frieden“, "peace", CHF 5,25.';
    for (const target of ["de", "en", "en-GB", "fr", "fr-CH"]) expect(applyHouseStyle(text, target)).toBe(text);
  });
});

describe("numbers", () => {
  const values = (text: string, lang: string) => strictNumbers(text, lang).map((n) => n.value);

  it("reads locale writings to the same value", () => {
    expect(values("1,000 people, 3.5 percent, at 13:01, 1 p.m., on May 16th 2024", "en")).toEqual(["1000", "3.5", "13:01", "13:00", "16", "2024"]);
    expect(values("1.000 Menschen, 3,5 Prozent, um 13.01 Uhr, um 13 Uhr, am 16. Mai 2024, 23'400 und 23 400", "de")).toEqual([
      "1000", "3.5", "13:01", "13:00", "16", "2024", "23400", "23400",
    ]);
  });

  it("reads number words and ordinals", () => {
    expect(values("a twelve-point plan, his fifth term, twenty-five years, the first visit", "en")).toEqual(["12", "5", "25", "1"]);
    expect(values("ein Zwölf-Punkte-Plan, seine fünfte Amtszeit, fünfundzwanzig Jahre, der erste Besuch, erst jetzt", "de")).toEqual(["12", "5", "25", "1"]);
  });

  it("a translation may write a number any way", () => {
    const set = lenientNumbers("Der Zwölfpunkteplan, die beiden Länder, 1,000 Stück, 13.01");
    for (const v of ["12", "2", "1000", "1", "13.01", "13:01"]) expect(set.has(v)).toBe(true);
  });
});
