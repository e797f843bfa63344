// InitLab live view: lists runs and sweeps, follows a run's training log over server-sent events,
// draws scalars with uPlot (hover, legend toggling, drag-zoom, log/linear) and histograms as heat maps.
"use strict";
const $ = id => document.getElementById(id);
const colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];
let current = null;          // what the main area shows: { close() }
let logScale = false;

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
  const runs = $("runs"); runs.replaceChildren();
  for (const r of l.runs) {
    const a = el("a", { text: r.path, title: r.summary, "data-path": r.path });
    a.onclick = () => showRun(r.path);
    runs.append(el("li", {}, a, el("span", { class: "status", text: r.status })));
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
    await refreshList();
    showRun(r.path);
  } catch (e) { $("form-error").textContent = e.message; }
};

function chartOpts(title, xLabel, series, width) {
  return {
    title, width: width || 520, height: 260,
    scales: { x: { time: false }, y: logScale ? { distr: 3 } : {} },
    axes: [{ label: xLabel }, {}],
    series: [{ label: xLabel }, ...series.map((s, i) => ({ label: s, stroke: colors[i % colors.length], width: 1.5, spanGaps: true }))],
    cursor: { drag: { x: true, y: true, uni: 30 } },
  };
}

function scaleToggle(redraw) {
  const b = el("button", { id: "scale", text: logScale ? "linear y" : "log y" });
  b.onclick = () => { logScale = !logScale; b.textContent = logScale ? "linear y" : "log y"; redraw(); };
  return b;
}

// Positive values only on a log axis.
const forScale = v => v == null || !Number.isFinite(v) || (logScale && v <= 0) ? null : v;

function showRun(path) {
  if (current) current.close();
  const main = $("main");
  const state = { steps: [], costs: [], epochs: [], acc: [], ecost: [], hists: new Map(), end: null, sampled: [] };
  const status = el("span", { id: "run-status", text: "connecting" });
  const stop = el("button", { id: "stop", text: "Stop" });
  stop.onclick = async () => { try { await api(`/api/stop?path=${encodeURIComponent(path)}`, { method: "POST" }); } catch (e) { status.textContent = e.message; } };
  const kind = el("select", { id: "kind" });
  for (const k of ["activation", "preactivation", "weight", "gradient"]) kind.append(el("option", { value: k, text: k }));
  const charts = el("div", { class: "charts" });
  const hists = el("div", { class: "hists", id: "hists" });
  main.replaceChildren(el("h2", { text: path }), el("div", { class: "toolbar" }, status, " ", stop, scaleToggle(() => draw(true)), kind),
    charts, el("h3", { text: "Per-layer histograms over steps (x: step, y: value, darker: more values)" }), hists);
  kind.onchange = () => drawHists();
  let costPlot = null, accPlot = null, pending = false, closed = false;

  function draw(rebuild) {
    if (rebuild || !costPlot) {
      charts.replaceChildren();
      costPlot?.destroy(); accPlot?.destroy();
      const c1 = el("div", { class: "chart", id: "cost-chart" }), c2 = el("div", { class: "chart", id: "acc-chart" });
      charts.append(c1, c2);
      costPlot = new uPlot(chartOpts("Training cost per step", "step", ["batch cost"]), [[], []], c1);
      accPlot = new uPlot(chartOpts("Per epoch", "epoch", ["test accuracy", "train cost"]), [[], [], []], c2);
    }
    costPlot.setData([state.steps, state.costs.map(forScale)]);
    accPlot.setData([state.epochs, state.acc.map(forScale), state.ecost.map(forScale)]);
    drawHists();
  }

  function drawHists() {
    const k = kind.value;
    const layers = [...new Set([...state.hists.keys()].filter(key => key.endsWith("/" + k)).map(key => +key.split("/")[0]))].sort((a, b) => a - b);
    hists.replaceChildren();
    for (const layer of layers) {
      const rows = state.hists.get(`${layer}/${k}`);
      const canvas = el("canvas", { width: 260, height: 140, "data-layer": layer });
      heatmap(canvas, rows);
      const last = rows[rows.length - 1];
      hists.append(el("div", { class: "hist" }, el("div", { text: `layer ${layer} ${k}: [${fmt(last.min)}, ${fmt(last.max)}] mean ${fmt(last.mean)} sd ${fmt(last.std)}` }), canvas));
    }
  }

  function schedule() {
    if (pending) return;
    pending = true;
    setTimeout(() => { pending = false; if (!closed) draw(false); }, 300);
  }

  const source = new EventSource(`/api/events?path=${encodeURIComponent(path)}`);
  source.onmessage = ev => {
    const r = JSON.parse(ev.data);
    if (r.type === "step") { state.steps.push(r.step); state.costs.push(r.cost); }
    else if (r.type === "epoch") { state.epochs.push(r.epoch); state.acc.push(r.test_accuracy); state.ecost.push(r.train_cost); status.textContent = `epoch ${r.epoch}/${r.epochs}: accuracy ${fmt(r.test_accuracy)}`; }
    else if (r.type === "hist") { const key = `${r.layer}/${r.kind}`; if (!state.hists.has(key)) state.hists.set(key, []); state.hists.get(key).push(r); }
    else if (r.type === "end") { state.end = r; status.textContent = r.status + (r.message ? `: ${r.message}` : ""); stop.disabled = true; refreshList(); }
    else if (r.type === "start") status.textContent = "training";
    schedule();
  };
  source.addEventListener("done", () => {
    source.close();
    if (!state.end && state.steps.length === 0) { status.textContent = "no training log in this run"; showMetricsOnly(path, charts); }
    main.dataset.done = "1";
  });
  source.onerror = () => { if (source.readyState === EventSource.CLOSED) status.textContent += " (disconnected)"; };
  draw(true);
  current = { close() { closed = true; source.close(); costPlot?.destroy(); accPlot?.destroy(); } };
}

