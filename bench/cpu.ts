// npm run bench:cpu: this process's CPU per article on the real path (`run --lang de,en` and
// `summarize`), with the model server in a CHILD process so its CPU is not counted; then the CPU
// of the checks alone, called directly on English source / German translation pairs.
//   BENCH_CPU_ARTICLES (300), BENCH_CPU_WARMUP (40), BENCH_CPU_ROUNDS (3, checks-alone loop),
//   BENCH_CPU_CACHE (fresh | off), BENCH_CPU_SKIP (comma list: run,summarize,client,checks),
//   BENCH_CPU_PROFILE=DIR: a .cpuprofile of each measured batch only (node:inspector; warm-up,
//   set-up and the checks-alone loop left out), with its top self-time items printed.
// On Linux each row is also split by thread (/proc/self/task): the main thread, and the others
// (V8's optimizing compiler and GC helpers), which process.cpuUsage() counts too.
// The articles are composed here from sentence templates (no publisher's text), ~700 o200k tokens
// each, with numbers in every writing the checks read (1,250 / 1.250 / 1'250, 3.5 / 3,5, 13:30 /
// 13.30 Uhr, twelve / zwölf, fifth / fünfte), names from the desk's table and invented ones.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { Session } from "node:inspector/promises";
import { seededRandom } from "../test/support/articles.ts";
import type { TaskRequest } from "../src/tasks/request.ts";

const SELF = fileURLToPath(import.meta.url);

// ---- the child: the model server -----------------------------------------------------------------

// (started at the end of this file: `node bench/cpu.ts --server` prints its URL, stops on stdin's end)

// ---- composed articles ---------------------------------------------------------------------------


interface Pair { en: string; de: string }
interface Composed {
  en: { title: string; paragraphs: string[] };
  de: { title: string; paragraphs: string[] };
  digest: { en: DigestText; de: DigestText };
}
interface DigestText { summary: string; keyPoints: string[]; snippet: { headline: string; teaser: string } }

