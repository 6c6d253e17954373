// Generated English wire stories for batch tests and the benchmark: N distinct articles
// (distinct titles, >= 5 paragraphs, >= 60 words), as text files or JSONL lines.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const CITIES = ["Basel", "Bern", "Geneva", "Lucerne", "Lugano", "Zurich", "Winterthur", "Lausanne", "Chur", "Sion", "Thun", "Aarau"];
const SUBJECTS = ["tram line", "ferry service", "school building", "bridge repair", "library", "hospital wing", "bike lane", "train station", "water plant", "concert hall"];
const ACTIONS = ["reopens", "gets new funding", "faces delays", "wins award", "expands", "is put to a vote", "closes for repairs", "breaks records"];
const PEOPLE = ["Anna Keller", "Marco Rossi", "Lena Huber", "David Meier", "Sofia Brunner", "Jonas Weber", "Laura Frei", "Nico Baumann"];

export interface GeneratedArticle {
  title: string;
  published: string;
  credit: string;
  paragraphs: string[];
}

/** A deterministic story for index i; every i gives a different title. */
export function generateArticle(i: number): GeneratedArticle {
  const city = CITIES[i % CITIES.length]!;
  const subject = SUBJECTS[Math.floor(i / CITIES.length) % SUBJECTS.length]!;
  const action = ACTIONS[Math.floor(i / (CITIES.length * SUBJECTS.length)) % ACTIONS.length]!;
  const person = PEOPLE[(i * 7) % PEOPLE.length]!;
  const other = PEOPLE[(i * 3 + 1) % PEOPLE.length]!;
  const cost = 100 + ((i * 37) % 900);
  const year = 2020 + (i % 6);
  const title = `${city} ${subject} ${action} (story ${i + 1})`;
  const paragraphs = [
    `The ${subject} in ${city} ${action} this week, the city council said on Monday. Officials expect about ${cost * 10} people to use it every day once the work is finished in the spring.`,
    `"We have waited a long time for this moment," said ${person}, who leads the project for the city. The plan was first discussed in ${year} and has changed several times since then.`,
    `The work costs around ${cost},000 francs. Most of the money comes from the canton, while the city pays the rest from its own budget for public buildings and transport.`,
    `Residents had asked for the changes for years. At a public meeting in March, ${other} said that families in the neighbourhood would benefit most from the project.`,
    `Critics say the costs are too high and the timetable too tight. The council rejected their proposal to delay the project by a year, with ${20 + (i % 30)} votes against ${10 + (i % 9)}.`,
    `The next step is a report to the council in the autumn. Until then, the city will publish updates on its website and hold more meetings for residents.`,
  ];
  return { title, published: `2024-05-${String(1 + (i % 28)).padStart(2, "0")}T${String(6 + (i % 12)).padStart(2, "0")}:00`, credit: "Keystone/SDA", paragraphs };
}

export function articleText(a: GeneratedArticle): string {
  return [a.title, `Published: ${a.published}`, ...a.paragraphs, `©${a.credit}`].join("\n") + "\n";
}

export function articleJsonl(a: GeneratedArticle): string {
  return JSON.stringify({ title: a.title, published: a.published, credit: a.credit, lang: "en", body: a.paragraphs.join("\n\n") });
}

/** Writes N stories as DIR/story-00001.txt ...; returns the file paths. */
export function writeArticleFiles(dir: string, count: number, start = 0): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = start; i < start + count; i++) {
    const file = path.join(dir, `story-${String(i + 1).padStart(5, "0")}.txt`);
    writeFileSync(file, articleText(generateArticle(i)));
    files.push(file);
  }
  return files;
}

/** N stories as JSONL text (one line each, trailing newline). */
export function articlesJsonl(count: number, start = 0): string {
  let out = "";
  for (let i = start; i < start + count; i++) out += articleJsonl(generateArticle(i)) + "\n";
  return out;
}

/** A seeded pseudo-random source (mulberry32), for reproducible fault injection. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
