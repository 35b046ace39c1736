// Kindly admin pages: sign in with a key, then read the usage log, charts, presets and
// settings through the /v1 API. Every logged or user-supplied text is put on the page with
// textContent (never innerHTML), so a draft containing markup shows as text.
"use strict";

const KEY_STORE = "kindly.adminKey";
const PRESET_FIELDS = [
  "name", "description", "warmth", "formality", "length", "reading_grade", "greeting_style",
  "signoff", "banned_phrases", "required_phrases", "glossary", "guidance", "default_action",
  "default_channel",
];
const LIST_FIELDS = new Set(["banned_phrases", "required_phrases", "glossary"]);
const NUMBER_FIELDS = new Set(["warmth", "formality", "reading_grade"]);
const SVG_NS = "http://www.w3.org/2000/svg";

const state = {
  me: null,
  cursors: [null], // cursor of each page seen; the last one is the page shown
  nextCursor: null,
  presets: [],
  preset: null,
  previewSeq: 0,
  previewTimer: null,
};

const $ = (id) => document.getElementById(id);

// Build an element; strings among the children become text nodes.
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = String(value);
    else if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== null) node.textContent = String(text);
  return node;
}

function say(id, message, isError = false) {
  const node = $(id);
  node.textContent = message;
  node.classList.toggle("error", isError);
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

function teamParam() {
  const team = $("team").value.trim();
  return state.me && state.me.key.role === "admin" && team && team !== state.me.team.id
    ? team : null;
}

function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") query.set(name, value);
  }
  const team = teamParam();
  if (team) query.set("team", team);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