const CITIES: Pair[] = [
  { en: "Zurich", de: "Zürich" }, { en: "Geneva", de: "Genf" }, { en: "Basel", de: "Basel" }, { en: "Bern", de: "Bern" },
  { en: "Lucerne", de: "Luzern" }, { en: "Munich", de: "München" }, { en: "Vienna", de: "Wien" }, { en: "Cologne", de: "Köln" },
  { en: "Hamburg", de: "Hamburg" }, { en: "Lausanne", de: "Lausanne" }, { en: "Moscow", de: "Moskau" }, { en: "Beijing", de: "Peking" },
];
const PEOPLE = [
  "Anna Keller", "Marco Rossi", "Lena Huber", "David Meier", "Sofia Brunner", "Jonas Weber", "Laura Frei", "Nico Baumann",
  "Petra Lindqvist", "Tomas Novak", "Irene Castell", "Felix Ammann", "Miriam Osei", "Paul Zimmermann", "Clara Dufour", "Yusuf Demir",
];
const LEADERS: Pair[] = [
  { en: "Vladimir Putin", de: "Wladimir Putin" }, { en: "Xi Jinping", de: "Xi Jinping" }, { en: "Sergei Lavrov", de: "Sergej Lawrow" },
  { en: "Volodymyr Zelensky", de: "Wolodymyr Selenskyj" }, { en: "Dmitry Peskov", de: "Dmitri Peskow" },
];
const BODIES: Pair[] = [
  { en: "the city council", de: "der Stadtrat" }, { en: "the cantonal government", de: "die Kantonsregierung" },
  { en: "the regional parliament", de: "das Regionalparlament" }, { en: "the transport authority", de: "die Verkehrsbehörde" },
  { en: "the health department", de: "das Gesundheitsdepartement" }, { en: "the energy agency", de: "die Energieagentur" },
];
const PROJECTS: Pair[] = [
  { en: "tram line", de: "Tramlinie" }, { en: "ferry service", de: "Fährverbindung" }, { en: "school building", de: "Schulhaus" },
  { en: "bridge", de: "Brücke" }, { en: "library", de: "Bibliothek" }, { en: "hospital wing", de: "Spitaltrakt" },
  { en: "cycle path", de: "Veloweg" }, { en: "railway station", de: "Bahnhof" }, { en: "water plant", de: "Wasserwerk" },
  { en: "concert hall", de: "Konzerthalle" }, { en: "wind farm", de: "Windpark" }, { en: "housing estate", de: "Wohnsiedlung" },
];
const WORDS: [string, string, number][] = [
  ["two", "zwei", 2], ["three", "drei", 3], ["four", "vier", 4], ["five", "fünf", 5], ["six", "sechs", 6], ["seven", "sieben", 7],
  ["eight", "acht", 8], ["nine", "neun", 9], ["ten", "zehn", 10], ["eleven", "elf", 11], ["twelve", "zwölf", 12], ["fifteen", "fünfzehn", 15],
  ["twenty", "zwanzig", 20], ["thirty", "dreissig", 30], ["forty", "vierzig", 40], ["fifty", "fünfzig", 50],
];
const ORDINALS: [string, string][] = [
  ["first", "erste"], ["second", "zweite"], ["third", "dritte"], ["fourth", "vierte"], ["fifth", "fünfte"], ["sixth", "sechste"], ["tenth", "zehnte"],
];
const MONTHS: Pair[] = [
  { en: "January", de: "Januar" }, { en: "March", de: "März" }, { en: "April", de: "April" }, { en: "May", de: "Mai" },
  { en: "June", de: "Juni" }, { en: "September", de: "September" }, { en: "October", de: "Oktober" }, { en: "December", de: "Dezember" },
];
const DAYS: Pair[] = [
  { en: "Monday", de: "Montag" }, { en: "Tuesday", de: "Dienstag" }, { en: "Wednesday", de: "Mittwoch" }, { en: "Thursday", de: "Donnerstag" }, { en: "Friday", de: "Freitag" },
];

const groupEn = (n: number) => n.toLocaleString("en-US");
const groupDe = (n: number, swiss: boolean) => n.toLocaleString("de-DE").replace(/\./g, swiss ? "'" : ".");

type Ctx = {
  r: () => number;
  pick: <T>(xs: readonly T[]) => T;
  int: (lo: number, hi: number) => number;
  city: Pair; project: Pair; body: Pair; lead: string; other: string; leader: Pair; swiss: boolean;
};

