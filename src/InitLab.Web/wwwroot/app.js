// InitLab live view: lists runs and sweeps, follows runs' training logs over server-sent events,
// draws scalars with uPlot (hover, legend toggling, drag-zoom, log/linear that keeps both) and
// histograms as heat maps over steps. The address bar's #run=, #sweep= or #compare= opens a view.
"use strict";
const $ = id => document.getElementById(id);
const colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];
let current = null;          // what the main area shows: { close() }
let logScale = false;
const picked = new Set();    // runs checked for "Compare checked"
let summaries = new Map();   // run path -> "784-256-10 relu he-normal adam 0.001"
let runInfo = new Map();     // run path -> { init: "he-normal", lr: "0.001" }

async function api(url, options) {
  const r = await fetch(url, options);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || `${r.status} ${r.statusText}`);
  return body;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) k === "text" ? e.textContent = v : e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

async function loadMeta() {
  const m = await api("/api/meta");
  for (const a of m.activations) $("f-activation").append(el("option", { value: a, text: a }));
  for (const i of m.inits) $("f-init").append(el("option", { value: i.name, text: i.aliases?.length ? `${i.name} (${i.aliases.join(", ")})` : i.name, "data-formula": i.formula }));
  for (const o of m.optimizers) $("f-optimizer").append(el("option", { value: o, text: o }));
  for (const d of m.datasets) $("datasets").append(el("option", { value: d.name, text: d.present ? "downloaded" : "not downloaded" }));
  $("f-init").value = "xavier-uniform";
  const showFormula = () => $("formula").textContent = $("f-init").selectedOptions[0]?.dataset.formula || "";
  $("f-init").onchange = showFormula; showFormula();
}

async function refreshList() {
  const l = await api("/api/list");
  summaries = new Map(l.runs.map(r => [r.path, r.summary]));
  runInfo = new Map(l.runs.map(r => [r.path, { init: r.init, lr: r.lr }]));
  const runs = $("runs"); runs.replaceChildren();
  for (const r of l.runs) {
    const box = el("input", { type: "checkbox", class: "pick", "data-path": r.path, title: "compare on one chart" });
    box.checked = picked.has(r.path);
    box.onchange = () => box.checked ? picked.add(r.path) : picked.delete(r.path);
    const a = el("a", { text: r.path, title: r.summary, "data-path": r.path });
    a.onclick = () => showRun(r.path);
    runs.append(el("li", {}, box, a, el("span", { class: "status", text: r.status })));
  }
  const sweeps = $("sweeps"); sweeps.replaceChildren();
  for (const s of l.sweeps) {
    const a = el("a", { text: (s.path || ".") + ` (${s.runs} runs)`, "data-path": s.path });
    a.onclick = () => showSweep(s.path);
    sweeps.append(el("li", {}, a));
  }
}

