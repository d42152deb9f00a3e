// newsdesk's page: search, article and topics views over the JSON API.
//
// Everything shown comes from articles found on the web, so every string goes into the page as
// text (textContent, createTextNode), never as HTML; highlights are <mark> elements built
// around text nodes from the API's character offsets. The view and its state live in the URL's
// query (/?q=…&topic=…, /?article=ID, /?view=topics&topics=…), so every view can be bookmarked
// and shared, and back/forward work.
"use strict";

const TEXT = {
  zh: {
    search: "搜索", topics: "话题", placeholder: "搜索文章…（如 互联互通）", topic: "话题", category: "来源/分类",
    all: "全部", since: "从", until: "到", sort: "排序", relevance: "相关度", newest: "最新", dedupe: "隐藏重复",
    prev: "上一页", next: "下一页", back: "← 返回搜索", summary: "摘要", keywords: "关键词", entities: "实体",
    images: "图片", copies: "转载与重复", raw: "显示篇数（不按总量归一）", pick: "选择要比较的话题",
    click_hint: "点击图上的某个月份，查看该月该话题的文章。", token: "此服务器需要令牌", use_token: "使用",
    foot: "newsdesk · 图表：uPlot (MIT)", found: (n, ms) => `共 ${n} 篇 · ${ms} 毫秒`, none: "没有找到文章。",
    page: (a, b) => `第 ${a} / ${b} 页`, duplicate: "重复", repeats: "此文重复了：", original: "原文",
    open_original: "原始链接", share: "占当月文章 %", count: "篇数", period: (a, b) => `统计区间：${a} — ${b}`,
    no_period: "区间内没有带日期的文章", undated: "无日期", copies_none: "没有其他文章重复此文。",
    matched: "命中词", month: "月份", all_time: "全部时间", loading: "加载中…", nothing: "无", lang_button: "EN",
  },
  en: {
    search: "Search", topics: "Topics", placeholder: "Search articles… (e.g. 互联互通)", topic: "Topic",
    category: "Source/category", all: "All", since: "From", until: "To", sort: "Sort", relevance: "Relevance",
    newest: "Newest", dedupe: "Hide duplicates", prev: "Previous", next: "Next", back: "← Back to search",
    summary: "Summary", keywords: "Keywords", entities: "Entities", images: "Images", copies: "Copies and repeats",
    raw: "Show article counts (not normalised)", pick: "Topics to compare",
    click_hint: "Click a month on the chart to see that topic's articles of the month.",
    token: "This server needs a token", use_token: "Use", foot: "newsdesk · charts: uPlot (MIT)",
    found: (n, ms) => `${n} articles · ${ms} ms`, none: "No articles found.", page: (a, b) => `Page ${a} of ${b}`,
    duplicate: "duplicate", repeats: "This article repeats: ", original: "original", open_original: "Original URL",
    share: "% of the month's articles", count: "articles", period: (a, b) => `Period: ${a} to ${b}`,
    no_period: "No dated articles in the period", undated: "undated", copies_none: "No other article repeats this one.",
    matched: "matched", month: "Month", all_time: "all time", loading: "Loading…", nothing: "none", lang_button: "中文",
  },
};
const COLOURS = ["#b4261a", "#1f6fb2", "#2e8b57", "#c77c02", "#7b3fa0", "#00838f", "#8d6e63", "#d81b60"];
const LIMIT = 10;
const MAX_OFFSET = 10000; // the API's bound
const SEARCH_FILTERS = ["topic", "category", "since", "until", "sort", "dedupe"];

// Chinese first; the button switches, and the choice is remembered.
let lang = localStorage.getItem("newsdesk.lang") === "en" ? "en" : "zh";
let topicList = null; // [{id, label, label_en}], from /api/topics
let chart = null;
let renderSeq = 0; // the render in progress; an older one that finishes late draws nothing

const $ = (id) => document.getElementById(id);
const t = (key, ...args) => { const v = TEXT[lang][key]; return typeof v === "function" ? v(...args) : v; };
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
};
const isHttp = (u) => typeof u === "string" && /^https?:\/\//i.test(u);
const day = (iso) => (iso ? iso.slice(0, 10) : t("undated"));
const topicLabel = (id) => {
  const found = (topicList || []).find((x) => x.id === id);
  return found ? (lang === "en" ? found.label_en : found.label) : id;
};