/** Sentence templates: each gives the English sentence and its German translation. */
const SENTENCES: ((c: Ctx) => Pair)[] = [
  (c) => {
    const n = c.int(1200, 98000);
    return { en: `About ${groupEn(n)} people are expected to use the ${c.project.en} every day once it is finished.`, de: `Täglich sollen rund ${groupDe(n, c.swiss)} Menschen die ${c.project.de} nutzen, sobald sie fertig ist.` };
  },
  (c) => {
    const a = c.int(10, 99), b = c.int(1, 9);
    return { en: `Costs rose by ${a}.${b} percent compared with the previous plan, ${c.body.en} said.`, de: `Die Kosten stiegen gegenüber dem bisherigen Plan um ${a},${b} Prozent, teilte ${c.body.de} mit.` };
  },
  (c) => {
    const h = c.int(1, 11), m = c.int(10, 59);
    return { en: `The meeting began at ${h}:${m} p.m. and lasted until late in the evening.`, de: `Die Sitzung begann um ${h + 12}.${m} Uhr und dauerte bis spät in den Abend.` };
  },
  (c) => {
    const h = c.int(7, 11);
    return { en: `Doors open at ${h} a.m., and the first guided tour starts half an hour later.`, de: `Die Türen öffnen um ${h} Uhr, die erste Führung beginnt eine halbe Stunde später.` };
  },
  (c) => {
    const w = c.pick(WORDS);
    return { en: `${c.lead} said the team had worked on the plan for ${w[0]} years.`, de: `${c.lead} sagte, das Team habe ${w[1]} Jahre lang an dem Plan gearbeitet.` };
  },
  (c) => {
    const o = c.pick(ORDINALS);
    return { en: `It is the ${o[0]} time that the project has been put to a public vote.`, de: `Es ist das ${o[1]} Mal, dass über das Projekt öffentlich abgestimmt wird.` };
  },
  (c) => {
    const d = c.int(1, 28), mo = c.pick(MONTHS), y = c.int(2019, 2026);
    return { en: `The decision was taken on ${mo.en} ${d}, ${y}, after a long debate.`, de: `Der Entscheid fiel am ${d}. ${mo.de} ${y} nach einer langen Debatte.` };
  },
  (c) => {
    const x = c.int(20, 60), y = c.int(5, 19);
    return { en: `The council approved the budget with ${x} votes to ${y}, with two abstentions.`, de: `Der Rat genehmigte das Budget mit ${x} zu ${y} Stimmen bei zwei Enthaltungen.` };
  },
  (c) => {
    const n = c.int(2, 95) * 1000 + c.int(100, 999);
    return { en: `The canton contributes ${groupEn(n)} francs, while the city pays the rest from its own budget.`, de: `Der Kanton steuert ${groupDe(n, c.swiss)} Franken bei, den Rest zahlt die Stadt aus dem eigenen Budget.` };
  },
  (c) => {
    const m = c.int(2, 9), f = c.int(1, 9);
    return { en: `In total the work will cost ${m}.${f} million francs, slightly more than planned.`, de: `Insgesamt kosten die Arbeiten ${m},${f} Millionen Franken, etwas mehr als geplant.` };
  },
  (c) => ({
    en: `"We have waited a long time for this moment," said ${c.lead}, who leads the project for ${c.body.en}.`,
    de: `«Wir haben lange auf diesen Moment gewartet», sagte ${c.lead}, der das Projekt für ${c.body.de.replace(/^der /, "den ")} leitet.`,
  }),
  (c) => ({
    en: `Residents had asked for the changes for years, and ${c.other} said that families would benefit most.`,
    de: `Die Anwohner hatten die Änderungen seit Jahren gefordert, und ${c.other} sagte, dass vor allem Familien profitieren würden.`,
  }),
  (c) => ({
    en: `Critics say the costs are too high and the timetable is too tight for a project of this size.`,
    de: `Kritiker sagen, die Kosten seien zu hoch und der Zeitplan für ein Projekt dieser Grösse zu knapp.`,
  }),
  (c) => {
    const day = c.pick(DAYS);
    return { en: `On ${day.en}, ${c.body.en} published a report on the state of the ${c.project.en} in ${c.city.en}.`, de: `Am ${day.de} veröffentlichte ${c.body.de} einen Bericht über den Zustand der ${c.project.de} in ${c.city.de}.` };
  },
  (c) => ({
    en: `Speaking in ${c.city.en}, ${c.leader.en} said the talks with the delegation from Beijing had been useful.`,
    de: `In ${c.city.de} sagte ${c.leader.de}, die Gespräche mit der Delegation aus Peking seien nützlich gewesen.`,
  }),
  (c) => ({
    en: `The Kremlin said Moscow was ready to continue the talks, but gave no date for the next round.`,
    de: `Der Kreml erklärte, Moskau sei zu weiteren Gesprächen bereit, nannte aber kein Datum für die nächste Runde.`,
  }),
  (c) => {
    const a = c.int(12, 40);
    return { en: `Temperatures reached ${a} degrees in the afternoon, and the lake was crowded with swimmers.`, de: `Am Nachmittag wurden ${a} Grad gemessen, der See war voller Schwimmerinnen und Schwimmer.` };
  },
  (c) => {
    const p = c.int(51, 78), q = c.int(1, 9), t = c.int(30, 60);
    return { en: `In the vote, ${p}.${q} percent of the voters said yes, on a turnout of ${t} percent.`, de: `Bei der Abstimmung sagten ${p},${q} Prozent der Stimmenden Ja, die Beteiligung lag bei ${t} Prozent.` };
  },
  (c) => ({
    en: `The next step is a report to the council in the autumn, followed by a consultation with the neighbouring communities.`,
    de: `Der nächste Schritt ist ein Bericht an den Rat im Herbst, danach folgt eine Vernehmlassung bei den Nachbargemeinden.`,
  }),
  (c) => {
    const w = c.pick(WORDS.slice(0, 10));
    return { en: `Around ${w[0]} companies applied for the contract, and the jury chose a firm from ${c.city.en}.`, de: `Rund ${w[1]} Firmen bewarben sich um den Auftrag, die Jury wählte ein Unternehmen aus ${c.city.de}.` };
  },
  (c) => {
    const n = c.int(3, 30);
    return { en: `Until then, the city will publish updates on its website and hold ${n} more meetings for residents.`, de: `Bis dahin veröffentlicht die Stadt Neuigkeiten auf ihrer Website und hält ${n} weitere Versammlungen für die Bevölkerung ab.` };
  },
  (c) => ({
    en: `According to ${c.other}, the plan also includes new trees, wider pavements and more benches along the main road.`,
    de: `Laut ${c.other} umfasst der Plan auch neue Bäume, breitere Trottoirs und mehr Sitzbänke entlang der Hauptstrasse.`,
  }),
];