$("form").onsubmit = async ev => {
  ev.preventDefault();
  $("form-error").textContent = "";
  const f = new FormData($("form"));
  const num = k => f.get(k) === "" ? null : Number(f.get(k));
  const body = { data: f.get("data"), layers: f.get("layers"), activation: f.get("activation"), init: f.get("init"),
    optimizer: f.get("optimizer"), lr: num("lr"), epochs: num("epochs"), batchSize: num("batchSize"), seed: num("seed") };
  for (const k of ["lr", "epochs", "batchSize", "seed"])
    if (body[k] !== null && !Number.isFinite(body[k])) { $("form-error").textContent = `${k}: not a number`; return; }
  try {
    const r = await api("/api/runs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    picked.add(r.path);  // runs started here are checked for comparison
    await refreshList();
    showRun(r.path);
  } catch (e) { $("form-error").textContent = e.message; }
};
$("compare").onclick = () => picked.size ? showCompare([...picked]) : $("form-error").textContent = "check the runs to compare first";

function chartOpts(title, xLabel, series, width, xValues) {
  return {
    title, width: width || 520, height: 260,
    scales: { x: { time: false }, y: logScale ? { distr: 3 } : {} },
    axes: [{ label: xLabel, ...(xValues ? { values: xValues } : {}), ...(xLabel === "step" ? {} : { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }) },
      { size: 60, values: (u, vals) => vals.map(axisNum) }],
    series: [{ label: xLabel }, ...series.map((s, i) => ({ label: s, stroke: colors[i % colors.length], width: 1.5, spanGaps: true }))],
    cursor: { drag: { x: true, y: true, uni: 30 } },
  };
}

// A uPlot chart that remembers the user's zoom (drag; double-click resets) and hidden series, so
// that rebuilding it (log/linear switch, new series) keeps both: pass the previous one as prev.
function chart(container, title, xLabel, names, data, prev, xValues) {
  const opts = chartOpts(title, xLabel, names, undefined, xValues);
  if (prev) for (const s of opts.series.slice(1)) { const old = prev.u.series.find(o => o.label === s.label); if (old) s.show = old.show; }
  const c = { u: new uPlot(opts, data, container), zoom: prev ? prev.zoom : { x: null, y: null } };
  const range = k => ({ min: c.u.scales[k].min, max: c.u.scales[k].max });
  if (c.zoom.x) c.u.setScale("x", c.zoom.x);
  if (c.zoom.y && (!logScale || c.zoom.y.min > 0)) c.u.setScale("y", c.zoom.y);
  let before = null;
  c.u.over.addEventListener("mousedown", () => before = { x: range("x"), y: range("y") });
  c.u.over.addEventListener("mouseup", () => setTimeout(() => {
    if (!before) return;
    const x = range("x"), y = range("y"), same = (a, b) => a.min === b.min && a.max === b.max;
    if (!same(x, before.x)) c.zoom.x = x;
    if (!same(y, before.y)) c.zoom.y = y;
    before = null;
  }, 0));
  // uPlot's double-click resets the scales; the mouseup just before must not record that as a zoom.
  c.u.over.addEventListener("dblclick", () => { before = null; c.zoom.x = null; c.zoom.y = null; });
  c.set = d => c.u.setData(d, !c.zoom.x && !c.zoom.y);
  c.destroy = () => c.u.destroy();
  return c;
}

function scaleToggle(redraw) {
  const b = el("button", { id: "scale", text: logScale ? "linear y" : "log y" });
  b.onclick = () => { logScale = !logScale; b.textContent = logScale ? "linear y" : "log y"; redraw(); };
  return b;
}

// Positive values only on a log axis.
const forScale = v => v == null || !Number.isFinite(v) || (logScale && v <= 0) ? null : v;

// Follows one run's log: records go to handlers; returns { close() }.
function follow(path, on) {
  const source = new EventSource(`/api/events?path=${encodeURIComponent(path)}`);
  source.onmessage = ev => on.record(JSON.parse(ev.data));
  source.addEventListener("done", () => { source.close(); on.done?.(); });
  source.onerror = () => { if (source.readyState === EventSource.CLOSED) on.error?.(); };
  return source;
}

function setHash(h) { history.replaceState(null, "", "#" + h); }

function showRun(path, kindName) {
  if (current) current.close();
  setHash("run=" + encodeURIComponent(path));
  const main = $("main");
  const state = { steps: [], costs: [], epochs: [], acc: [], ecost: [], hists: new Map(), end: null };
  const status = el("span", { id: "run-status", text: "connecting" });
  const stop = el("button", { id: "stop", text: "Stop" });
  stop.onclick = async () => { try { await api(`/api/stop?path=${encodeURIComponent(path)}`, { method: "POST" }); } catch (e) { status.textContent = e.message; } };
  const kind = el("select", { id: "kind" });
  for (const k of ["activation", "preactivation", "weight", "gradient"]) kind.append(el("option", { value: k, text: k }));
  if (kindName) kind.value = kindName;
  const charts = el("div", { class: "charts" });
  const hists = el("div", { class: "hists", id: "hists" });
  main.replaceChildren(el("h2", { text: path }), el("p", { class: "summary", text: summaries.get(path) || "" }),
    el("div", { class: "toolbar" }, status, " ", stop, scaleToggle(() => draw(true)), kind),
    charts, el("h3", { text: "Per-layer histograms over training steps (x: step, y: value, darker: more values, on a log scale of the counts)" }), hists);
  kind.onchange = () => drawHists();
  let costPlot = null, accPlot = null, pending = false, closed = false;
  const data = () => [[state.steps, state.costs.map(forScale)], [state.epochs, state.acc.map(forScale), state.ecost.map(forScale)]];

  function draw(rebuild) {
    const [cost, acc] = data();
    if (rebuild || !costPlot) {
      const c1 = el("div", { class: "chart", id: "cost-chart" }), c2 = el("div", { class: "chart", id: "acc-chart" });
      const old = [costPlot, accPlot];
      costPlot = chart(c1, "Training cost per step", "step", ["batch cost"], cost, old[0]);
      accPlot = chart(c2, "Per epoch", "epoch", ["test accuracy", "train cost"], acc, old[1]);
      old.forEach(p => p?.destroy());
      charts.replaceChildren(c1, c2);
    } else { costPlot.set(cost); accPlot.set(acc); }
    drawHists();
  }

  function drawHists() {
    const k = kind.value;
    const layers = [...new Set([...state.hists.keys()].filter(key => key.endsWith("/" + k)).map(key => +key.split("/")[0]))].sort((a, b) => a - b);
    hists.replaceChildren();
    for (const layer of layers) {
      const rows = state.hists.get(`${layer}/${k}`);
      const canvas = el("canvas", { width: 300, height: 170, "data-layer": layer, "data-first-step": rows[0].step, "data-last-step": rows[rows.length - 1].step });
      heatmap(canvas, rows);
      const last = rows[rows.length - 1];
      hists.append(el("div", { class: "hist" }, el("div", { text: `layer ${layer} ${k} at step ${last.step}: [${fmt(last.min)}, ${fmt(last.max)}] mean ${fmt(last.mean)} sd ${fmt(last.std)}` }), canvas));
    }
  }

  function schedule() {
    if (pending) return;
    pending = true;
    setTimeout(() => { pending = false; if (!closed) draw(false); }, 300);
  }

  const source = follow(path, {
    record(r) {
      if (r.type === "step") { state.steps.push(r.step); state.costs.push(r.cost); }
      else if (r.type === "epoch") { state.epochs.push(r.epoch); state.acc.push(r.test_accuracy); state.ecost.push(r.train_cost); status.textContent = `epoch ${r.epoch}/${r.epochs}: accuracy ${fmt(r.test_accuracy)}`; }
      else if (r.type === "hist") { const key = `${r.layer}/${r.kind}`; if (!state.hists.has(key)) state.hists.set(key, []); state.hists.get(key).push(r); }
      else if (r.type === "end") { state.end = r; status.textContent = r.status + (r.message ? `: ${r.message}` : ""); stop.disabled = true; refreshList(); }
      else if (r.type === "start") status.textContent = "training";
      schedule();
    },
    done() {
      if (!state.end && state.steps.length === 0) { status.textContent = "no training log in this run"; showMetricsOnly(path, charts); }
      setTimeout(() => { if (!closed) { draw(false); main.dataset.done = "1"; } }, 350);
    },
    error() { status.textContent += " (disconnected)"; },
  });
  draw(true);
  current = { plots: () => [costPlot, accPlot], close() { closed = true; source.close(); costPlot?.destroy(); accPlot?.destroy(); delete main.dataset.done; } };
}

async function showMetricsOnly(path, charts) {
  const r = await api(`/api/run?path=${encodeURIComponent(path)}`);
  charts.replaceChildren();
  const c = el("div", { class: "chart" }); charts.append(c);
  chart(c, "Per epoch", "epoch", ["test accuracy", "train cost"],
    [r.metrics.map(m => m.epoch), r.metrics.map(m => forScale(m.test_accuracy)), r.metrics.map(m => forScale(m.train_cost))]);
}

// The compare view's shared x axis: the union of the runs' steps (or epochs) in ascending order,
// one column of values per run (null where a run has no value there), and the records that came
// since the last draw. A refresh costs what changed, not the whole run: values at x already on
// the axis are set in place, new x values past its end are appended, and only new x values that
// fall between old ones make it merge, in one linear pass (the old ones are never sorted again).
function unionTable(runCount) {
  return { xs: [], cols: Array.from({ length: runCount }, () => []), at: new Map(), pending: [] };
}

// Moves t.pending ([run, x, y] records) into the table; returns whether anything changed.
function mergePending(t) {
  if (!t.pending.length) return false;
  const fresh = new Map();   // x not on the axis yet -> its [run, y] records
  for (const [run, x, y] of t.pending) {
    const k = t.at.get(x);
    if (k !== undefined) t.cols[run][k] = forScale(y);
    else { if (!fresh.has(x)) fresh.set(x, []); fresh.get(x).push([run, y]); }
  }
  t.pending = [];
  const add = [...fresh.keys()].sort((a, b) => a - b);
  if (add.length && (!t.xs.length || add[0] > t.xs[t.xs.length - 1])) {
    for (const x of add) { t.at.set(x, t.xs.length); t.xs.push(x); for (const c of t.cols) c.push(null); }
  } else if (add.length) {
    const xs = [], cols = t.cols.map(() => []);
    for (let i = 0, j = 0; i < t.xs.length || j < add.length;) {
      const old = j === add.length || (i < t.xs.length && t.xs[i] < add[j]);
      xs.push(old ? t.xs[i] : add[j]);
      cols.forEach((c, r) => c.push(old ? t.cols[r][i] : null));
      old ? i++ : j++;
    }
    t.xs = xs; t.cols = cols; t.at = new Map(xs.map((x, k) => [x, k]));
  }
  for (const [x, values] of fresh) { const k = t.at.get(x); for (const [run, y] of values) t.cols[run][k] = forScale(y); }
  return true;
}

const tableData = t => [t.xs, ...t.cols];

// Several runs on one chart each for cost per step, test accuracy and cost per epoch, live.
function showCompare(paths) {
  if (current) current.close();
  setHash(paths.map(p => "compare=" + encodeURIComponent(p)).join("&"));
  const main = $("main");
  const runs = paths.map(p => ({ path: p, steps: new Map(), acc: new Map(), ecost: new Map(), end: null }));
  // A short legend label (folder, initializer, learning rate); the full settings are listed above the charts.
  const label = r => {
    const info = runInfo.get(r.path);
    return info && info.init ? `${r.path.split("/").pop()}: ${info.init}, lr ${info.lr}` : r.path.split("/").pop();
  };
  const charts = el("div", { class: "charts", id: "compare-view" });
  const status = el("span", { id: "compare-status", text: `${paths.length} runs` });
  const settings = el("ul", { class: "summary" }, ...runs.map(r => el("li", { text: `${r.path}: ${summaries.get(r.path) || ""}` })));
  main.replaceChildren(el("h2", { text: "Runs compared" }), settings, el("div", { class: "toolbar" }, status, " ", scaleToggle(() => draw(true))), charts);
  let plots = [], tables = {}, pending = false, closed = false;
  const fill = key => { const t = unionTable(runs.length); runs.forEach((r, i) => r[key].forEach((y, x) => t.pending.push([i, x, y]))); mergePending(t); return t; };
  function draw(rebuild) {
    const specs = [["cmp-cost", "Training cost per step", "step", "steps"], ["cmp-acc", "Test accuracy per epoch", "epoch", "acc"], ["cmp-ecost", "Training cost per epoch", "epoch", "ecost"]];
    if (rebuild || !plots.length) {
      // Built whole from the runs' records (the log/linear switch changes every value).
      tables = Object.fromEntries(specs.map(s => [s[3], fill(s[3])]));
      const divs = specs.map(s => el("div", { class: "chart", id: s[0] }));
      const old = plots;
      plots = specs.map((s, i) => chart(divs[i], s[1], s[2], runs.map(label), tableData(tables[s[3]]), old[i]));
      old.forEach(p => p.destroy());
      charts.replaceChildren(...divs);
    } else specs.forEach((s, i) => { if (mergePending(tables[s[3]])) plots[i].set(tableData(tables[s[3]])); });
  }
  const schedule = () => { if (pending) return; pending = true; setTimeout(() => { pending = false; if (!closed) draw(false); }, 300); };
  let open = runs.length;
  const sources = runs.map((r, i) => follow(r.path, {
    record(x) {
      const add = (key, at, y) => { r[key].set(at, y); tables[key]?.pending.push([i, at, y]); };
      if (x.type === "step") add("steps", x.step, x.cost);
      else if (x.type === "epoch") { add("acc", x.epoch, x.test_accuracy); add("ecost", x.epoch, x.train_cost); }
      else if (x.type === "end") r.end = x.status;
      schedule();
    },
    done() {
      if (--open === 0) setTimeout(() => { if (!closed) { draw(false); status.textContent = runs.map(r => `${r.path.split("/").pop()}: ${r.end || "no log"}`).join(", "); main.dataset.done = "1"; } }, 350);
    },
  }));
  draw(true);
  current = { plots: () => plots, close() { closed = true; sources.forEach(s => s.close()); plots.forEach(p => p.destroy()); delete main.dataset.done; } };
}

// One column per histogram sample, from its step to the next sample's, one cell per bin, placed
// by value on a y range shared by all samples of the layer; axes in steps and values.
function heatmap(canvas, rows) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height, L = 46, B = 28, T = 4, R = 8;
  const pw = W - L - R, ph = H - B - T;
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
  let lo = Math.min(...rows.map(r => r.min ?? 0)), hi = Math.max(...rows.map(r => r.max ?? 0));
  if (hi === lo) { lo -= 1; hi += 1; }
  const s0 = rows[0].step, s1 = rows[rows.length - 1].step;
  // The last sample gets the width of a typical sample interval.
  const last = rows.length > 1 ? (s1 - s0) / (rows.length - 1) : 1, span = s1 - s0 + last;
  const xOf = s => L + (s - s0) / span * pw, yOf = v => T + ph - (v - lo) / (hi - lo) * ph;
  rows.forEach((r, i) => {
    // Shade on a log scale of the column's largest count, so a spike (ReLU's zeros) leaves the tails visible.
    const top = Math.log1p(Math.max(...r.counts)) || 1, bins = r.counts.length;
    const width = ((r.max ?? 0) - (r.min ?? 0)) / bins;
    const x0 = xOf(r.step), x1 = i + 1 < rows.length ? xOf(rows[i + 1].step) : L + pw;
    r.counts.forEach((c, b) => {
      if (!c) return;
      const v0 = (r.min ?? 0) + b * width, v1 = width > 0 ? v0 + width : v0 + (hi - lo) / 100;
      const y0 = yOf(v1), y1 = yOf(v0);
      ctx.fillStyle = `rgba(31,119,180,${(0.08 + 0.92 * Math.log1p(c) / top).toFixed(3)})`;
      ctx.fillRect(x0, y0, Math.max(x1 - x0, 1), Math.max(y1 - y0, 1));
    });
  });
  ctx.strokeStyle = "#999"; ctx.strokeRect(L, T, pw, ph);
  ctx.fillStyle = "#333"; ctx.font = "10px sans-serif"; ctx.textAlign = "right";
  for (const v of [hi, (hi + lo) / 2, lo]) ctx.fillText(fmt(v), L - 3, Math.min(H - B, Math.max(T + 8, yOf(v) + 3)));
  ctx.textAlign = "center";
  for (const s of ticks(s0, s0 + span, 4)) { const x = xOf(s); ctx.fillText(String(s), x, H - B + 11); ctx.fillRect(x, T + ph, 1, 3); }
  ctx.fillText("step", L + pw / 2, H - 3);
}