async function api(path, { method = "GET", body = null, raw = false } = {}) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(KEY_STORE) || ""}` };
  if (body !== null) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, body: body === null ? null : JSON.stringify(body), cache: "no-store",
  });
  if (response.status === 401) signOut("Your key is no longer valid. Sign in again.");
  if (!response.ok) {
    let detail = null;
    try { detail = await response.json(); } catch (_) { /* not JSON */ }
    throw new ApiError(response.status, detail);
  }
  return raw ? response : response.json();
}

// ---- sign in ----------------------------------------------------------------------------

async function signIn(key) {
  sessionStorage.setItem(KEY_STORE, key);
  let me;
  try {
    me = await api("/v1/me");
  } catch (err) {
    sessionStorage.removeItem(KEY_STORE);
    throw err;
  }
  if (me.key.role !== "admin" && me.key.role !== "team_admin") {
    sessionStorage.removeItem(KEY_STORE);
    throw new Error("This is an agent key: the admin pages need an admin or team-admin key.");
  }
  state.me = me;
  $("whoami-text").textContent =
    `${me.key.label || me.key.id} · ${me.key.role.replace("_", " ")} · team ${me.team.id}`;
  $("team-picker").hidden = me.key.role !== "admin";
  $("team").value = me.team.id;
  $("signin").hidden = true;
  $("app").hidden = false;
  $("whoami").hidden = false;
  showView("usage");
}

function signOut(message = "") {
  sessionStorage.removeItem(KEY_STORE);
  state.me = null;
  $("app").hidden = true;
  $("whoami").hidden = true;
  $("signin").hidden = false;
  $("api-key").value = "";
  say("signin-status", message, Boolean(message));
  $("api-key").focus();
}

// ---- views ------------------------------------------------------------------------------

const loaders = {
  usage: () => { state.cursors = [null]; return loadUsage(); },
  charts: () => loadCharts(),
  presets: () => loadPresets(),
  settings: () => loadSettings(),
};

function showView(name) {
  for (const tab of document.querySelectorAll(".tab")) {
    if (tab.dataset.view === name) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  for (const view of document.querySelectorAll(".view")) view.hidden = view.id !== `view-${name}`;
  const status = { usage: "usage-status", charts: "charts-status", presets: "preset-status",
    settings: "settings-status" }[name];
  loaders[name]().catch((err) => say(status, err.message, true));
}

function currentView() {
  const tab = document.querySelector('.tab[aria-current="page"]');
  return tab ? tab.dataset.view : "usage";
}

// ---- usage ------------------------------------------------------------------------------

function usageFilters() {
  const form = new FormData($("usage-filters"));
  const params = {};
  for (const name of ["key", "preset", "engine", "outcome", "kind", "limit"]) {
    params[name] = String(form.get(name) || "").trim();
  }
  for (const name of ["from", "to"]) {
    const value = form.get(name);
    // datetime-local is the viewer's local time; the API takes ISO with a zone.
    if (value) params[name] = new Date(value).toISOString();
  }
  return params;
}

function formatTime(ts) {
  return new Date(ts * 1000).toLocaleString();
}

function tokens(entry) {
  if (entry.tokens_in === undefined && entry.tokens_out === undefined) return "";
  return `${entry.tokens_in || 0} / ${entry.tokens_out || 0}`;
}

// A newer load of the same view (another team, page or filter) may answer first: only the
// newest request's answer is drawn.
const loads = {};
function newestLoad(view) {
  const ticket = (loads[view] = (loads[view] || 0) + 1);
  return () => loads[view] === ticket;
}

async function loadUsage() {
  say("usage-status", "Loading…");
  const current = newestLoad("usage");
  const cursor = state.cursors[state.cursors.length - 1];
  const page = await api(withQuery("/v1/admin/usage", { ...usageFilters(), cursor }));
  if (!current()) return;
  state.nextCursor = page.next_cursor;
  const rows = page.items.map((entry) => usageRow(entry));
  $("usage-table").tBodies[0].replaceChildren(...rows);
  $("page-number").textContent = `Page ${state.cursors.length}`;
  $("page-newer").disabled = state.cursors.length <= 1;
  $("page-older").disabled = !page.next_cursor;
  $("entry-detail").hidden = true;
  say("usage-status", page.items.length
    ? `${page.items.length} entries${page.next_cursor ? " (more on older pages)" : ""}.`
    : "No entries match these filters.");
}

function usageRow(entry) {
  const button = el("button", {
    type: "button", class: "secondary", text: "Details",
    "aria-label": `Details of ${entry.kind} at ${formatTime(entry.ts)}`,
  });
  const row = el("tr", {},
    el("td", { text: formatTime(entry.ts) }),
    el("td", { text: entry.kind || "" }),
    el("td", { text: entry.key_label || entry.key_id || "", title: entry.key_id || "" }),
    el("td", { text: entry.preset ? `${entry.preset} v${entry.preset_version ?? "?"}` : "" }),
    el("td", { text: entry.engine || "" }),
    el("td", { text: entry.cached === undefined ? "" : entry.cached ? "yes" : "no" }),
    el("td", { class: "num", text: entry.latency_ms === undefined ? "" : `${entry.latency_ms} ms` }),
    el("td", { class: "num", text: tokens(entry) }),
    el("td", { text: entry.status ? `${entry.outcome} (${entry.status})` : entry.outcome || "" }),
    el("td", {}, button),
  );
  button.addEventListener("click", () => {
    for (const other of row.parentNode.children) other.classList.remove("selected");
    row.classList.add("selected");
    showEntry(entry);
  });
  return row;
}

function showEntry(entry) {
  const fields = [];
  for (const [name, value] of Object.entries(entry)) {
    if (name === "texts" || value === null || value === undefined) continue;
    const shown = typeof value === "object" ? JSON.stringify(value) : String(value);
    fields.push(el("dt", { text: name }), el("dd", { text: shown }));
  }
  $("entry-fields").replaceChildren(...fields);
  const texts = [];
  for (const [name, text] of Object.entries(entry.texts || {})) {
    texts.push(el("h4", { text: name.replace("_", " ") }), el("pre", { class: "logged-text", text }));
  }
  if (!texts.length) texts.push(el("p", { class: "muted", text: "No texts stored for this entry." }));
  $("entry-texts").replaceChildren(...texts);
  $("entry-title").textContent = `${entry.kind} ${entry.request_id || ""}`;
  $("entry-detail").hidden = false;
  $("entry-detail").focus();
}

async function downloadCsv() {
  say("usage-status", "Preparing CSV…");
  const filters = usageFilters();
  delete filters.limit;
  const response = await api(withQuery("/v1/admin/usage.csv", filters), { raw: true });
  const blob = await response.blob();
  const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  const link = el("a", { href: URL.createObjectURL(blob), download: match ? match[1] : "usage.csv" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  say("usage-status", "CSV downloaded.");
}

// ---- charts -----------------------------------------------------------------------------

const pct = (v) => (v === null || v === undefined ? "–" : `${Math.round(v * 1000) / 10}%`);
const num = (v, digits = 2) =>
  v === null || v === undefined ? "–" : String(Math.round(v * 10 ** digits) / 10 ** digits);

async function loadCharts() {
  say("charts-status", "Loading…");
  const days = Number(new FormData($("charts-range")).get("days") || 30);
  const from = new Date(Date.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const current = newestLoad("charts");
  const stats = await api(withQuery("/v1/admin/stats", { from }));
  if (!current()) return;
  const t = stats.totals;
  const totals = [
    ["Rewrites", t.requests], ["Errors", t.errors], ["Cache hit rate", pct(t.cache_hit_rate)],
    ["Latency p50", `${num(t.latency_ms.p50, 1)} ms`], ["Latency p95", `${num(t.latency_ms.p95, 1)} ms`],
    ["Tokens in / out", `${t.tokens_in} / ${t.tokens_out}`], ["Estimated cost", `$${num(t.cost_usd, 4)}`],
    ["Acceptance rate", pct(t.acceptance_rate)], ["Warmth change", num(t.warmth_change)],
    ["Reading grade change", num(t.reading_grade_change)],
  ];
  $("totals").replaceChildren(...totals.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
  const rows = stats.days;
  $("charts").replaceChildren(
    chart("Requests per day", rows, [
      { label: "rewrites", value: (d) => d.requests },
      { label: "errors", value: (d) => d.errors },
    ], { bars: true }),
    chart("Cache hit rate", rows, [{ label: "hit rate %", value: (d) => ratioPct(d.cache_hit_rate) }],
      { min: 0, max: 100 }),
    chart("Acceptance rate", rows, [{ label: "accepted or edited %", value: (d) => ratioPct(d.acceptance_rate) }],
      { min: 0, max: 100 }),
    chart("Tone change per rewrite", rows, [
      { label: "warmth change", value: (d) => d.warmth_change },
      { label: "reading grade change", value: (d) => d.reading_grade_change },
    ], {}),
  );
  daysTable(rows);
  say("charts-status", `${stats.from.slice(0, 10)} to ${stats.to.slice(0, 10)} (UTC days).`);
}

const ratioPct = (v) => (v === null || v === undefined ? null : v * 100);

// A small SVG chart: bars or lines per series, a zero line, min/max labels, first/last date.
function chart(title, rows, series, { bars = false, min = null, max = null }) {
  const W = 560, H = 200, L = 44, R = 10, T = 10, B = 26;
  const values = rows.flatMap((d) => series.map((s) => s.value(d))).filter((v) => v !== null);
  let lo = min ?? Math.min(0, ...values);
  let hi = max ?? Math.max(1, ...values);
  if (hi === lo) hi = lo + 1;
  const x = (i) => L + (rows.length <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (rows.length - 1));
  const y = (v) => T + (H - T - B) * (1 - (v - lo) / (hi - lo));
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `${title} chart` });
  root.append(svg("title", {}, title));
  for (const v of [lo, (lo + hi) / 2, hi]) {
    root.append(svg("line", { class: "grid", x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    root.append(svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, num(v, 1)));
  }
  if (lo < 0 && hi > 0) root.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: y(0), y2: y(0) }));
  if (rows.length) {
    root.append(svg("text", { x: L, y: H - 6 }, rows[0].date));
    root.append(svg("text", { x: W - R, y: H - 6, "text-anchor": "end" }, rows[rows.length - 1].date));
  }
  const slot = (W - L - R) / Math.max(rows.length, 1);
  series.forEach((s, k) => {
    const cls = k ? " b" : "";
    if (bars) {
      const width = Math.max(1, (slot * 0.8) / series.length);
      rows.forEach((d, i) => {
        const v = s.value(d) ?? 0;
        const left = L + i * slot + slot * 0.1 + k * width;
        const bar = svg("rect", {
          class: `bar${cls}`, x: left, width, y: Math.min(y(v), y(0)), height: Math.abs(y(0) - y(v)),
        });
        bar.append(svg("title", {}, `${d.date}: ${num(v)} ${s.label}`));
        root.append(bar);
      });
      return;
    }
    // Days without data break the line instead of drawing through them.
    let path = "";
    let pen = "M";
    rows.forEach((d, i) => {
      const v = s.value(d);
      if (v === null || v === undefined) { pen = "M"; return; }
      path += `${pen}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
      pen = "L";
      const dot = svg("circle", { class: `dot${cls}`, cx: x(i), cy: y(v), r: 2.5 });
      dot.append(svg("title", {}, `${d.date}: ${num(v)} ${s.label}`));
      root.append(dot);
    });
    if (path) root.append(svg("path", { class: `line${cls}`, d: path.trim() }));
  });
  const legend = el("div", { class: "legend" },
    ...series.map((s, k) => el("span", {}, el("span", { class: `swatch ${k ? "b" : "a"}` }), s.label)));
  return el("figure", { class: "chart" }, el("figcaption", { text: title }), root, legend);
}

