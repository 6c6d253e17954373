// Helper of `npm run build` (tsc -p tsconfig.build.json does the compiling):
//   node scripts/dist.mjs clean   removes dist/, so no module deleted from src/ lives on there;
//   node scripts/dist.mjs copy    copies the data files of src/ (every file that is not .ts:
//                                 prices.json, checks/*.json, article/debris.txt, ...) beside the JS,
//                                 where the code finds them with new URL(..., import.meta.url).
import { cpSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const src = path.join(root, "src");
const dist = path.join(root, "dist");

const step = process.argv[2];
if (step === "clean") {
  rmSync(dist, { recursive: true, force: true });
} else if (step === "copy") {
  let copied = 0;
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith(".ts")) continue;
    const from = path.join(entry.parentPath ?? entry.path, entry.name);
    cpSync(from, path.join(dist, path.relative(src, from)));
    copied++;
  }
  if (copied === 0) throw new Error("scripts/dist.mjs: no data files found in src/");
} else {
  console.error("usage: node scripts/dist.mjs clean|copy");
  process.exit(2);
}