function compose(i: number): Composed {
  const r = seededRandom(0x5eed + i * 7919);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const c: Ctx = {
    r, pick, int,
    city: pick(CITIES), project: pick(PROJECTS), body: pick(BODIES),
    lead: pick(PEOPLE), other: pick(PEOPLE), leader: pick(LEADERS), swiss: r() < 0.5,
  };
  const titleNo = i + 1;
  const en = { title: `${c.city.en}: ${c.body.en} backs new ${c.project.en} (report ${titleNo})`, paragraphs: [] as string[] };
  const de = { title: `${c.city.de}: ${c.body.de} unterstützt neue ${c.project.de} (Bericht ${titleNo})`, paragraphs: [] as string[] };
  en.title = en.title[0]!.toUpperCase() + en.title.slice(1);
  // ~700 o200k tokens of English: 10 paragraphs of 3-4 sentences.
  for (let p = 0; p < 10; p++) {
    const n = 3 + (r() < 0.5 ? 1 : 0);
    const e: string[] = [];
    const g: string[] = [];
    for (let s = 0; s < n; s++) {
      const pair = pick(SENTENCES)(c);
      e.push(pair.en);
      g.push(pair.de);
    }
    en.paragraphs.push(e.join(" "));
    de.paragraphs.push(g.join(" "));
  }
  const digest = {
    en: {
      summary: `${c.body.en[0]!.toUpperCase() + c.body.en.slice(1)} in ${c.city.en} backs a new ${c.project.en}. ${c.lead} says the team worked on the plan for years; critics find the costs too high. A report follows in the autumn.`,
      keyPoints: [`${c.city.en} backs the ${c.project.en}.`, `${c.lead} leads the project.`, `Critics call the costs too high.`, `A report follows in the autumn.`],
      snippet: { headline: `${c.city.en} backs new ${c.project.en}`, teaser: `${c.body.en[0]!.toUpperCase() + c.body.en.slice(1)} wants the ${c.project.en} built soon. Critics say it costs too much.` },
    },
    de: {
      summary: `${c.body.de[0]!.toUpperCase() + c.body.de.slice(1)} in ${c.city.de} unterstützt eine neue ${c.project.de}. ${c.lead} sagt, das Team habe jahrelang am Plan gearbeitet; Kritiker finden die Kosten zu hoch. Im Herbst folgt ein Bericht.`,
      keyPoints: [`${c.city.de} unterstützt die ${c.project.de}.`, `${c.lead} leitet das Projekt.`, `Kritiker halten die Kosten für zu hoch.`, `Im Herbst folgt ein Bericht.`],
      snippet: { headline: `${c.city.de} will neue ${c.project.de}`, teaser: `${c.body.de[0]!.toUpperCase() + c.body.de.slice(1)} will die ${c.project.de} bald bauen. Kritiker sagen, sie koste zu viel.` },
    },
  };
  return { en, de, digest };
}