function daysTable(rows) {
  const head = el("tr", {}, ...["Day", "Rewrites", "Errors", "Cache hits", "p50 ms", "p95 ms",
    "Tokens", "Cost $", "Acceptance", "Warmth Δ", "Grade Δ"].map((h) => el("th", { scope: "col", text: h })));
  const body = rows.slice().reverse().map((d) => el("tr", {},
    el("td", { text: d.date }), el("td", { class: "num", text: d.requests }),
    el("td", { class: "num", text: d.errors }), el("td", { class: "num", text: pct(d.cache_hit_rate) }),
    el("td", { class: "num", text: num(d.latency_ms.p50, 1) }), el("td", { class: "num", text: num(d.latency_ms.p95, 1) }),
    el("td", { class: "num", text: d.tokens_in + d.tokens_out }), el("td", { class: "num", text: num(d.cost_usd, 4) }),
    el("td", { class: "num", text: pct(d.acceptance_rate) }), el("td", { class: "num", text: num(d.warmth_change) }),
    el("td", { class: "num", text: num(d.reading_grade_change) })));
  $("days-table").replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
}

// ---- presets ----------------------------------------------------------------------------

async function loadPresets(selectSlug = null) {
  say("preset-status", "Loading…");
  const list = await api(withQuery("/v1/presets", {}));
  state.presets = list.items;
  const select = $("preset-select");
  select.replaceChildren(...list.items.map((p) => el("option", { value: p.slug, text: `${p.name} (${p.slug})` })));
  const slug = selectSlug || (state.preset && state.preset.slug) || (list.items[0] && list.items[0].slug);
  if (slug) select.value = slug;
  choosePreset(select.value);
  say("preset-status", "");
}

