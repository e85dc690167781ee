// The search page: the URL's query string is the state (the /search API's parameters, or
// doc=ID for one document), so links, reloads and the back button all work.
"use strict";

const $ = (selector) => document.querySelector(selector);
const FILTERS = ["source", "category", "since", "until", "sort"];
const LISTS = ["source", "category"];
const FACET_NAMES = { source: "المصدر", category: "التصنيف", month: "الشهر" };
const FILTER_NAMES = { ...FACET_NAMES, since: "من", until: "إلى", sort: "الترتيب" };
const FACETS_SHOWN = 8;
const numbers = new Intl.NumberFormat("ar-u-nu-latn");
const plural = new Intl.PluralRules("ar");
const longDate = new Intl.DateTimeFormat("ar-u-nu-latn",
  { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });
const monthName = new Intl.DateTimeFormat("ar-u-nu-latn",
  { year: "numeric", month: "long", timeZone: "UTC" });

let latest = 0; // the render whose answers are still wanted
let inflight = null;

// -- small helpers ----------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function params() {
  return new URLSearchParams(location.search);
}

function href(p) {
  const text = p.toString();
  return text ? `?${text}` : "./";
}

/** A copy of `p` changed by `edit`; any change of the search goes back to page 1. */
function edited(p, edit) {
  const next = new URLSearchParams(p);
  edit(next);
  next.delete("page");
  next.delete("offset");
  return next;
}

function go(p, { replace = false } = {}) {
  history[replace ? "replaceState" : "pushState"](null, "", href(p));
  render();
}

async function api(path, signal) {
  const response = await fetch(path, { signal, headers: { Accept: "application/json" } });
  let data;
  try {
    data = await response.json();
  } catch {
    throw new Error(`الخادم ردّ بما لا يُفهم (${response.status})`);
  }
  if (!response.ok) throw new Error(data.error || `خطأ ${response.status}`);
  return data;
}

function day(iso) {
  // The date as written in the document (its own time zone), not moved to the reader's.
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  return longDate.format(new Date(Date.UTC(y, m - 1, d)));
}

function month(key) {
  const [y, m] = key.split("-").map(Number);
  return monthName.format(new Date(Date.UTC(y, m - 1, 1)));
}

/** `n` things in Arabic: forms for 1, 2, 3-10, 11-99 and the rest (100, 1000...). */
function counted(n, [one, two, few, many, other]) {
  const form = plural.select(n);
  if (form === "one") return one;
  if (form === "two") return two;
  return `${numbers.format(n)} ${{ few, many }[form] || other}`;
}

function countText(n) {
  return n === 0 ? "لا نتائج"
    : counted(n, ["نتيجة واحدة", "نتيجتان", "نتائج", "نتيجةً", "نتيجة"]);
}

function show(view) {
  for (const id of ["home", "results-view", "doc-view"]) $(`#${id}`).hidden = id !== view;
}

function notice(message) {
  const box = $("#notice");
  box.textContent = message || "";
  box.hidden = !message;
}

// -- the form ---------------------------------------------------------------------------

function fillForm(p) {
  const form = $("#search");
  form.q.value = p.get("q") || "";
  for (const name of FILTERS) {
    const values = p.getAll(name);
    form[name].value = LISTS.includes(name) ? values.join("، ") : values[0] || "";
  }
  if (!form.sort.value) form.sort.value = "relevance";
  $("#filters").open ||= FILTERS.some((name) => name !== "sort" && p.get(name));
}

function fromForm() {
  const form = $("#search");
  const p = new URLSearchParams();
  p.set("q", form.q.value.trim());
  for (const name of FILTERS) {
    const value = form[name].value.trim();
    if (!value || (name === "sort" && value === "relevance")) continue;
    const parts = LISTS.includes(name) ? value.split(/[,،]/) : [value];
    for (const part of parts) if (part.trim()) p.append(name, part.trim());
  }
  const current = params();
  if (current.get("limit")) p.set("limit", current.get("limit"));
  if (current.get("all_copies")) p.set("all_copies", current.get("all_copies"));
  return p;
}

