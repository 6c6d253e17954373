// The review desk's page: plain JavaScript, no build step, no CDN. Every piece of article and
// model text reaches the page through textContent or a form field's value, never as markup.
"use strict";

const CSRF = document.querySelector('meta[name="newsdesk-token"]').getAttribute("content");
const ID = /^[a-z0-9][a-z0-9-]{0,199}$/;
const view = document.getElementById("view");
const editorInput = document.getElementById("editor");
editorInput.value = localStorage.getItem("newsdesk-editor") || "";
editorInput.addEventListener("input", () => localStorage.setItem("newsdesk-editor", editorInput.value.trim()));

/** Builds an element; strings become text nodes, never HTML. */
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "value" || key === "checked" || key === "disabled") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Replaces the view's content; empty parts (null, false) are left out. */
function mount(...parts) {
  view.replaceChildren(...parts.flat().filter((part) => part !== null && part !== undefined && part !== false));
}

async function api(path, body) {
  const init = { method: "GET", headers: { accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["content-type"] = "application/json";
    init.headers["x-newsdesk-token"] = CSRF;
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const data = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
  if (!res.ok) throw new Error(data.error || `${res.status}`);
  return data;
}

let toastTimer;
/** A model proposal's message, with what the checks still flag in it (the first three, and how many more). */
function toastProposal(message, warnings) {
  if (!warnings.length) return toast(message);
  const more = warnings.length > 3 ? ` (and ${warnings.length - 3} more)` : "";
  toast(`${message}. Warnings: ${warnings.slice(0, 3).join("; ")}${more}`, "warn");
}

function toast(message, kind) {
  const node = document.getElementById("toast");
  node.textContent = message;
  node.className = `show ${kind || ""}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (node.className = ""), 4000);
}

const STATE_LABEL = { unreviewed: "unreviewed", "in-review": "in review", approved: "approved" };
function badge(state) {
  return el("span", { class: `badge ${state}`, text: STATE_LABEL[state] || state });
}

function formatDate(value) {
  if (!value) return "undated";
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(value);
  return m ? `${m[1]}-${m[2]}-${m[3]}${m[4] ? ` ${m[4]}:${m[5]}` : ""}` : value;
}

function words(text) {
  const t = text.trim();
  return t === "" ? 0 : t.split(/\s+/u).length;
}

/** Characters as the limits count them: code points (a channel text: of the trimmed text, as it is saved). */
function chars(text) {
  return [...text].length;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
/** Characters as `newsdesk headlines` counts a headline: an accented letter or an emoji is one. */
function headlineChars(text) {
  return [...graphemes.segment(text)].length;
}

/** The channel texts a digest may have (--channels), in the order `run` writes them. */
const CHANNEL_LABELS = { push: "Push alert", social: "Social post", seoTitle: "SEO title", seoDescription: "SEO description" };

// ---- routing ------------------------------------------------------------------------------

async function route() {
  const hash = location.hash || "#/";
  const article = /^#\/a\/([a-z0-9-]+)$/.exec(hash);
  try {
    if (article && ID.test(article[1])) await showArticle(article[1]);
    else if (hash === "#/export") await showExport();
    else await showQueue();
  } catch (error) {
    mount(el("p", { class: "error", text: `Could not load: ${error.message}` }));
  }
}
window.addEventListener("hashchange", route);
route();

// ---- queue --------------------------------------------------------------------------------

const filters = { state: "all", lang: "all" };

async function showQueue() {
  const data = await api("/api/articles");
  const c = data.counts;
  const stateOptions = [
    ["all", `all (${c.all})`],
    ["warnings", `with open warnings (${c.warnings})`],
    ["unreviewed", `unreviewed (${c.unreviewed})`],
    ["in-review", `in review (${c["in-review"]})`],
    ["not-approved", `not approved (${c.all - c.approved})`],
    ["approved", `approved (${c.approved})`],
  ];
  const list = el("tbody");
  const render = () => {
    const rows = data.items.filter((item) => {
      if (filters.lang !== "all" && item.sourceLang !== filters.lang) return false;
      if (filters.state === "warnings") return item.openWarnings > 0;
      if (filters.state === "not-approved") return item.state !== "approved";
      if (filters.state !== "all") return item.state === filters.state;
      return true;
    });
    list.replaceChildren(
      ...rows.map((item) =>
        el(
          "tr",
          { class: "item", "data-id": item.id },
          el("td", {}, badge(item.state)),
          el("td", { class: item.openWarnings ? "warn-count" : "muted", text: item.openWarnings ? `⚠ ${item.openWarnings}` : "–" }),
          el("td", { class: "date", text: formatDate(item.published) }),
          el("td", {}, el("a", { href: `#/a/${item.id}`, class: "title", text: item.title }), item.newModelAnswer ? el("span", { class: "note", text: " · newer model answer stored" }) : null),
          el("td", { class: "langs", text: `${item.sourceLang} → ${item.languages.filter((l) => l !== item.sourceKey).join(", ")}` }),
        ),
      ),
    );
    if (rows.length === 0) list.append(el("tr", {}, el("td", { colspan: 5, class: "muted", text: "Nothing here." })));
  };
  const stateSelect = el(
    "select",
    { id: "filter-state", onchange: (e) => ((filters.state = e.target.value), render()) },
    stateOptions.map(([v, label]) => el("option", { value: v, text: label })),
  );
  stateSelect.value = filters.state;
  const sourceLangs = [...new Set(data.items.map((i) => i.sourceLang))].sort();
  const langSelect = el(
    "select",
    { id: "filter-lang", onchange: (e) => ((filters.lang = e.target.value), render()) },
    el("option", { value: "all", text: "all source languages" }),
    sourceLangs.map((l) => el("option", { value: l, text: `source: ${l}` })),
  );
  langSelect.value = sourceLangs.includes(filters.lang) ? filters.lang : "all";
  filters.lang = langSelect.value;
  mount(
    el("h1", { text: "Queue" }),
    el(
      "p",
      { class: "counts", id: "counts" },
      `${c.all} articles · ${c.warnings} with open warnings · ${c.unreviewed} unreviewed · ${c["in-review"]} in review · ${c.approved} approved`,
    ),
    el("div", { class: "filters" }, el("label", {}, "Show ", stateSelect), el("label", {}, "Language ", langSelect)),
    el("table", { class: "queue" }, el("thead", {}, el("tr", {}, ["State", "Warnings", "Published", "Title", "Languages"].map((h) => el("th", { text: h })))), list),
    data.problems.length
      ? el("div", { class: "problems" }, el("h2", { text: "Files that could not be read" }), el("ul", {}, data.problems.map((p) => el("li", { text: `${p.id}: ${p.reason}` }))))
      : null,
  );
  render();
}