// About n round tick values in [a, b).
function ticks(a, b, n) {
  const raw = Math.max(1, (b - a) / n), p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(m => m * p).find(s => s >= raw);
  const out = [];
  for (let t = Math.ceil(a / step) * step; t < b; t += step) out.push(t);
  return out;
}

async function showSweep(path) {
  if (current) current.close();
  setHash("sweep=" + encodeURIComponent(path));
  const main = $("main");
  main.replaceChildren(el("p", { text: "loading…" }));
  let s;
  try { s = await api(`/api/sweep?path=${encodeURIComponent(path)}`); }
  catch (e) { main.replaceChildren(el("p", { class: "error", text: e.message })); return; }
  let plots = [];
  const body = el("div", { id: "sweep" });
  main.replaceChildren(el("h2", { text: `${path || "."}: ${s.runs} runs` }), el("div", { class: "toolbar" }, scaleToggle(render)), body);
  function render() {
    const old = plots;
    plots = [];
    const parts = [];
    s.groups.forEach((g, gi) => {
      const table = el("table", {}, el("tr", {}, el("th", { text: "init" }), el("th", { text: "test accuracy (mean ± sd)" }), el("th", { text: "seeds" })));
      for (const c of g.cells)
        table.append(el("tr", {}, el("td", { text: c.init }),
          el("td", { text: c.invalid ? `invalid: ${c.reason}` : `${pct(c.accuracy)} ± ${pct(c.accuracy_sd)}` }), el("td", { text: c.seeds })));
      const ok = g.cells.filter(c => !c.invalid);
      const names = ok.map(c => c.init);
      const epochs = Math.max(0, ...ok.map(c => c.test_accuracy.length));
      const xs = Array.from({ length: epochs }, (_, i) => i + 1);
      const layers = Math.max(0, ...ok.map(c => c.layers_init.length));
      const ls = Array.from({ length: layers }, (_, i) => i + 1);
      const layerName = (u, vals) => vals.map(v => v === layers ? "out" : Number.isInteger(v) ? String(v) : "");
      const dead = g.dead_label;
      const group = (title, specs) => {
        const charts = el("div", { class: "charts" });
        for (const [id, t, x, ys, isLayer] of specs) {
          const d = el("div", { class: "chart", "data-chart": `${gi}-${id}` });
          charts.append(d);
          const prev = old.find(p => p.key === `${gi}-${id}`);
          const c = chart(d, t, isLayer ? "layer" : "epoch", names, [x, ...ys], prev, isLayer ? layerName : undefined);
          c.key = `${gi}-${id}`;
          plots.push(c);
        }
        return [el("h4", { text: title }), charts];
      };
      const perLayer = (trained, f) => ok.map(c => ls.map((_, i) => forScale(f((trained ? c.layers_trained : c.layers_init)[i]))));
      const deadPct = l => l?.dead == null ? null : 100 * l.dead;
      parts.push(el("h3", { text: g.title }), table,
        ...group("Learning curves (mean over seeds)", [
          ["acc", "Test accuracy per epoch", xs, ok.map(c => xs.map((_, i) => forScale(c.test_accuracy[i])))],
          ["cost", "Training cost per epoch", xs, ok.map(c => xs.map((_, i) => forScale(c.train_cost[i])))]]),
        ...group("Signals at initialization (a batch of training images; layer \"out\" is the logits)", [
          ["std-init", "Activation sd per layer", ls, perLayer(false, l => l?.std), true],
          ...(dead ? [["dead-init", `${dead} units per layer (%)`, ls, perLayer(false, deadPct), true]] : []),
          ["grad-init", "Weight gradient norm per layer", ls, perLayer(false, l => l?.grad), true]]),
        ...group("Signals after training", [
          ["std-trained", "Activation sd per layer", ls, perLayer(true, l => l?.std), true],
          ...(dead ? [["dead-trained", `${dead} units per layer (%)`, ls, perLayer(true, deadPct), true]] : [])]));
    });
    old.forEach(p => p.destroy());
    body.replaceChildren(...parts);
  }
  render();
  main.dataset.done = "1";
  current = { plots: () => plots, close() { plots.forEach(p => p.destroy()); delete main.dataset.done; } };
}