function choosePreset(slug) {
  const preset = state.presets.find((p) => p.slug === slug);
  if (!preset) return;
  state.preset = preset;
  $("preset-version").textContent = String(preset.version);
  for (const name of PRESET_FIELDS) {
    const input = $(`pf-${name}`);
    const value = preset[name];
    input.value = LIST_FIELDS.has(name) ? (value || []).join("\n") : value ?? "";
  }
  syncOutputs();
  clearFieldErrors();
  schedulePreview(0);
}

function presetFields() {
  const fields = {};
  for (const name of PRESET_FIELDS) {
    const raw = $(`pf-${name}`).value;
    if (LIST_FIELDS.has(name)) fields[name] = raw.split("\n").map((s) => s.trim()).filter(Boolean);
    else if (NUMBER_FIELDS.has(name)) fields[name] = raw === "" ? null : Number(raw);
    else fields[name] = raw;
  }
  for (const name of NUMBER_FIELDS) if (fields[name] === null) delete fields[name];
  return fields;
}

function syncOutputs() {
  $("out-warmth").textContent = $("pf-warmth").value;
  $("out-formality").textContent = $("pf-formality").value;
}

function clearFieldErrors() {
  for (const node of document.querySelectorAll(".field-error")) node.textContent = "";
}

function showFieldErrors(err) {
  clearFieldErrors();
  const errors = (err.body && err.body.errors && (err.body.errors.json || err.body.errors)) || {};
  for (const [name, messages] of Object.entries(errors)) {
    const target = $(`err-${name}`);
    const text = Array.isArray(messages) ? messages.join(" ") : JSON.stringify(messages);
    if (target) target.textContent = text;
  }
}

function schedulePreview(delay = 400) {
  clearTimeout(state.previewTimer);
  state.previewTimer = setTimeout(() => runPreview().catch(() => {}), delay);
}

async function runPreview() {
  const draft = $("pv-draft").value;
  if (!draft.trim()) { say("preview-status", "Type a sample draft to preview."); return; }
  const seq = ++state.previewSeq;
  say("preview-status", "Rewriting…");
  try {
    const result = await api(withQuery("/v1/presets/preview", {}), {
      method: "POST",
      body: {
        slug: state.preset ? state.preset.slug : null,
        preset: presetFields(),
        draft,
        customer_name: $("pv-customer").value || null,
        agent_name: $("pv-agent").value || null,
      },
    });
    if (seq !== state.previewSeq) return; // a newer edit already asked again
    $("preview-output").textContent = result.rewrite;
    const before = result.scores.before, after = result.scores.after;
    $("preview-scores").replaceChildren(
      el("dt", { text: "Warmth" }), el("dd", { text: `${num(before.warmth, 1)} → ${num(after.warmth, 1)}` }),
      el("dt", { text: "Reading grade" }), el("dd", { text: `${num(before.reading_grade, 1)} → ${num(after.reading_grade, 1)}` }),
      el("dt", { text: "Facts kept" }), el("dd", { text: result.checks.passed ? "yes" : "no" }),
      el("dt", { text: "Engine" }), el("dd", { text: `${result.engine} (${result.latency_ms} ms)` }),
    );
    $("preview-warnings").replaceChildren(...(result.warnings || []).map((w) => el("li", { text: w })));
    say("preview-status", "Preview updated.");
    clearFieldErrors();
  } catch (err) {
    if (seq !== state.previewSeq) return;
    if (err.status === 422) showFieldErrors(err);
    say("preview-status", `Preview failed: ${err.message}`, true);
  }
}