// ---- article ------------------------------------------------------------------------------

// The article on the page: `data` is the saved file (what a save is compared with); `fields` reads
// every field now drawn; `drafts` keeps what the fields showed when the page was drawn again (the
// editor's unsaved text, a proposal), so drawing again loses nothing; `proposed` marks the fields a
// proposal filled (blue) until the next save.
let current = null; // { data, lang, fields: Map<field, () => value>, drafts: Map<field, value>, proposed: Set<field>, resolved: Set }

async function showArticle(id, keepLang) {
  const data = await api(`/api/articles/${id}`);
  const result = data.result;
  const keys = Object.keys(result.languages);
  const targets = keys.filter((k) => k !== data.sourceKey);
  const lang = keepLang && targets.includes(keepLang) ? keepLang : targets[0] || keys[0];
  current = { data, lang, fields: new Map(), drafts: new Map(), proposed: new Set(), resolved: resolvedOf(data) };
  renderArticle();
}

function resolvedOf(data) {
  return new Set(data.warnings.filter((w) => w.resolved).map((w) => w.text));
}

function registerField(field, getValue) {
  current.fields.set(field, getValue);
}

/** Keeps what every drawn field shows; called before the article is drawn again. */
function keepDrafts() {
  for (const [field, get] of current.fields) current.drafts.set(field, get());
}