function articleFile(a: Composed, i: number): string {
  const d = 1 + (i % 28);
  // Blank lines between paragraphs: a line-per-paragraph file that ends in a newline is read as
  // one paragraph (src/article/wire-text.ts counts the final newline as a blank line).
  const head = [a.en.title, `Published: 2024-05-${String(d).padStart(2, "0")}T${String(6 + (i % 12)).padStart(2, "0")}:00`].join("\n");
  return [head, ...a.en.paragraphs, "©Keystone/SDA"].join("\n\n") + "\n";
}

// ---- the parent: measurements --------------------------------------------------------------------

async function main() {
  const { readArticles } = await import("../src/article/index.ts");
  const { runBatch } = await import("../src/run/batch.ts");
  const { Cache } = await import("../src/core/cache.ts");
  const { createModelClient } = await import("../src/model/create.ts");
  const { createPipeline } = await import("../src/run/pipeline.ts");
  const { createScheduler } = await import("../src/model/scheduler.ts");
  const { loadPromptSet } = await import("../src/core/prompts.ts");
  const { defaultGlossaryPath, loadGlossary, glossaryFor } = await import("../src/core/glossary.ts");
  const { countTokens } = await import("../src/core/tokens.ts").catch(() => ({ countTokens: null as null | ((s: string) => number) }));
  const checks = await import("../src/checks/index.ts");
  const { strictNumbers, lenientNumbers } = await import("../src/checks/numbers.ts");
  const { missingNames, nameFormProblems } = await import("../src/checks/names.ts");
  const { completenessFindings } = await import("../src/checks/completeness.ts");
  const { detectLanguage } = await import("../src/core/language.ts");
  const { default: pLimit } = await import("p-limit");

  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const N = env("BENCH_CPU_ARTICLES", 300);
  const WARMUP = env("BENCH_CPU_WARMUP", 40);
  const ROUNDS = env("BENCH_CPU_ROUNDS", 3);
  const cacheMode = process.env.BENCH_CPU_CACHE ?? "fresh";
  const skip = new Set((process.env.BENCH_CPU_SKIP ?? "").split(",").filter(Boolean));
  const tmp = (p: string) => mkdtempSync(path.join(os.tmpdir(), p));
  const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  const glossary = loadGlossary(defaultGlossaryPath());
  const profileDir = process.env.BENCH_CPU_PROFILE;
  const profiles: string[] = [];

  // Distinct articles: warm-up ones first (JIT, lazy loads), then the measured ones.
  const composed = Array.from({ length: WARMUP + N }, (_, i) => compose(i));
  const warmDir = tmp("newsdesk-bench-cpu-warm-");
  const dir = tmp("newsdesk-bench-cpu-");
  composed.forEach((a, i) => writeFileSync(path.join(i < WARMUP ? warmDir : dir, `story-${String(i + 1).padStart(5, "0")}.txt`), articleFile(a, i)));
  const sample = composed.slice(WARMUP);
  const tokens = countTokens ? sample.reduce((s, a) => s + countTokens([a.en.title, ...a.en.paragraphs].join("\n\n")), 0) / N : NaN;
  console.log(`# newsdesk CPU per article (node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "?"})`);
  console.log(`${N} composed English articles (+${WARMUP} warm-up), ${Number.isNaN(tokens) ? "?" : Math.round(tokens)} o200k tokens each on average; cache: ${cacheMode}; model server in a child process\n`);

  const child = await startServerChild(WARMUP + N);
  try {
    const rows: string[] = [];
    const split: string[] = [];
    for (const [name, tasks] of [["run --lang de,en", ["translate", "digest"]], ["summarize --lang de,en", ["digest"]]] as const) {
      if (skip.has(name.split(" ")[0]!)) continue;
      const cacheDir = tmp("newsdesk-bench-cpu-cache-");
      const make = (file: string) => {
        const scheduler = createScheduler({ maxConcurrency: 8 });
        const client = createModelClient({ baseURL: child.url, maxRetries: 0, onRateHint: scheduler.observe });
        return createPipeline({
          client, model: "test-model", cache: cacheMode === "off" ? null : new Cache(path.join(cacheDir, file)),
          languages: ["de", "en"], tasks: [...tasks], prompts: loadPromptSet(), glossary, limiter: scheduler.run, concurrency: 8,
        });
      };
      const warmPipe = make("warm.sqlite");
      await runBatch(readArticles([warmDir]), warmPipe, { articlesInFlight: 16 });
      warmPipe.options.cache?.close();
      const pipe = make("measured.sqlite");
      const profiler = profileDir ? await startProfile() : null;
      const threadsBefore = threadCpu();
      const before = process.cpuUsage();
      const started = performance.now();
      let warnings = 0;
      const seen = new Set<string>();
      const s = await runBatch(readArticles([dir]), pipe, {
        articlesInFlight: 16,
        onResult: (r) => {
          warnings += r.warnings.length;
          for (const w of r.warnings) seen.add(process.env.BENCH_CPU_VERBOSE === "2" ? w : w.replace(/\d+/g, "N"));
        },
      });
      const cpu = cpuMs(process.cpuUsage(before));
      split.push(threadSplit(name, threadsBefore, s.done));
      const wall = performance.now() - started;
      if (profiler) profiles.push(await profiler.stop(name));
      pipe.options.cache?.close();
      if (s.failures.length) console.log(`  ${name}: ${s.failures.length} failed, first: ${s.failures[0]!.reason}`);
      if (process.env.BENCH_CPU_VERBOSE) console.log(`  ${name}: ${warnings} warnings; kinds:\n    ${[...seen].slice(0, 12).join("\n    ")}`);
      rows.push(`| ${name} | ${s.done} | ${s.usage.calls} | ${(cpu / s.done).toFixed(2)} | ${(wall / 1000).toFixed(2)} s | ${Math.round(s.done / (cpu / 1000))} |`);
    }
    if (!skip.has("client")) {
      // The floor of the path: the model client alone (openai SDK, fetch) sends each article's
      // summarize call, exactly as the pipeline builds it, and returns the answer; no reading,
      // cache, validation or checks.
      const client = createModelClient({ baseURL: child.url, maxRetries: 0 });
      const planner = createPipeline({ client, model: "test-model", cache: null, languages: ["de", "en"], tasks: ["digest"], prompts: loadPromptSet(), glossary });
      const requests: TaskRequest[] = [];
      for await (const item of readArticles([dir])) if ("article" in item) requests.push(planner.plan(item.article)[0]!.request);
      const send = (r: TaskRequest) => client.complete({ model: "test-model", messages: r.messages, schema: r.responseSchema, schemaName: r.schemaName, label: r.label, maxTokens: r.maxTokens });
      for (const r of requests.slice(0, WARMUP)) await send(r);
      const limit = pLimit(8);
      const threadsBefore = threadCpu();
      const before = process.cpuUsage();
      const started = performance.now();
      await Promise.all(requests.map((r) => limit(() => send(r))));
      const cpu = cpuMs(process.cpuUsage(before));
      split.push(threadSplit("the model client alone", threadsBefore, requests.length));
      rows.push(`| the model client alone: each article's summarize call, no reading, cache or checks | ${requests.length} | ${requests.length} | ${(cpu / requests.length).toFixed(2)} | ${((performance.now() - started) / 1000).toFixed(2)} s | ${Math.round(requests.length / (cpu / 1000))} |`);
    }
    if (rows.length) {
      console.log("| path (this process only) | articles | model calls | CPU ms/article | wall | articles per CPU-second |");
      console.log("| --- | --- | --- | --- | --- | --- |");
      for (const r of rows) console.log(r);
      if (split.every(Boolean)) console.log(`\nCPU ms/article by thread (main / other threads):\n${split.join("\n")}`);
    }
    for (const p of profiles) console.log(p);
  } finally {
    child.stop();
  }

  if (skip.has("checks")) return;
  // The checks alone, as `run --lang de,en` calls them for an English article: the German
  // translation, and the digest in both languages (with the glossary entries that apply).
  const sourceOf = (a: Composed) => ({ title: a.en.title, paragraphs: a.en.paragraphs, lang: "en" });
  const srcText = (a: Composed) => [a.en.title, ...a.en.paragraphs].join("\n");
  const deText = (a: Composed) => [a.de.title, ...a.de.paragraphs].join("\n\n");
  const enText = (a: Composed) => [a.en.title, ...a.en.paragraphs].join("\n\n");
  const parts: [string, (a: Composed) => unknown][] = [
    ["checkTranslation en->de", (a) => checks.checkTranslation({ source: sourceOf(a), output: a.de, target: "de", glossary: glossaryFor(glossary, srcText(a), "de") })],
    ["checkTranslation en->de-CH", (a) => checks.checkTranslation({ source: sourceOf(a), output: a.de, target: "de-CH", glossary: glossaryFor(glossary, srcText(a), "de-CH") })],
    ["checkDigest de + en", (a) => {
      checks.checkDigest({ source: sourceOf(a), digest: a.digest.de, target: "de", glossary: glossaryFor(glossary, srcText(a), "de") });
      checks.checkDigest({ source: sourceOf(a), digest: a.digest.en, target: "en", glossary: glossaryFor(glossary, srcText(a), "en") });
    }],
    ["  numbers: strict(source) + lenient(translation)", (a) => { strictNumbers(enText(a), "en"); lenientNumbers(deText(a)); }],
    ["  names: missingNames + nameFormProblems", (a) => { missingNames(enText(a), deText(a), "de", "en"); nameFormProblems(deText(a), "de"); }],
    ["  completeness", (a) => completenessFindings(a.en, a.de, false)],
    ["  style: applyHouseStyle de-CH", (a) => checks.applyHouseStyle(deText(a), "de-CH")],
    ["  language: detectLanguage (src/language.ts)", (a) => detectLanguage(deText(a))],
    ["  glossaryFor (src/glossary.ts)", (a) => glossaryFor(glossary, srcText(a), "de")],
  ];
  let findings = 0;
  for (const a of sample) findings += checks.checkTranslation({ source: sourceOf(a), output: a.de, target: "de", glossary }).length;
  console.log(`\n## the checks alone: ${N} pairs x ${ROUNDS} rounds (after one warm-up round); findings on the de translations: ${(findings / N).toFixed(2)}/article`);
  console.log("| what | CPU ms/article |");
  console.log("| --- | --- |");
  for (const [label, fn] of parts) {
    for (const a of sample) fn(a);
    const before = process.cpuUsage();
    for (let k = 0; k < ROUNDS; k++) for (const a of sample) fn(a);
    console.log(`| ${label} | ${(cpuMs(process.cpuUsage(before)) / (N * ROUNDS)).toFixed(3)} |`);
  }
  {
    // What `run --lang de,en` checks per article: the de translation and the de+en digest.
    const before = process.cpuUsage();
    for (let k = 0; k < ROUNDS; k++) for (const a of sample) { parts[0]![1](a); parts[2]![1](a); }
    console.log(`| **all checks of one run --lang de,en article** | **${(cpuMs(process.cpuUsage(before)) / (N * ROUNDS)).toFixed(3)}** |`);
  }
}

