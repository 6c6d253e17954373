import { describe, expect, it } from "vitest";
import { missingNames, nameFormProblems } from "../src/checks/names.ts";
import { containsTerm, letterCount, termPattern } from "../src/core/text.ts";

// Pins what the name checks and text helpers did before they were made faster (tables built once,
// a backward scan for sentence starts, a literal pre-test in containsTerm, letterCount without an
// array); every case here passes on the implementation before that change too.

describe("text helpers", () => {
  it("letterCount counts letters of any script, astral ones once, and not marks, digits or spaces", () => {
    expect(letterCount("")).toBe(0);
    expect(letterCount("Zürich 2024!")).toBe(6);
    expect(letterCount("Москва 北京")).toBe(8);
    expect(letterCount("𝒜𝒷𝒸 e\u0301")).toBe(4); // three mathematical letters (surrogate pairs), e + combining accent
    expect(letterCount("\ud835 lone")).toBe(4); // a lone surrogate is no letter
  });

  it("containsTerm: names case-sensitively as whole words, with possessives, any spacing between words", () => {
    expect(containsTerm("Olaf Scholz said", "Olaf Scholz")).toBe(true);
    expect(containsTerm("Olaf\u00a0Scholz said", "Olaf Scholz")).toBe(true);
    expect(containsTerm("Olaf-Scholz-Zitat", "Olaf Scholz", true)).toBe(true);
    expect(containsTerm("Olaf  Scholz's view", "Olaf Scholz")).toBe(true);
    expect(containsTerm("olaf scholz said", "Olaf Scholz")).toBe(false);
    expect(containsTerm("Olafs Scholz", "Olaf Scholz")).toBe(false);
    expect(containsTerm("Chinas Rolle", "China")).toBe(true);
    expect(containsTerm("Chinatown", "China")).toBe(false);
    expect(containsTerm("Kremlchef", "Kreml", true)).toBe(true);
    expect(containsTerm("Kremlchef", "Kreml", false)).toBe(false);
    // Lower-case terms match in any case.
    expect(containsTerm("The SANCTIONS hold", "sanctions")).toBe(true);
    expect(containsTerm("Die Straße", "STRASSE")).toBe(false);
  });

  it("termPattern: one pattern per term and mode, reset before use", () => {
    const re = termPattern("Putin");
    expect(termPattern("Putin")).toBe(re);
    expect(termPattern("Putin", true)).not.toBe(re);
    re.exec("Putin and Putin");
    expect(termPattern("Putin").lastIndex).toBe(0);
    expect("Putin und Putins Leute".match(termPattern("Putin"))).toEqual(["Putin", "Putins"]);
  });
});

describe("names", () => {
  it("a capitalised sequence at a sentence start (after quotes or brackets) loses a sentence-start word", () => {
    const src = 'He left. "The Anna Keller plan" was new. (However Marco Rossi disagreed.) And Lena Huber: yes.';
    // After ")" no sentence starts: "And Lena Huber" keeps "And", and a sequence with such a word is no name.
    expect(missingNames(src, "Er ging.", "de")).toEqual(["Anna Keller", "Marco Rossi"]);
    expect(missingNames(src, "Keller, Rossi und Huber", "de")).toEqual([]);
  });

  it("at a sentence start, a first word that the text also writes in lower case is dropped", () => {
    // "Residents" starts the sentence and "residents" occurs: only "Paul Zimmermann" is a name.
    const src = "Residents Paul Zimmermann and others met. Many residents came.";
    expect(missingNames(src, "Niemand.", "de")).toEqual(["Paul Zimmermann"]);
    // Not at a sentence start, the whole sequence is a name.
    expect(missingNames("They met Residents Paul Zimmermann. Many residents came.", "Niemand.", "de")).toEqual(["Residents Paul Zimmermann"]);
  });

  it("table names: any form counts, the longest form found is reported, exceptions are ignored", () => {
    expect(missingNames("Vladimir Putin met Xi Jinping in Beijing.", "Putin traf Xi in Peking.", "de")).toEqual([]);
    expect(missingNames("Vladimir Putin met Xi Jinping in Beijing.", "Er traf Xi in Peking.", "de")).toEqual(["Vladimir Putin"]);
    expect(missingNames("She studied at Peking University.", "Sie studierte dort.", "de")).toEqual([]);
  });

  it("name forms: wrong forms, mixed forms, exception phrases", () => {
    expect(nameFormProblems("Putin reiste nach Beijing.", "de")).toEqual([{ wrong: "Beijing", right: "Peking", mixed: false }]);
    expect(nameFormProblems("Peking und Beijing", "de")).toEqual([{ wrong: "Beijing", right: "Peking", mixed: true }]);
    expect(nameFormProblems("He studied at Peking University in Beijing.", "en")).toEqual([]);
    expect(nameFormProblems("He flew to Peking.", "en")).toEqual([{ wrong: "Peking", right: "Beijing", mixed: false }]);
    expect(nameFormProblems("Wladimir Putin sprach.", "de")).toEqual([]);
    // "Putin" is right in every language, but it is not one of English's own forms.
    expect(nameFormProblems("Wladimir Putin sprach.", "en")).toEqual([{ wrong: "Wladimir Putin", right: "Vladimir Putin", mixed: false }]);
  });
});