/** What a field shows: the editor's unsaved text or a proposal, else the saved text. */
function shown(field, saved) {
  return current.drafts.has(field) ? current.drafts.get(field) : saved;
}

/** A field's class, with "proposed" (marked blue) while a proposal fills it. */
function fieldClass(field, base) {
  return current.proposed.has(field) ? `${base} proposed` : base;
}

/**
 * Fills the given fields with a proposal and marks them; every other field keeps what it shows.
 * Only for the article it was asked for (the editor may have opened another meanwhile).
 */
function propose(id, values) {
  if (!current || current.data.result.id !== id) return false;
  keepDrafts();
  for (const [field, value] of Object.entries(values)) {
    current.drafts.set(field, value);
    current.proposed.add(field);
  }
  renderArticle();
  return true;
}

/** The saved value of a field path ("languages.de.paragraphs.2"), undefined when the file has none. */
function savedValue(field) {
  let value = current.data.result;
  for (const part of field.split(".")) value = value !== null && typeof value === "object" && Object.hasOwn(value, part) ? value[part] : undefined;
  return value;
}

function warningItem(w) {
  const box = el("input", {
    type: "checkbox",
    checked: current.resolved.has(w.text),
    onchange: (e) => {
      if (e.target.checked) current.resolved.add(w.text);
      else current.resolved.delete(w.text);
      item.classList.toggle("resolved", e.target.checked);
    },
  });
  const item = el(
    "li",
    { class: `warning${current.resolved.has(w.text) ? " resolved" : ""}`, "data-paragraph": w.paragraph === null ? "" : String(w.paragraph + 1) },
    el("span", { class: "reason" }, w.task ? el("b", { text: `${w.task}${w.lang ? ` ${w.lang}` : ""}: ` }) : null, w.reason),
    el("label", { class: "resolve" }, box, " resolved"),
  );
  return item;
}

function counter(input, measure, limit, unit) {
  const out = el("span", { class: "counter" });
  const update = () => {
    const n = measure(input.value);
    out.textContent = `${n} / ${limit} ${unit}`;
    out.classList.toggle("over", n > limit);
    updateApprove();
  };
  input.addEventListener("input", update);
  queueMicrotask(update);
  return out;
}