// ---- API ----------------------------------------------------------------------------------

class ApiFailure extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function api(path, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined && one !== null && one !== "") query.append(k, one);
  }
  const headers = {};
  const token = sessionStorage.getItem("newsdesk.token");
  if (token) headers.Authorization = `Bearer ${token}`;
  const qs = query.toString();
  const response = await fetch(`/api/${path}${qs ? "?" + qs : ""}`, { headers });
  let body = null;
  try { body = await response.json(); } catch (_) { /* not JSON */ }
  if (!response.ok) {
    const e = (body && body.error) || { code: "http_" + response.status, message: response.statusText };
    if (response.status === 401) $("token-form").hidden = false;
    throw new ApiFailure(response.status, e.code, e.message);
  }
  return body;
}

function showError(e) {
  const box = $("error");
  if (!e) { box.hidden = true; box.textContent = ""; return; }
  box.hidden = false;
  box.textContent = e.message || String(e);
}

async function topics() {
  if (!topicList) topicList = await api("topics");
  return topicList;
}

// ---- navigation -----------------------------------------------------------------------------

function params() { return new URLSearchParams(location.search); }

function go(search, replace = false) {
  const url = "/" + (search.toString() ? "?" + search.toString() : "");
  if (url === location.pathname + location.search) return render();
  if (replace) history.replaceState(null, "", url); else history.pushState(null, "", url);
  render();
}

function render() {
  showError(null);
  const p = params();
  const view = p.get("article") ? "article" : p.get("view") === "topics" ? "topics" : "search";
  for (const name of ["search", "article", "topics"]) $(`${name}-view`).hidden = name !== view;
  for (const a of document.querySelectorAll(".views a")) {
    a.classList.toggle("active", a.dataset.view === view || (view === "article" && a.dataset.view === "search"));
  }
  // aria-busy while a view loads: screen readers wait for it, and so do the browser tests.
  const main = document.querySelector("main");
  const seq = ++renderSeq;
  main.setAttribute("aria-busy", "true");
  if (view !== "article") document.title = "newsdesk";
  const current = () => seq === renderSeq;
  const run = view === "article" ? renderArticle(p.get("article"), current)
    : view === "topics" ? renderTopics(p, current) : renderSearch(p, current);
  run.catch((e) => { if (current()) showError(e); }).finally(() => { if (current()) main.removeAttribute("aria-busy"); });
}

// ---- search view ----------------------------------------------------------------------------

function formState() {
  const s = new URLSearchParams();
  const set = (k, v) => { if (v) s.set(k, v); };
  set("q", $("q").value.trim());
  set("topic", $("topic").value);
  set("category", $("category").value);
  set("since", $("since").value);
  set("until", $("until").value);
  if ($("sort").value !== "relevance") s.set("sort", $("sort").value);
  if ($("dedupe").checked) s.set("dedupe", "true");
  return s;
}

async function fillFilters() {
  const list = await topics();
  const select = $("topic");
  if (select.options.length <= 1) {
    for (const x of list) select.append(el("option", { value: x.id }, ""));
  }
  for (const option of select.options) if (option.value) option.textContent = topicLabel(option.value);
  const categories = $("category");
  if (categories.options.length <= 1) {
    const stats = await api("stats");
    for (const c of stats.by_category.slice(0, 200)) categories.append(el("option", { value: c.name }, `${c.name} (${c.articles})`));
  }
}

