// Plotly charts of the workbench. A chart is created once; live data is appended with Plotly.extendTraces in
// batches the server collects, so a chart with tens of thousands of points never re-sends or re-parses them.
// Plotly itself (a 4.8 MB script) is loaded the first time a page shows a chart, from the Plotly.Blazor static
// assets: same origin, so the Content-Security-Policy (script-src 'self') allows it, and nothing comes from a CDN.

let loading = null;

function ensurePlotly(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        loading = null;
        reject(new Error("Plotly could not be loaded from " + src));
      };
      document.head.appendChild(script);
    });
  }
  return loading;
}

const palettes = {
  light: { font: "rgba(0,0,0,0.87)", grid: "rgba(0,0,0,0.10)", zero: "rgba(0,0,0,0.25)", hover: "#ffffff" },
  dark: { font: "rgba(255,255,255,0.85)", grid: "rgba(255,255,255,0.12)", zero: "rgba(255,255,255,0.3)", hover: "#32333d" },
};

const colorway = ["#2e6f73", "#d9734e", "#5b8def", "#a259c4", "#3fa34d", "#c9a227", "#e05d8f", "#7f7f7f"];
const darkColorway = ["#6cc3c7", "#f29a78", "#8fb3ff", "#c99be0", "#7fd18a", "#e8c95a", "#f08db3", "#bdbdbd"];

function axisTheme(p) {
  return { gridcolor: p.grid, zerolinecolor: p.zero, linecolor: p.grid, tickfont: { color: p.font }, title: { font: { color: p.font } } };
}

// The parts of a layout that follow the theme; merged into every layout and applied again on a theme switch.
function themeLayout(dark, layout) {
  const p = dark ? palettes.dark : palettes.light;
  const themed = {
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { color: p.font, family: "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", size: 12 },
    colorway: dark ? darkColorway : colorway,
    hoverlabel: { bgcolor: p.hover, font: { color: p.font } },
    legend: { font: { color: p.font } },
  };
  for (const key of Object.keys(layout || {})) {
    if (/^[xy]axis\d*$/.test(key)) themed[key] = axisTheme(p);
  }
  return themed;
}

function merge(target, source) {
  for (const [key, value] of Object.entries(source)) {
    if (value && typeof value === "object" && !Array.isArray(value) && target[key] && typeof target[key] === "object") {
      merge(target[key], value);
    } else {
      target[key] = value;
    }
  }
  return target;
}

// Relayout takes "a.b.c" keys; nested objects there would replace whole sub-objects such as an axis' range.
function flatten(source, prefix, into) {
  for (const [key, value] of Object.entries(source)) {
    const path = prefix ? prefix + "." + key : key;
    if (value && typeof value === "object" && !Array.isArray(value)) flatten(value, path, into);
    else into[path] = value;
  }
  return into;
}

const config = {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "toggleSpikelines"],
  toImageButtonOptions: { format: "png", scale: 2 },
};

function traceOf(spec) {
  const trace = {
    type: spec.type || "scatter",
    mode: spec.mode || "lines",
    name: spec.name,
    x: [],
    y: [],
    line: { width: 2 },
    hovertemplate: "%{y:.4g}<extra>%{fullData.name}</extra>",
  };
  if (spec.color) trace.line.color = spec.color;
  if (spec.color) trace.marker = { color: spec.color };
  if (spec.dash) trace.line.dash = spec.dash;
  if (spec.axis === 2) trace.yaxis = "y2";
  if (spec.hidden) trace.visible = "legendonly";
  return trace;
}

const state = new WeakMap();

/** Creates an empty live chart with the given series and layout in element. */
export async function create(element, src, layout, series, dark) {
  const Plotly = await ensurePlotly(src);
  const full = merge(structuredClone(layout || {}), themeLayout(dark, layout));
  full.xaxis = full.xaxis || {};
  full.uirevision = "keep";
  await Plotly.newPlot(element, series.map(traceOf), full, config);
  state.set(element, { dark, layout });
  return element.data.length;
}

/**
 * Adds new series and appends points. Each series carries the index its first point has in the full series, so a
 * batch that arrives twice (a retry after a lost reply) adds nothing twice; the reply is every trace's length,
 * which the server takes as the next starting points.
 */
export async function append(element, batch) {
  const Plotly = window.Plotly;
  if (!Plotly || !element || !element.data) return null;
  if (batch.added && batch.added.length) {
    const fresh = batch.added.filter((a) => a.index >= element.data.length).sort((a, b) => a.index - b.index);
    if (fresh.length) await Plotly.addTraces(element, fresh.map((a) => traceOf(a.series)));
  }
  if (batch.replace) {
    for (const s of batch.series) {
      if (s.index >= element.data.length) continue;
      element.data[s.index].x = s.x.slice();
      element.data[s.index].y = s.y.slice();
    }
    await Plotly.redraw(element);
    return element.data.map((t) => t.x.length);
  }
  const xs = [];
  const ys = [];
  const indices = [];
  for (const s of batch.series) {
    if (s.index >= element.data.length) continue;
    const have = element.data[s.index].x.length;
    if (s.start > have) continue; // a gap: the reply tells the server where to resume
    const skip = have - s.start;
    if (skip >= s.x.length) continue;
    xs.push(s.x.slice(skip));
    ys.push(s.y.slice(skip));
    indices.push(s.index);
  }
  if (indices.length) await Plotly.extendTraces(element, { x: xs, y: ys }, indices);
  return element.data.map((t) => t.x.length);
}

/** Draws a complete figure (static charts and heatmaps), replacing what was there. */
export async function render(element, src, data, layout, dark) {
  const Plotly = await ensurePlotly(src);
  const full = merge(structuredClone(layout || {}), themeLayout(dark, layout));
  await Plotly.react(element, data, full, config);
  state.set(element, { dark, layout });
}

/** Re-colours an existing chart for the light or dark theme. */
export async function setTheme(element, dark) {
  const entry = state.get(element);
  if (!window.Plotly || !entry || !element.data) return;
  entry.dark = dark;
  await window.Plotly.relayout(element, flatten(themeLayout(dark, entry.layout), "", {}));
}

/** Lengths of every trace (what the chart holds). */
export function lengths(element) {
  return element && element.data ? element.data.map((t) => t.x.length) : null;
}

export function dispose(element) {
  if (window.Plotly && element) window.Plotly.purge(element);
  if (element) state.delete(element);
}