async function savePreset(event) {
  event.preventDefault();
  if (!state.preset) return;
  say("preset-status", "Saving…");
  try {
    const saved = await api(withQuery(`/v1/presets/${encodeURIComponent(state.preset.slug)}`, {}), {
      method: "PUT", body: { ...presetFields(), version: state.preset.version },
    });
    clearFieldErrors();
    await loadPresets(saved.slug);
    say("preset-status", `Saved ${saved.slug}: now version ${saved.version}.`);
  } catch (err) {
    if (err.status === 422) showFieldErrors(err);
    say("preset-status", err.status === 409
      ? "Someone saved this preset meanwhile. Reload it before saving again."
      : `Not saved: ${err.message}`, true);
  }
}

async function createPreset(event) {
  event.preventDefault();
  const slug = $("new-slug").value.trim();
  if (!slug) { say("preset-status", "Type a slug for the new preset.", true); return; }
  try {
    const fields = presetFields();
    const created = await api(withQuery("/v1/presets", {}), {
      method: "POST", body: { ...fields, slug, name: fields.name || slug },
    });
    $("new-slug").value = "";
    await loadPresets(created.slug);
    say("preset-status", `Created ${created.slug}.`);
  } catch (err) {
    if (err.status === 422) showFieldErrors(err);
    say("preset-status", `Not created: ${err.message}`, true);
  }
}

// ---- settings ---------------------------------------------------------------------------

async function loadSettings() {
  const settings = await api(withQuery("/v1/admin/settings", {}));
  $("store-texts").checked = settings.store_texts;
  $("retention").value = settings.text_retention_days;
  say("settings-status", `Team ${settings.team}.`);
}

async function saveSettings(event) {
  event.preventDefault();
  try {
    const settings = await api(withQuery("/v1/admin/settings", {}), {
      method: "PUT",
      body: { store_texts: $("store-texts").checked, text_retention_days: Number($("retention").value) },
    });
    say("settings-status", settings.store_texts
      ? `Texts are kept for ${settings.text_retention_days} days.` : "Texts are not stored.");
  } catch (err) {
    say("settings-status", `Not saved: ${err.message}`, true);
  }
}

// ---- wiring -----------------------------------------------------------------------------

function start() {
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    say("signin-status", "Checking key…");
    signIn($("api-key").value.trim())
      .then(() => say("signin-status", ""))
      .catch((err) => say("signin-status", err.message, true));
  });
  $("sign-out").addEventListener("click", () => signOut());
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => showView(tab.dataset.view));
  }
  $("team").addEventListener("change", () => showView(currentView()));
  $("usage-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    state.cursors = [null];
    loadUsage().catch((err) => say("usage-status", err.message, true));
  });
  $("usage-filters").addEventListener("reset", () => setTimeout(() => {
    state.cursors = [null];
    loadUsage().catch((err) => say("usage-status", err.message, true));
  }, 0));
  $("page-older").addEventListener("click", () => {
    state.cursors.push(state.nextCursor);
    loadUsage().catch((err) => say("usage-status", err.message, true));
  });
  $("page-newer").addEventListener("click", () => {
    if (state.cursors.length > 1) state.cursors.pop();
    loadUsage().catch((err) => say("usage-status", err.message, true));
  });
  $("download-csv").addEventListener("click", () =>
    downloadCsv().catch((err) => say("usage-status", err.message, true)));
  $("charts-range").addEventListener("submit", (event) => {
    event.preventDefault();
    loadCharts().catch((err) => say("charts-status", err.message, true));
  });
  $("preset-select").addEventListener("change", (event) => choosePreset(event.target.value));
  $("preset-form").addEventListener("submit", savePreset);
  $("preset-form").addEventListener("input", () => { syncOutputs(); schedulePreview(); });
  $("preset-new").addEventListener("submit", createPreset);
  for (const id of ["pv-draft", "pv-customer", "pv-agent"]) {
    $(id).addEventListener("input", () => schedulePreview());
  }
  $("preview-run").addEventListener("click", () => schedulePreview(0));
  $("settings-form").addEventListener("submit", saveSettings);

  const saved = sessionStorage.getItem(KEY_STORE);
  if (saved) signIn(saved).catch(() => signOut());
  else $("api-key").focus();
}

document.addEventListener("DOMContentLoaded", start);