async function renderSearch(p, current) {
  // While the user types, the box is theirs; otherwise (links, back/forward) it shows the URL's.
  const typed = typedRender;
  await fillFilters();
  if (!current()) return;
  if (!typed) $("q").value = p.get("q") || "";
  $("topic").value = p.get("topic") || "";
  $("category").value = p.get("category") || "";
  $("since").value = p.get("since") || "";
  $("until").value = p.get("until") || "";
  $("sort").value = p.get("sort") || "relevance";
  $("dedupe").checked = ["true", "1"].includes(p.get("dedupe"));
  const offset = Math.max(0, parseInt(p.get("offset") || "0", 10) || 0);
  const q = p.get("q") || "";
  const request = { q: q || "*", limit: LIMIT, offset };
  for (const k of SEARCH_FILTERS) if (p.get(k)) request[k] = p.get(k);
  const results = await api("search", request);
  if (!current()) return;
  $("summary").textContent = results.total ? t("found", results.total, results.took_ms) : t("none");
  const list = $("results");
  list.replaceChildren(...results.hits.map(hitItem));
  const pages = Math.ceil(results.total / LIMIT);
  // Shown past the last page too (a hand-made URL, a smaller index), so there is a way back.
  $("pager").hidden = pages <= 1 && offset === 0;
  $("page").textContent = t("page", Math.floor(offset / LIMIT) + 1, Math.max(pages, 1));
  $("prev").disabled = offset === 0;
  $("next").disabled = offset + LIMIT >= results.total || offset + LIMIT > MAX_OFFSET;
}

/// The snippet as text nodes, with the matches (character offsets) in <mark>.
function highlighted(snippet, ranges) {
  const chars = Array.from(snippet); // code points, as the API counts
  const out = [];
  let at = 0;
  for (const [from, to] of ranges) {
    if (from < at || to > chars.length || from >= to) continue;
    if (from > at) out.push(document.createTextNode(chars.slice(at, from).join("")));
    out.push(el("mark", {}, chars.slice(from, to).join("")));
    at = to;
  }
  if (at < chars.length) out.push(document.createTextNode(chars.slice(at).join("")));
  return out;
}

function articleLink(id, text) {
  return el("a", { href: `/?article=${encodeURIComponent(id)}`, "data-nav": "" }, text);
}

function hitItem(hit) {
  const meta = el("p", { class: "meta" }, `${day(hit.published_at)} · ${hit.source}`);
  for (const id of hit.topics) meta.append(el("span", { class: "badge" }, topicLabel(id)));
  if (hit.duplicate_of) meta.append(el("span", { class: "badge dup" }, t("duplicate")));
  const snippet = el("p", { class: "snippet" });
  snippet.append(...highlighted(hit.snippet, hit.highlights));
  return el("li", { "data-id": hit.id }, el("h3", {}, articleLink(hit.id, hit.title)), meta, snippet);
}

let typing = null;
let typedRender = false; // whether the render starting now was started by typing
function onType() {
  clearTimeout(typing);
  typing = setTimeout(() => {
    typedRender = true;
    go(formState(), true);
    typedRender = false;
  }, 250);
}

// ---- article view ---------------------------------------------------------------------------

/// The name of an article's source, as the API's hits give it: the author, else the URL's host.
function sourceName(a) {
  if (a.author) return a.author;
  try { return new URL(a.url).host; } catch (_) { return ""; }
}