function digestEditor(lang, version, limits) {
  const channels = version.channels && typeof version.channels === "object" ? version.channels : null;
  const options = Array.isArray(version.headlines) ? version.headlines.filter((h) => h && typeof h.text === "string") : [];
  if (!version.summary && !version.keyPoints && !version.snippet && !channels && options.length === 0) return null;
  const parts = [el("h3", { text: `Digest · ${lang}` })];
  if (typeof version.summary === "string") {
    const field = `languages.${lang}.summary`;
    const summary = el("textarea", { class: fieldClass(field, "summary"), rows: 4, "data-field": field, value: shown(field, version.summary) });
    registerField(field, () => summary.value);
    parts.push(el("label", { class: "field" }, el("span", { text: "Summary " }), counter(summary, words, limits.summaryWords, "words"), summary));
  }
  if (Array.isArray(version.keyPoints)) {
    const field = `languages.${lang}.keyPoints`;
    const list = el("ol", { class: "keypoints", "data-lang": lang, "data-field": field });
    const count = el("span", { class: "counter" });
    const refresh = () => {
      const n = [...list.querySelectorAll("input")].filter((i) => i.value.trim() !== "").length;
      count.textContent = `${n} key points (${limits.keyPointsMin}–${limits.keyPointsMax})`;
      count.classList.toggle("over", n < limits.keyPointsMin || n > limits.keyPointsMax);
      addButton.disabled = list.children.length >= limits.keyPointsMax;
      updateApprove();
    };
    const addPoint = (text) => {
      const input = el("input", { class: fieldClass(field, "keypoint"), value: text, oninput: refresh, maxlength: 2000 });
      const li = el("li", {}, input, el("button", { type: "button", class: "small", title: "remove", text: "×", onclick: () => (li.remove(), refresh()) }));
      list.append(li);
    };
    const addButton = el("button", { type: "button", class: "small", text: "+ key point", onclick: () => (addPoint(""), refresh()) });
    shown(field, version.keyPoints).forEach(addPoint);
    registerField(field, () => [...list.querySelectorAll("input")].map((i) => i.value));
    parts.push(el("div", { class: "field" }, el("span", { text: "Key points " }), count, list, addButton));
    queueMicrotask(refresh);
  }
  let headline = null;
  if (version.snippet) {
    const headlineField = `languages.${lang}.snippet.headline`;
    const teaserField = `languages.${lang}.snippet.teaser`;
    headline = el("input", { class: fieldClass(headlineField, "headline"), "data-field": headlineField, value: shown(headlineField, version.snippet.headline), maxlength: 500 });
    const teaser = el("textarea", { class: fieldClass(teaserField, "teaser"), rows: 3, "data-field": teaserField, value: shown(teaserField, version.snippet.teaser) });
    registerField(headlineField, () => headline.value);
    registerField(teaserField, () => teaser.value);
    parts.push(el("label", { class: "field" }, el("span", { text: "Snippet headline" }), headline));
    parts.push(el("label", { class: "field" }, el("span", { text: "Teaser " }), counter(teaser, chars, limits.teaserChars, "characters"), teaser));
  }
  if (options.length) {
    // Read-only: the options `newsdesk headlines` wrote. "Use" fills the snippet headline (marked blue); Save keeps it.
    const items = options.map((option, i) =>
      el(
        "li",
        {},
        el("span", { class: "option-text", text: option.text }),
        el("span", { class: "counter", text: ` ${headlineChars(option.text)} characters` }),
        headline
          ? el("button", {
              type: "button",
              class: "small use-headline",
              text: "Use",
              title: "take this option as the snippet headline; save to keep it",
              onclick: () => {
                headline.value = option.text;
                headline.classList.add("proposed");
                current.proposed.add(`languages.${lang}.snippet.headline`);
                toast(`Headline option ${i + 1} is the snippet headline now; save to keep it`);
              },
            })
          : null,
      ),
    );
    parts.push(el("div", { class: "field headline-options" }, el("span", { text: "Headline options" }), el("ol", { class: "headline-options" }, items)));
  }
  if (channels) {
    const fields = Object.keys(CHANNEL_LABELS).filter((field) => typeof channels[field] === "string");
    const inputs = fields.map((field) => {
      const limit = limits.channelChars[field];
      const path = `languages.${lang}.channels.${field}`;
      const props = { class: fieldClass(path, "channel"), "data-channel": field, "data-field": path, value: shown(path, channels[field]) };
      // A social post may run over lines; the others are one line.
      const input = field === "social" ? el("textarea", { ...props, rows: 3 }) : el("input", { ...props, maxlength: 2000 });
      registerField(path, () => input.value);
      return el("label", { class: "field" }, el("span", { text: `${CHANNEL_LABELS[field]} ` }), counter(input, (t) => chars(t.trim()), limit, "characters"), input);
    });
    if (inputs.length) parts.push(el("div", { class: "channels", "data-lang": lang }, el("h4", { text: "Channels" }), inputs));
  }
  return el("section", { class: "digest", "data-lang": lang }, parts);
}

function updateApprove() {
  const button = document.getElementById("approve");
  if (!button) return;
  const over = document.querySelectorAll(".counter.over").length;
  button.disabled = over > 0;
  button.title = over ? "fix the limits marked in red first" : "";
}

