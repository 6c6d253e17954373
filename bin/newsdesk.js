#!/usr/bin/env -S node --max-semi-space-size=4
// Runs the compiled CLI (dist/cli/bin.js) with plain node: what the installed package ships, and
// what `npm ci` builds in a clone (the `prepare` script runs `npm run build`).
// A dev checkout whose dist/ is missing or older than src/ (an edit, a pull, a branch switch) runs
// src/cli/bin.ts through tsx instead (a devDependency), so it never runs stale code; NEWSDESK_TSX=1
// forces that path. `npm run build` makes the fast path current again.
// The small young generation (shebang flag): a batch makes many short-lived strings, and V8's
// default lets ~60 MB of them pile up before collecting (peak RSS of 10,000 articles ~280 -> ~220 MB).
import { readdirSync, statSync } from "node:fs";

const dist = new URL("../dist/cli/bin.js", import.meta.url);
const src = new URL("../src/", import.meta.url);

/** Newest modification time (ms) of the files under a folder; 0 if it does not exist (the installed package). */
function newestIn(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const mtime = statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

function distIsCurrent() {
  if (process.env.NEWSDESK_TSX === "1") return false;
  let built;
  try {
    built = statSync(dist).mtimeMs;
  } catch {
    return false;
  }
  return newestIn(src) <= built;
}

if (distIsCurrent()) {
  await import(dist.href);
} else {
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    process.stderr.write("newsdesk: dist/ is missing or older than src/, and tsx is not installed: run `npm run build`\n");
    process.exit(2);
  }
  register();
  await import(new URL("cli/bin.ts", src).href);
}