async function renderArticle(id, current) {
  await topics();
  const a = await api(`articles/${encodeURIComponent(id)}`);
  if (!current()) return;
  document.title = `${a.title} · newsdesk`;
  $("a-title").textContent = a.title;
  const meta = $("a-meta");
  meta.replaceChildren(`${day(a.published_at)} · ${sourceName(a)}`);
  if (isHttp(a.url)) meta.append(" · ", el("a", { href: a.url, rel: "noopener noreferrer nofollow", target: "_blank" }, t("open_original")));
  $("a-summary").textContent = a.summary || t("nothing");
  $("a-keywords").replaceChildren(...a.keywords.map((k) => el("li", {}, k.term)));
  $("a-topics").replaceChildren(...a.topics.map((x) => el("li", {}, `${topicLabel(x.id)} (${x.score}) — ${t("matched")}: ${x.matched.join("、")}`)));
  $("a-entities").replaceChildren(...a.entities.map((e) => el("li", { title: e.kind }, `${e.text} ×${e.count}`)));
  $("a-text").replaceChildren(...a.text.split(/\n\s*\n/).filter((s) => s.trim()).map((para) => el("p", {}, para.trim())));
  const images = a.images.filter((img) => isHttp(img.url));
  $("a-images-box").hidden = images.length === 0;
  $("a-images").replaceChildren(...images.map((img) => {
    const attrs = { src: img.url, alt: img.alt || "", loading: "lazy", referrerpolicy: "no-referrer" };
    if (img.width) attrs.width = img.width;
    if (img.height) attrs.height = img.height;
    const size = img.width && img.height ? ` (${img.width}×${img.height})` : "";
    return el("li", {}, el("figure", {}, el("img", attrs), el("figcaption", {}, (img.alt ? img.alt + " · " : "") + img.url + size)));
  }));
  const dup = $("a-dup");
  dup.hidden = !a.duplicate_of;
  if (a.duplicate_of) dup.replaceChildren(t("repeats"), articleLink(a.duplicate_of, t("original")));
  const copies = await api("search", { q: `duplicate_of:${a.id}`, limit: 20, sort: "newest" });
  if (!current()) return;
  $("a-copies").replaceChildren(...(copies.hits.length
    ? copies.hits.map((h) => el("li", {}, articleLink(h.id, h.title), ` · ${h.source} · ${day(h.published_at)}`))
    : [el("li", {}, t("copies_none"))]));
}

// ---- topics view ----------------------------------------------------------------------------