function provenanceBox(p, result) {
  const rows = [];
  const add = (label, value) => rows.push(el("dt", { text: label }), el("dd", { text: value }));
  add("Model", p.model || "not recorded in the result");
  add("Prompts", p.prompts && typeof p.prompts === "object" ? Object.entries(p.prompts).map(([name, hash]) => `${name} ${hash}`).join(", ") : "not recorded in the result");
  add("Glossary", typeof p.glossary === "string" ? p.glossary : p.glossary === null && p.model ? "none" : "not recorded in the result");
  const u = p.usage;
  add("Usage", `${u.calls} calls, ${u.promptTokens} prompt tokens (${u.cachedTokens} cached), ${u.completionTokens} completion tokens, ${u.cacheHits} cache hits`);
  if (p.cost) {
    add("Cost", p.cost.known ? `$${p.cost.usd.toFixed(4)}${p.cost.assumedModel ? ` (estimated at ${p.cost.model} prices; the result does not record its model)` : ""}` : `unknown (no price for ${p.cost.model})`);
  }
  add("Review", p.review ? `${STATE_LABEL[p.review.status]} by ${p.review.editor}, ${p.review.at} (${p.review.edits} edits)` : "not reviewed yet");
  if (p.disclosure) add("Disclosure", p.disclosure);
  if (p.modelAnswerAt) add("Re-run", `a newer model answer (${p.modelAnswerAt}) is stored beside the reviewed texts (review.modelAnswer)`);
  add("Source", result.source.path || "");
  return el("details", { class: "provenance", open: true }, el("summary", { text: "Provenance" }), el("dl", {}, rows));
}

