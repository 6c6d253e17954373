// The house's layout, enforced: data flows one way down the floors, no import circles, and only
// model/openai.ts talks to the openai SDK. Imports are read with the TypeScript compiler's own
// pre-processor (import, export-from and import() alike), so a new file cannot slip past.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { ROOT } from "./support/setup.ts";

const SRC = path.join(ROOT, "src");

/** Each folder's floor: a module may import from its own floor and the floors below. */
const FLOORS: Record<string, number> = { core: 0, article: 1, checks: 1, model: 1, tasks: 2, run: 3, render: 3, serve: 4, cli: 5, "index.ts": 6 };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => path.join(e.parentPath, e.name));
}

function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles.map((f) => f.fileName);
}

const files = sourceFiles(SRC);
const graph = new Map<string, string[]>();
for (const file of files) {
  graph.set(
    file,
    importsOf(file)
      .filter((spec) => spec.startsWith("."))
      .map((spec) => path.resolve(path.dirname(file), spec))
      .filter((target) => target.endsWith(".ts")),
  );
}

const floorOf = (file: string) => {
  const top = path.relative(SRC, file).split(path.sep)[0]!;
  const floor = FLOORS[top];
  if (floor === undefined) throw new Error(`${path.relative(ROOT, file)} is in no floor: add its folder to FLOORS (and docs/design.md)`);
  return floor;
};

describe("layout", () => {
  it("every file of src/ sits in a known floor", () => {
    for (const file of files) expect(() => floorOf(file)).not.toThrow();
  });

  it("imports go down the floors (or stay on one), never up", () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        if (floorOf(target) > floorOf(file)) upward.push(`${path.relative(SRC, file)} -> ${path.relative(SRC, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("has no import circle", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, "open");
      stack.push(file);
      for (const target of graph.get(file) ?? []) {
        if (state.get(target) === "open") cycles.push([...stack.slice(stack.indexOf(target)), target].map((f) => path.relative(SRC, f)).join(" -> "));
        else if (!state.has(target)) visit(target);
      }
      stack.pop();
      state.set(file, "done");
    };
    for (const file of files) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it("only model/openai.ts imports the openai SDK", () => {
    const importers = files.filter((file) => importsOf(file).some((spec) => spec === "openai" || spec.startsWith("openai/")));
    expect(importers.map((f) => path.relative(SRC, f))).toEqual([path.join("model", "openai.ts")]);
  });
});