/** CPU ms of each thread of this process (Linux, /proc/self/task), by thread id; null elsewhere. */
function threadCpu(): Map<string, number> | null {
  try {
    const ms = new Map<string, number>();
    for (const id of readdirSync("/proc/self/task")) {
      const stat = readFileSync(`/proc/self/task/${id}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ms.set(id, (Number(fields[11]) + Number(fields[12])) * 10); // utime + stime, in 10 ms ticks
    }
    return ms;
  } catch {
    return null;
  }
}

/** "name: main X, other threads Y" per article since `before`; "" when threads cannot be read. */
function threadSplit(name: string, before: Map<string, number> | null, n: number): string {
  const after = threadCpu();
  if (!before || !after) return "";
  let main = 0;
  let other = 0;
  for (const [id, ms] of after) {
    const spent = ms - (before.get(id) ?? 0);
    if (id === String(process.pid)) main += spent;
    else other += spent;
  }
  return `- ${name}: ${(main / n).toFixed(2)} / ${(other / n).toFixed(2)}`;
}

/** Profiles this process until stop(); stop writes DIR/<name>.cpuprofile and returns the top self-time items. */
async function startProfile() {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  return {
    async stop(name: string): Promise<string> {
      const { profile } = await session.post("Profiler.stop");
      session.disconnect();
      const dir = process.env.BENCH_CPU_PROFILE!;
      const file = path.join(dir, `${name.split(" ")[0]}.cpuprofile`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, JSON.stringify(profile));
      return `\n${name}: top self time (${file})\n${topSelf(profile, 15)}`;
    },
  };
}

type Profile = { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples?: number[]; timeDeltas?: number[] };

/** Self time per function (name and file), the largest first, as Markdown table rows. */
function topSelf(profile: Profile, n: number): string {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const self = new Map<string, number>();
  let total = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const cf = byId.get(samples[i]!)!.callFrame;
    const file = cf.url.replace(/^.*?\/(src|bench|test|node_modules)\//, "$1/");
    const key = `${cf.functionName || "(anonymous)"}${file ? ` ${file}` : ""}`;
    const t = deltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + t);
    total += t;
  }
  const busy = total - (self.get("(idle)") ?? 0);
  const rows = [...self].filter(([k]) => k !== "(idle)").sort((a, b) => b[1] - a[1]).slice(0, n);
  return [`busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled`, "| self ms | % of busy | function |", "| --- | --- | --- |",
    ...rows.map(([k, t]) => `| ${(t / 1000).toFixed(1)} | ${((100 * t) / busy).toFixed(1)} | ${k} |`)].join("\n");
}

interface ServerChild { url: string; stop: () => void; process: ChildProcess }

/** The test server in its own node process (tsx's loader flags, no --cpu-prof). */
async function startServerChild(articles: number): Promise<ServerChild> {
  const execArgv = process.execArgv.filter((a) => !a.startsWith("--cpu-prof") && !a.startsWith("--prof"));
  const child = spawn(process.execPath, [...execArgv, SELF, "--server", String(articles)], { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, NODE_OPTIONS: "" } });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", (l) => { rl.close(); resolve(l); });
    child.once("exit", (code) => reject(new Error(`server child exited with ${code}`)));
  });
  return { url: (JSON.parse(line) as { url: string }).url, stop: () => child.stdin!.end(), process: child };
}

if (process.argv.includes("--server")) {
  const { startOpenAIServer } = await import("../test/support/openai-server.ts");
  const { registerTranslation } = await import("../test/support/fake-model.ts");
  // The fake model answers translations of these articles with their composed German version
  // (German number writing included), so `run` makes its 2 calls and no repair.
  const count = Number(process.argv[process.argv.indexOf("--server") + 1]);
  for (let i = 0; i < count; i++) {
    const a = compose(i);
    registerTranslation(a.en.title, "de", a.de);
  }
  const server = await startOpenAIServer();
  process.stdout.write(JSON.stringify({ url: server.url }) + "\n");
  process.stdin.resume();
  process.stdin.on("end", () => void server.close().then(() => process.exit(0)));
} else {
  await main();
}