// -- views ------------------------------------------------------------------------------

async function render() {
  const token = ++latest;
  inflight?.abort();
  inflight = new AbortController();
  const p = params();
  fillForm(p);
  notice("");
  try {
    if (p.get("doc")) await renderDocument(p, token, inflight.signal);
    else if (p.get("q")) await renderResults(p, token, inflight.signal);
    else await renderHome(token, inflight.signal);
  } catch (error) {
    if (error.name === "AbortError" || token !== latest) return;
    $("#results").removeAttribute("aria-busy");
    show(null);
    notice(`تعذّر ذلك: ${error.message}`);
  }
}

async function renderHome(token, signal) {
  show("home");
  document.title = "بحث في الأرشيف — searchkit";
  const stats = await api("stats", signal);
  if (token !== latest) return;
  fillLists(stats);
  const parts = [`في الأرشيف ${stats.documents
    ? counted(stats.documents, ["وثيقة واحدة", "وثيقتان", "وثائق", "وثيقةً", "وثيقة"])
    : "لا وثائق بعد"}`];
  const sources = Object.keys(stats.sources).length;
  if (sources) {
    parts.push(`من ${counted(sources, ["مصدر واحد", "مصدرين", "مصادر", "مصدرًا", "مصدر"])}`);
  }
  if (stats.oldest) parts.push(`بين ${day(stats.oldest)} و${day(stats.newest)}`);
  $("#about").textContent = `${parts.join("، ")}.`;
}

function fillLists(stats) {
  for (const [name, list] of [["sources", stats.sources], ["categories", stats.categories]]) {
    $(`#${name}`).replaceChildren(...Object.keys(list).map((v) => el("option", { value: v })));
  }
}

async function renderResults(p, token, signal) {
  show("results-view");
  const results = $("#results");
  results.setAttribute("aria-busy", "true");
  const query = new URLSearchParams(p);
  query.set("facets", "1");
  const data = await api(`search?${query}`, signal);
  if (token !== latest) return;
  results.removeAttribute("aria-busy");
  document.title = `${p.get("q")} — بحث`;

  const count = $("#count");
  count.dataset.total = data.total;
  const first = data.offset + 1;
  const last = data.offset + data.hits.length;
  count.textContent = countText(data.total) + (data.hits.length && data.total > data.hits.length
    ? ` — ${numbers.format(first)} إلى ${numbers.format(last)}` : "");
  if (data.folded) {
    count.append(el("span", { class: "folded" }, ` (وطُوي المكرر: ${counted(data.folded,
      ["نسخة واحدة", "نسختان", "نسخ", "نسخةً", "نسخة"])})`));
  }
  renderSuggestion(p, data);
  renderChips(p);
  $("#hits").replaceChildren(...data.hits.map((hit) => hitItem(hit, p)));
  $("#hits").start = first;
  renderPager(p, data);
  renderFacets(p, data.facets);
}

function renderSuggestion(p, data) {
  const box = $("#suggestion");
  box.hidden = !data.suggestion;
  if (data.suggestion) {
    const link = $("#suggestion-link");
    link.textContent = data.suggestion;
    link.href = href(edited(p, (next) => next.set("q", data.suggestion)));
  }
  const near = Object.entries(data.expanded || {});
  const notes = data.notes || [];
  $("#notes").hidden = !notes.length;
  $("#notes").textContent = notes.length ? `read as: ${notes.join("; ")}` : "";
  $("#expanded").hidden = !near.length;
  $("#expanded").textContent = near.length
    ? `نتائج قليلة، فبحثنا أيضًا عن تهجئات قريبة وجذور (√): ${near.map(([w, v]) => `${v.join("، ")} (لـ${w})`).join("؛ ")}`
    : "";
}