function renderArticle() {
  const { data, lang } = current;
  const result = data.result;
  current.fields = new Map();
  const source = data.sourceKey ? result.languages[data.sourceKey] : null;
  const target = result.languages[lang] || {};
  const sourceParas = (source && source.paragraphs) || [];
  const targetParas = target.paragraphs || [];
  const count = Math.max(sourceParas.length, targetParas.length);
  const forLang = data.warnings.filter((w) => w.task === "translate" && w.lang === lang);
  const top = data.warnings.filter((w) => !(w.task === "translate" && w.lang === lang && (w.paragraph !== null || w.title)));
  const isSource = lang === data.sourceKey;

  const langSelect = el(
    "select",
    // Another language: what the fields show now is kept.
    { id: "lang", onchange: (e) => (keepDrafts(), (current.lang = e.target.value), renderArticle()) },
    Object.keys(result.languages).map((k) => el("option", { value: k, text: k === data.sourceKey ? `${k} (source)` : k })),
  );
  langSelect.value = lang;

  const rows = [];
  // The title is row 0 of the comparison.
  const titleField = `languages.${lang}.title`;
  const titleInput = el("input", {
    class: fieldClass(titleField, "title-edit"),
    "data-field": titleField,
    value: isSource ? target.title || "" : shown(titleField, target.title || ""),
    maxlength: 500,
    disabled: isSource || target.title === undefined,
  });
  if (!isSource && target.title !== undefined) registerField(titleField, () => titleInput.value);
  rows.push(
    el(
      "div",
      { class: "row title-row" },
      el("div", { class: "num", text: "T" }),
      el("div", { class: "src", lang: result.source.lang }, el("strong", { text: result.source.title })),
      el("div", { class: "dst", lang }, titleInput, el("ul", { class: "warnings" }, forLang.filter((w) => w.title).map(warningItem))),
    ),
  );
  for (let i = 0; i < count; i++) {
    const text = targetParas[i];
    const field = `languages.${lang}.paragraphs.${i}`;
    const editable = !isSource && text !== undefined;
    const area = el("textarea", {
      class: fieldClass(field, "para"),
      rows: 4,
      "data-index": i,
      "data-field": field,
      value: editable ? shown(field, text) : (text ?? ""),
      disabled: !editable,
    });
    if (editable) registerField(field, () => area.value);
    const here = forLang.filter((w) => w.paragraph === i);
    const retranslate =
      isSource || text === undefined
        ? null
        : el("button", {
            type: "button",
            class: "small retranslate",
            text: "Retranslate",
            title: "a new translation of this paragraph, with the article as context (one model call, cached)",
            onclick: async (e) => {
              e.target.disabled = true;
              try {
                const proposal = await api(`/api/articles/${result.id}/retranslate`, { lang, paragraph: i });
                // Only this paragraph is filled; every other field keeps what the editor typed.
                if (!propose(result.id, { [field]: proposal.value })) return;
                toastProposal(
                  `Paragraph ${i + 1}: new translation proposed (${proposal.usage.calls} call, ${proposal.usage.cacheHits} from cache); save to keep it`,
                  proposal.warnings,
                );
              } catch (error) {
                toast(error.message, "error");
              } finally {
                e.target.disabled = false;
              }
            },
          });
    rows.push(
      el(
        "div",
        { class: `row${here.some((w) => !current.resolved.has(w.text)) ? " flagged" : ""}`, "data-paragraph": i + 1 },
        el("div", { class: "num", text: String(i + 1) }),
        el("div", { class: "src", lang: result.source.lang, text: sourceParas[i] ?? "" }),
        el("div", { class: "dst", lang }, area, here.length ? el("ul", { class: "warnings" }, here.map(warningItem)) : null, retranslate),
      ),
    );
  }

  const digests = el(
    "div",
    { class: "digests" },
    Object.entries(result.languages).map(([k, v]) => digestEditor(k, v, data.limits)),
  );
  const approved = result.review && result.review.status === "approved";
  const actions = el(
    "div",
    { class: "actions" },
    el("button", { type: "button", id: "save", text: "Save", onclick: () => submit("save") }),
    el("button", { type: "button", id: "approve", class: "primary", text: approved ? "Approve again" : "Approve", onclick: () => submit("approve") }),
    approved ? el("button", { type: "button", id: "reopen", text: "Withdraw approval", onclick: () => submit("reopen") }) : null,
    el("button", {
      type: "button",
      id: "rerun-digest",
      text: "Re-run digest",
      title: "a new digest from the model for every language (one call); fills the fields, save to keep it",
      onclick: rerunDigest,
    }),
  );

  mount(
    el("p", {}, el("a", { href: "#/", text: "← Queue" })),
    el("h1", { class: "article-title", text: result.source.title }),
    el(
      "p",
      { class: "meta" },
      badge(result.review ? result.review.status : "unreviewed"),
      ` ${formatDate(result.source.published)}${result.source.credit ? ` · ${result.source.credit}` : ""} · source ${result.source.lang} · `,
      el("label", {}, "translation ", langSelect),
    ),
    provenanceBox(data.provenance, result),
    top.length ? el("section", { class: "top-warnings" }, el("h2", { text: "Warnings" }), el("ul", { class: "warnings" }, top.map(warningItem))) : null,
    el(
      "section",
      { class: "compare" },
      el("div", { class: "row head" }, el("div", { class: "num", text: "¶" }), el("div", { class: "src", text: `Source (${result.source.lang})` }), el("div", { class: "dst", text: isSource ? `${lang} (source)` : `Translation (${lang})` })),
      rows,
    ),
    digests,
    actions,
  );
  updateApprove();
}

async function rerunDigest(e) {
  const id = current.data.result.id;
  e.target.disabled = true;
  try {
    const proposal = await api(`/api/articles/${id}/digest`, { fresh: true });
    // The proposal fills the digest's fields only (summary, key points, snippet, channel texts),
    // and only those the result has: a save never adds a field. The rest stays as the editor left it.
    const values = {};
    const missing = [];
    for (const [lang, digest] of Object.entries(proposal.value)) {
      const offer = (name, value) => {
        const field = `languages.${lang}.${name}`;
        if (typeof value !== "string" && !Array.isArray(value)) return;
        if (current.fields.has(field)) values[field] = value;
        else missing.push(`${lang} ${name}`);
      };
      offer("summary", digest.summary);
      offer("keyPoints", digest.keyPoints);
      offer("snippet.headline", digest.snippet && digest.snippet.headline);
      offer("snippet.teaser", digest.snippet && digest.snippet.teaser);
      for (const name of Object.keys(CHANNEL_LABELS)) if (digest.channels) offer(`channels.${name}`, digest.channels[name]);
    }
    if (!propose(id, values)) return;
    toastProposal(
      `New digest proposed (${proposal.usage.calls} call); save to keep it` +
        (missing.length ? `. Not filled, the result has no such field: ${missing.join(", ")}` : ""),
      proposal.warnings,
    );
  } catch (error) {
    toast(error.message, "error");
  } finally {
    e.target.disabled = false;
  }
}