async function showMetricsOnly(path, charts) {
  const r = await api(`/api/run?path=${encodeURIComponent(path)}`);
  charts.replaceChildren();
  const c = el("div", { class: "chart" }); charts.append(c);
  new uPlot(chartOpts("Per epoch", "epoch", ["test accuracy", "train cost"]),
    [r.metrics.map(m => m.epoch), r.metrics.map(m => forScale(m.test_accuracy)), r.metrics.map(m => forScale(m.train_cost))], c);
}

// One column per sample, one cell per bin, placed by value on a y range shared by all samples of the layer.
function heatmap(canvas, rows) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
  let lo = Math.min(...rows.map(r => r.min ?? 0)), hi = Math.max(...rows.map(r => r.max ?? 0));
  if (hi === lo) { lo -= 1; hi += 1; }
  const cw = W / rows.length;
  rows.forEach((r, i) => {
    const total = r.counts.reduce((a, b) => a + b, 0) || 1, bins = r.counts.length;
    const width = ((r.max ?? 0) - (r.min ?? 0)) / bins;
    r.counts.forEach((c, b) => {
      if (!c) return;
      const v0 = (r.min ?? 0) + b * width, v1 = width > 0 ? v0 + width : v0 + (hi - lo) / 100;
      const y0 = H - (v1 - lo) / (hi - lo) * H, y1 = H - (v0 - lo) / (hi - lo) * H;
      ctx.fillStyle = `rgba(31,119,180,${Math.min(1, 0.15 + 3 * c / total)})`;
      ctx.fillRect(i * cw, y0, Math.max(cw, 1), Math.max(y1 - y0, 1));
    });
  });
  ctx.fillStyle = "#333"; ctx.font = "10px sans-serif";
  ctx.fillText(fmt(hi), 2, 10); ctx.fillText(fmt(lo), 2, H - 2);
  ctx.fillText(`step ${rows[rows.length - 1].step}`, W - 60, H - 2);
}

async function showSweep(path) {
  if (current) current.close();
  const main = $("main");
  main.replaceChildren(el("p", { text: "loading…" }));
  let s;
  try { s = await api(`/api/sweep?path=${encodeURIComponent(path)}`); }
  catch (e) { main.replaceChildren(el("p", { class: "error", text: e.message })); return; }
  const plots = [];
  const body = el("div", { id: "sweep" });
  main.replaceChildren(el("h2", { text: `${path || "."}: ${s.runs} runs` }), el("div", { class: "toolbar" }, scaleToggle(render)), body);
  function render() {
    plots.forEach(p => p.destroy()); plots.length = 0; body.replaceChildren();
    for (const g of s.groups) {
      const table = el("table", {}, el("tr", {}, el("th", { text: "init" }), el("th", { text: "test accuracy (mean ± sd)" }), el("th", { text: "seeds" })));
      for (const c of g.cells)
        table.append(el("tr", {}, el("td", { text: c.init }),
          el("td", { text: c.invalid ? `invalid: ${c.reason}` : `${pct(c.accuracy)} ± ${pct(c.accuracy_sd)}` }), el("td", { text: c.seeds })));
      const charts = el("div", { class: "charts" });
      body.append(el("h3", { text: g.title }), table, charts);
      const ok = g.cells.filter(c => !c.invalid);
      const epochs = Math.max(0, ...ok.map(c => c.test_accuracy.length));
      const xs = Array.from({ length: epochs }, (_, i) => i + 1);
      const names = ok.map(c => c.init);
      const add = (title, xLabel, x, ys) => { const d = el("div", { class: "chart" }); charts.append(d); plots.push(new uPlot(chartOpts(title, xLabel, names), [x, ...ys], d)); };
      add("Test accuracy per epoch", "epoch", xs, ok.map(c => xs.map((_, i) => forScale(c.test_accuracy[i]))));
      add("Training cost per epoch", "epoch", xs, ok.map(c => xs.map((_, i) => forScale(c.train_cost[i]))));
      const layers = Math.max(0, ...ok.map(c => c.layers_init.length));
      const ls = Array.from({ length: layers }, (_, i) => i + 1);
      add("Activation sd per layer at init", "layer", ls, ok.map(c => ls.map((_, i) => forScale(c.layers_init[i]?.std))));
    }
  }
  render();
  main.dataset.done = "1";
  current = { close() { plots.forEach(p => p.destroy()); } };
}

const fmt = v => v == null ? "n/a" : Math.abs(v) >= 1000 || (Math.abs(v) < 0.001 && v !== 0) ? v.toExponential(2) : (+v).toFixed(3);
const pct = v => v == null ? "n/a" : (100 * v).toFixed(2) + "%";

loadMeta().then(refreshList).catch(e => $("main").replaceChildren(el("p", { class: "error", text: e.message })));
setInterval(refreshList, 5000);