function hitItem(hit, p) {
  const doc = new URLSearchParams(p);
  doc.set("doc", hit.id);
  const meta = [
    hit.date && el("time", { datetime: hit.date.slice(0, 10) }, day(hit.date)),
    hit.source && el("span", {}, hit.source),
    hit.category && el("span", {}, hit.category),
    hit.duplicates ? el("span", { class: "copies" }, `و${counted(hit.duplicates,
      ["نسخة أخرى", "نسختان أخريان", "نسخ أخرى", "نسخةً أخرى", "نسخة أخرى"])}`) : null,
  ].filter(Boolean);
  const snippet = el("p", { class: "snippet", dir: "auto" });
  snippet.innerHTML = hit.snippet; // escaped by the server: only <mark> is markup
  return el("li", { class: "hit" },
    el("h2", {}, el("a", { href: href(doc), dir: "auto", "data-doc": hit.id }, hit.title || hit.id)),
    meta.length ? el("p", { class: "meta" }, ...meta) : null,
    snippet,
    el("p", { class: "id", dir: "ltr" }, hit.id));
}

function renderChips(p) {
  const chips = [];
  for (const name of FILTERS) {
    for (const value of p.getAll(name)) {
      if (name === "sort" && value === "relevance") continue;
      const label = name === "sort" ? (value === "date" ? "الأحدث أولًا" : value) : value;
      const without = edited(p, (next) => {
        const rest = next.getAll(name).filter((v) => v !== value);
        next.delete(name);
        for (const v of rest) next.append(name, v);
      });
      chips.push(el("li", {}, el("a", { href: href(without), class: "chip",
        title: "إزالة هذا الشرط", "aria-label": `إزالة ${FILTER_NAMES[name]}: ${label}` },
      `${FILTER_NAMES[name]}: ${label}`, el("span", { "aria-hidden": "true" }, " ×"))));
    }
  }
  $("#chips").replaceChildren(...chips);
}

function renderPager(p, data) {
  const limit = data.limit;
  const page = Math.floor(data.offset / limit) + 1;
  const pages = Math.ceil(data.total / limit);
  const nav = $("#pager");
  if (pages <= 1 && page === 1) {
    nav.replaceChildren();
    return;
  }
  const link = (n, text, attrs = {}) => {
    const next = new URLSearchParams(p);
    next.delete("offset");
    if (n === 1) next.delete("page"); else next.set("page", n);
    return el("a", { href: href(next), ...attrs }, text);
  };
  const items = [];
  if (page > 1) items.push(link(page - 1, "→ السابق", { rel: "prev" }));
  const from = Math.max(1, page - 3);
  const to = Math.min(pages, page + 3);
  if (from > 1) items.push(link(1, numbers.format(1)), el("span", { class: "gap" }, "…"));
  for (let n = from; n <= to; n++) {
    items.push(n === page
      ? el("span", { class: "current", "aria-current": "page" }, numbers.format(n))
      : link(n, numbers.format(n), { "aria-label": `الصفحة ${numbers.format(n)}` }));
  }
  if (to < pages) items.push(el("span", { class: "gap" }, "…"), link(pages, numbers.format(pages)));
  if (page < pages) items.push(link(page + 1, "التالي ←", { rel: "next" }));
  nav.replaceChildren(...items);
}