async function submit(action) {
  const editor = editorInput.value.trim();
  if (!editor) {
    editorInput.focus();
    return toast("Enter your name as editor first", "error");
  }
  // Every text that differs from the file: the fields drawn now and those kept from another
  // language's view (the server records only real changes).
  keepDrafts();
  const changes = [];
  for (const [field, value] of current.drafts) {
    if (JSON.stringify(value) !== JSON.stringify(savedValue(field))) changes.push({ field, value });
  }
  try {
    const saved = await api(`/api/articles/${current.data.result.id}/review`, {
      etag: current.data.etag,
      editor,
      changes,
      resolved: [...current.resolved],
      action,
    });
    current = { ...current, data: saved, fields: new Map(), drafts: new Map(), proposed: new Set(), resolved: resolvedOf(saved) };
    renderArticle();
    toast(action === "approve" ? "Approved" : action === "reopen" ? "Approval withdrawn" : "Saved");
  } catch (error) {
    toast(error.message, "error");
  }
}

// ---- export -------------------------------------------------------------------------------

async function showExport() {
  const queue = await api("/api/articles");
  const langs = [...new Set(queue.items.flatMap((i) => i.languages))].sort();
  const lang = el("select", { id: "export-lang" }, langs.map((l) => el("option", { value: l, text: l })));
  const format = el(
    "select",
    { id: "export-format" },
    el("option", { value: "md", text: "Markdown" }),
    el("option", { value: "html", text: "HTML (email)" }),
    el("option", { value: "json", text: "JSON (items with channel texts)" }),
  );
  const points = el("input", { id: "export-points", type: "number", min: 0, max: 5, value: "3" });
  const disclosure = el("input", { id: "export-disclosure", type: "checkbox" });
  const output = el("pre", { id: "export-output", class: "export" });
  const info = el("p", { id: "export-info", class: "muted" });
  let text = "";
  const build = async () => {
    const q = new URLSearchParams({ lang: lang.value, format: format.value, points: points.value || "3", disclosure: disclosure.checked ? "1" : "0" });
    const data = await api(`/api/export?${q}`);
    text = data.text;
    output.textContent = text;
    info.textContent = `${data.count} approved article${data.count === 1 ? "" : "s"}${data.skipped.length ? `; ${data.skipped.length} approved without a ${lang.value} snippet left out` : ""}`;
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = el("textarea", { value: text });
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    toast("Copied");
  };
  const download = () => {
    const blob = new Blob([text], { type: { html: "text/html", json: "application/json" }[format.value] || "text/markdown" });
    const a = el("a", { href: URL.createObjectURL(blob), download: `newsletter.${lang.value}.${format.value}` });
    document.body.append(a);
    a.click();
    setTimeout(() => (URL.revokeObjectURL(a.href), a.remove()), 1000);
  };
  for (const input of [lang, format, points, disclosure]) input.addEventListener("change", () => build().catch((e) => toast(e.message, "error")));
  mount(
    el("h1", { text: "Export: newsletter section of the approved articles" }),
    el(
      "div",
      { class: "filters" },
      el("label", {}, "Language ", lang),
      el("label", {}, "Format ", format),
      el("label", {}, "Key points ", points),
      el("label", {}, disclosure, " add “AI-assisted, reviewed by …”"),
      el("button", { type: "button", id: "copy", text: "Copy", onclick: copy }),
      el("button", { type: "button", id: "download", text: "Download", onclick: download }),
    ),
    info,
    output,
  );
  await build();
}