// The chart's months are UTC months (as the API counts them), so its links and its period
// bounds are exact UTC instants: a bare day would be read in UTC+08:00.
const monthStart = (m) => Date.UTC(+m.slice(0, 4), +m.slice(5, 7) - 1, 1) / 1000;
const utcMonth = (m) => `${m}-01T00:00:00Z`;
const nextMonth = (m) => { const y = +m.slice(0, 4), mo = +m.slice(5, 7); return mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, "0")}`; };
const isMonth = (m) => /^\d{4}-\d{2}$/.test(m || "");

async function renderTopics(p, current) {
  const all = await topics();
  if (!current()) return;
  const chosen = (p.get("topics") || all.filter((x) => x.articles > 0).slice(0, 3).map((x) => x.id).join(",")).split(",").filter(Boolean);
  const raw = p.get("raw") === "1";
  $("t-raw").checked = raw;
  const pick = $("t-pick");
  pick.replaceChildren(el("legend", {}, t("pick")), ...all.map((x) => {
    const box = el("input", { type: "checkbox", value: x.id });
    box.checked = chosen.includes(x.id);
    return el("label", { class: "check" }, box, `${topicLabel(x.id)} (${x.articles})`);
  }));
  // Whole UTC months, so that each month's share is of that whole month's articles.
  const since = isMonth(p.get("since")) ? p.get("since") : "";
  const until = isMonth(p.get("until")) ? p.get("until") : "";
  $("t-since").value = since;
  $("t-until").value = until;
  const range = { since: since && utcMonth(since), until: until && utcMonth(nextMonth(until)) };
  const [detail, stats] = await Promise.all([api("topics", { ...range, topic: chosen }), api("stats")]);
  if (!current()) return;
  const series = detail.filter((x) => chosen.includes(x.id));
  const months = (series[0] && series[0].by_month.map((c) => c.name)) || [];
  const totals = new Map(stats.by_month.map((c) => [c.name, c.articles]));
  $("t-range").textContent = months.length ? t("period", months[0], months[months.length - 1]) : t("no_period");
  drawChart(months, series, totals, raw);
  $("t-detail").replaceChildren(...series.map((x, i) => el("section", {},
    coloured(el("h3", {}, `${topicLabel(x.id)} · ${x.articles}`), COLOURS[i % COLOURS.length]),
    el("h4", {}, t("keywords")), el("ul", { class: "chips" }, ...(x.keywords || []).map((k) => el("li", {}, `${k.name} ${k.articles}`))),
    el("h4", {}, t("entities")), el("ul", { class: "chips" }, ...(x.entities || []).map((k) => el("li", {}, `${k.name} ${k.articles}`))),
  )));
}

/// `node` in `colour`, set through the style object (a style attribute is refused by the CSP).
function coloured(node, colour) {
  node.style.color = colour;
  return node;
}

const chartWidth = () => Math.max(280, $("chart").clientWidth - 16);

function drawChart(months, series, totals, raw) {
  const box = $("chart");
  if (chart) { chart.destroy(); chart = null; }
  box.replaceChildren();
  if (!months.length || !window.uPlot) return;
  const xs = months.map(monthStart);
  const ys = series.map((x) => x.by_month.map((c) => {
    if (raw) return c.articles;
    const total = totals.get(c.name) || 0;
    return total ? Math.round((c.articles / total) * 1000) / 10 : 0;
  }));
  const opts = {
    width: chartWidth(), height: 300,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    scales: { x: { time: true } },
    // No drag-to-zoom: a drag ends in a click, which opens a month.
    cursor: { drag: { x: false, y: false } },
    axes: [{}, { label: raw ? t("count") : t("share"), size: 60 }],
    series: [{ label: t("month"), value: (u, v) => (v == null ? "" : new Date(v * 1000).toISOString().slice(0, 7)) },
      ...series.map((x, i) => ({ label: topicLabel(x.id), stroke: COLOURS[i % COLOURS.length], width: 2, points: { size: 6 } }))],
  };
  chart = new uPlot(opts, [xs, ...ys], box);
  box.dataset.drawn = String(series.length);
  // A click opens the articles of the month under the cursor, of the line nearest to it.
  chart.over.addEventListener("click", () => {
    const idx = chart.cursor.idx;
    if (idx == null || chart.cursor.top == null) return;
    let nearest = 0;
    ys.forEach((values, i) => {
      const distance = Math.abs(chart.valToPos(values[idx], "y") - chart.cursor.top);
      if (distance < Math.abs(chart.valToPos(ys[nearest][idx], "y") - chart.cursor.top)) nearest = i;
    });
    const month = months[idx];
    go(new URLSearchParams({ topic: series[nearest].id, since: utcMonth(month), until: utcMonth(nextMonth(month)), sort: "newest" }));
  });
}

function topicsState() {
  const s = new URLSearchParams({ view: "topics" });
  const chosen = Array.from($("t-pick").querySelectorAll("input:checked")).map((b) => b.value);
  if (chosen.length) s.set("topics", chosen.join(","));
  if ($("t-since").value) s.set("since", $("t-since").value);
  if ($("t-until").value) s.set("until", $("t-until").value);
  if ($("t-raw").checked) s.set("raw", "1");
  return s;
}

// ---- language -------------------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  $("lang").textContent = t("lang_button");
}

// ---- wiring ---------------------------------------------------------------------------------

document.addEventListener("click", (e) => {
  const a = e.target.closest("a[data-nav]");
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  clearTimeout(typing);
  const url = new URL(a.href);
  history.pushState(null, "", url.pathname + url.search);
  render();
});
window.addEventListener("popstate", () => { clearTimeout(typing); render(); });
$("q").addEventListener("input", onType);
$("search-form").addEventListener("submit", (e) => { e.preventDefault(); clearTimeout(typing); go(formState()); });
for (const id of SEARCH_FILTERS) $(id).addEventListener("change", () => go(formState()));
$("prev").addEventListener("click", () => { const s = params(); s.set("offset", Math.max(0, (+s.get("offset") || 0) - LIMIT)); go(s); });
$("next").addEventListener("click", () => { const s = params(); s.set("offset", (+s.get("offset") || 0) + LIMIT); go(s); });
$("topics-form").addEventListener("change", () => go(topicsState()));
$("topics-form").addEventListener("submit", (e) => { e.preventDefault(); go(topicsState()); });
$("t-pick").addEventListener("change", () => go(topicsState()));
$("lang").addEventListener("click", () => {
  lang = lang === "en" ? "zh" : "en";
  localStorage.setItem("newsdesk.lang", lang);
  applyLanguage();
  render();
});
$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem("newsdesk.token", $("token").value);
  $("token-form").hidden = true;
  topicList = null;
  render();
});
window.addEventListener("resize", () => { if (chart) chart.setSize({ width: chartWidth(), height: 300 }); });
applyLanguage();
render();