function renderFacets(p, facets) {
  const groups = [];
  for (const [name, counts] of Object.entries(facets || {})) {
    const entries = Object.entries(counts);
    if (!entries.length) continue;
    const list = el("ul", {});
    entries.forEach(([value, n], i) => {
      const active = name === "month"
        ? p.get("since") === value && p.get("until") === value
        : p.getAll(name).some((v) => v.toLowerCase() === value.toLowerCase());
      const toggled = edited(p, (next) => {
        if (name === "month") {
          for (const key of ["since", "until"]) {
            if (active) next.delete(key); else next.set(key, value);
          }
        } else if (active) {
          const rest = next.getAll(name).filter((v) => v.toLowerCase() !== value.toLowerCase());
          next.delete(name);
          for (const v of rest) next.append(name, v);
        } else {
          next.append(name, value);
        }
      });
      list.append(el("li", { hidden: i >= FACETS_SHOWN ? "" : null },
        el("a", { href: href(toggled), class: active ? "on" : null, "aria-pressed": String(active),
          "data-facet": name, "data-value": value },
        el("span", { class: "label", dir: "auto" }, name === "month" ? month(value) : value),
        el("span", { class: "n" }, numbers.format(n)))));
    });
    const group = el("section", { class: "facet" }, el("h2", {}, FACET_NAMES[name]), list);
    if (entries.length > FACETS_SHOWN) {
      const more = el("button", { type: "button", class: "more" },
        `عرض الكل (${numbers.format(entries.length)})`);
      more.addEventListener("click", () => {
        for (const item of list.children) item.hidden = false;
        more.remove();
      });
      group.append(more);
    }
    groups.push(group);
  }
  $("#facets").replaceChildren(...groups);
}

async function renderDocument(p, token, signal) {
  const id = p.get("doc");
  const back = new URLSearchParams(p);
  back.delete("doc");
  $("#back").href = href(back);
  $("#back").textContent = back.get("q") ? "→ العودة إلى النتائج" : "→ الصفحة الأولى";
  const doc = await api(`doc/${encodeURIComponent(id)}`, signal);
  if (token !== latest) return;
  show("doc-view");
  $("#doc-similar").hidden = true;
  document.title = `${doc.title || doc.id} — بحث`;
  $("#doc-title").textContent = doc.title || doc.id;
  const meta = [
    doc.date && el("time", { datetime: doc.date.slice(0, 10) }, day(doc.date)),
    doc.source && el("span", {}, doc.source),
    doc.category && el("span", {}, doc.category),
    /^https?:\/\//i.test(doc.url || "")
      ? el("a", { href: doc.url, rel: "noopener noreferrer" }, "المصدر الأصلي") : null,
  ].filter(Boolean);
  $("#doc-meta").replaceChildren(...meta);
  $("#doc-id").textContent = doc.id;
  const paragraphs = doc.body.split(/\n\s*\n|\n/).map((t) => t.trim()).filter(Boolean);
  $("#doc-body").replaceChildren(...paragraphs.map((t) => el("p", { dir: "auto" }, t)));
  $("#doc-view").focus({ preventScroll: true });
  window.scrollTo(0, 0);

  const similar = await api(`similar/${encodeURIComponent(id)}?limit=5`, signal);
  if (token !== latest) return;
  const section = $("#doc-similar");
  section.hidden = !similar.hits.length;
  section.querySelector("ol").replaceChildren(...similar.hits.map((hit) => {
    const next = new URLSearchParams(back);
    next.set("doc", hit.id);
    return el("li", {}, el("a", { href: href(next), dir: "auto" }, hit.title || hit.id),
      hit.date ? el("span", { class: "meta" }, ` — ${day(hit.date)}`) : null);
  }));
}

// -- events -----------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("#search").addEventListener("submit", (event) => {
    event.preventDefault();
    const p = fromForm();
    if (p.get("q")) go(p);
    else $("#search").q.focus();
  });
  // Links to this page (results, facets, pages, filters) change the state without a reload.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey ||
        event.ctrlKey || event.shiftKey || event.altKey) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || url.pathname !== location.pathname) return;
    event.preventDefault();
    go(url.searchParams);
    if (link.closest("#pager, #facets, #chips")) $("#results").focus({ preventScroll: true });
    if (link.closest("#pager")) window.scrollTo(0, 0);
  });
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, select, textarea");
    if (event.key === "/" && !typing) {
      event.preventDefault();
      $("#q").focus();
      $("#q").select();
    } else if (event.key === "Escape" && !$("#doc-view").hidden) {
      go(new URLSearchParams($("#back").search));
    }
  });
  window.addEventListener("popstate", render);
  render();
  if (!params().get("doc")) $("#q").focus();
});
