// Newsletter layouts: one editable file of named blocks, each a strict {{variable}} template.
//
//   <!-- block: section -->     a marker on a line of its own starts a block; the block runs to
//   ...{{title}}...{{items}}     the next marker. Text before the first marker is ignored (the
//   <!-- block: item -->         shipped layouts keep their documentation there).
//   ...

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderTemplate, TemplateError } from "../../core/template.ts";

export type LayoutFormat = "md" | "html";

/** Every block a layout may hold, and the variables each one can use. */
export const BLOCK_VARIABLES = {
  section: ["title", "lang", "items", "count"],
  // push, social, seo_title, seo_description: the channel texts (--channels), empty when not asked for.
  item: ["headline", "headline_text", "teaser", "points", "meta", "credit", "date", "url", "id", "push", "social", "seo_title", "seo_description"],
  point: ["text"],
  link: ["url", "text"],
  teaser: ["teaser"],
  points: ["points"],
  meta: ["meta"],
} as const satisfies Record<string, readonly string[]>;

export type BlockName = keyof typeof BLOCK_VARIABLES;

/** Blocks every layout must have; the others wrap a value only when it is not empty. */
export const REQUIRED_BLOCKS: readonly BlockName[] = ["section", "item", "point", "link"];

export interface Layout {
  format: LayoutFormat;
  /** The file it was read from, used in every error message. */
  file: string;
  blocks: Partial<Record<BlockName, string>> & Record<"section" | "item" | "point" | "link", string>;
}

const MARKER = /^[ \t]*<!--[ \t]*block:[ \t]*([A-Za-z0-9_-]*)[ \t]*-->[ \t]*$/gm;

/** The shipped layout for a format: templates/newsletter.<md|html> in the package. */
export function defaultLayoutPath(format: LayoutFormat): string {
  return fileURLToPath(new URL(`../../../templates/newsletter.${format}`, import.meta.url));
}

/** Reads and checks a layout file (default: the shipped one for the format). */
export function loadLayout(format: LayoutFormat, file?: string): Layout {
  const where = file ?? defaultLayoutPath(format);
  let text: string;
  try {
    text = readFileSync(path.resolve(where), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new TemplateError(`${where}: cannot read newsletter layout (${code})`);
  }
  return parseLayout(text, format, where);
}

/** Splits layout text into blocks and checks names, required blocks and variables. */
export function parseLayout(text: string, format: LayoutFormat, file: string): Layout {
  const source = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const markers = [...source.matchAll(MARKER)];
  const blocks: Partial<Record<BlockName, string>> = {};
  const known = Object.keys(BLOCK_VARIABLES).join(", ");
  markers.forEach((marker, i) => {
    const name = marker[1]!;
    if (!Object.hasOwn(BLOCK_VARIABLES, name)) {
      throw new TemplateError(`${file}: unknown block "${name}" (known: ${known})`);
    }
    if (blocks[name as BlockName] !== undefined) {
      throw new TemplateError(`${file}: block "${name}" appears twice`);
    }
    const start = marker.index! + marker[0].length;
    const end = i + 1 < markers.length ? markers[i + 1]!.index! : source.length;
    blocks[name as BlockName] = source.slice(start, end).replace(/^\n+/, "").trimEnd();
  });
  const missing = REQUIRED_BLOCKS.filter((name) => blocks[name] === undefined);
  if (missing.length > 0) {
    throw new TemplateError(
      `${file}: missing block${missing.length > 1 ? "s" : ""} ${missing.map((n) => `"${n}"`).join(", ")} ` +
        `(a layout needs ${REQUIRED_BLOCKS.join(", ")}, each started by a line <!-- block: NAME -->)`,
    );
  }
  // Check every variable now, so a typo fails even in a block this run would not render.
  for (const [name, body] of Object.entries(blocks)) {
    const vars = Object.fromEntries(BLOCK_VARIABLES[name as BlockName].map((v) => [v, ""]));
    renderTemplate(body, vars, blockWhere(file, name));
  }
  return { format, file, blocks: blocks as Layout["blocks"] };
}

export function blockWhere(file: string, block: string): string {
  return `${file} (block "${block}")`;
}

/** Renders one block with values that the caller has already escaped for the layout's format. */
export function renderBlock(layout: Layout, name: BlockName, vars: Record<string, string>): string {
  const body = layout.blocks[name];
  if (body === undefined) throw new TemplateError(`${layout.file}: missing block "${name}"`);
  return renderTemplate(body, vars, blockWhere(layout.file, name));
}