const fmt = v => v == null ? "n/a" : Math.abs(v) >= 1000 || (Math.abs(v) < 0.001 && v !== 0) ? v.toExponential(2) : (+v).toFixed(3);
// Short tick labels: 0.25, 12, 3e+4 (uPlot's own would print 400,000 wider than its axis).
const axisNum = v => v == null ? "" : v === 0 ? "0" : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(1).replace(".0e", "e") : String(+v.toPrecision(3));
const pct = v => v == null ? "n/a" : (100 * v).toFixed(2) + "%";

// #run=PATH[&kind=K], #sweep=PATH or #compare=P1&compare=P2 opens that view (links, screenshots); &log=1 starts with log y.
function openFromHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  if (h.get("log") === "1") logScale = true;
  if (h.has("run")) showRun(h.get("run"), h.get("kind"));
  else if (h.has("sweep")) showSweep(h.get("sweep"));
  else if (h.has("compare")) { const ps = h.getAll("compare").filter(Boolean); ps.forEach(p => picked.add(p)); refreshList(); showCompare(ps); }
}

// For the browser tests: the charts of the current view (each { u: uPlot, zoom }).
window.initlab = { plots: () => current?.plots() || [] };

loadMeta().then(refreshList).then(openFromHash).catch(e => $("main").replaceChildren(el("p", { class: "error", text: e.message })));
setInterval(refreshList, 5000);
