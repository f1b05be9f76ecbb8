/*
 * The dashboard's charts, drawn with Plotly (served by the app from the installed plotly
 * package; a global `Plotly`). Each function draws one API answer into one chart element.
 */

import { label, money, percent } from "./api.js";

const COLORS = { revenue: "#2563eb", profit: "#16a34a", customers: "#f59e0b", quantity: "#7c3aed" };
const PLOT_CONFIG = { displayModeBar: false, responsive: true };

function layout(extra = {}) {
  return {
    autosize: true,
    height: 320,
    margin: { l: 56, r: 16, t: 8, b: 48 },
    font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 12 },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    legend: { orientation: "h", y: 1.12, x: 0 },
    separators: ".,",
    ...extra,
    xaxis: { automargin: true, ...extra.xaxis },
    yaxis: { automargin: true, ...extra.yaxis },
  };
}

const draw = (chart, traces, extra) => Plotly.react(chart, traces, layout(extra), PLOT_CONFIG);

export function drawTrend(chart, data) {
  const x = data.points.map((p) => p.period_start);
  const mode = data.points.length > 60 ? "lines" : "lines+markers";
  const line = (name, key, color) => ({
    type: "scatter", mode, name, x, y: data.points.map((p) => Number(p[key])),
    line: { color, width: 2 }, hovertemplate: `%{y:,.2f}<extra>${name}</extra>`,
  });
  const lines = [line("Revenue", "revenue", COLORS.revenue), line("Profit", "profit", COLORS.profit)];
  return draw(chart, lines, {
    hovermode: "x unified",
    xaxis: { type: "date" },
    yaxis: { tickformat: ",.0f", rangemode: "tozero" },
  });
}

const TOP_METRIC = {
  sales: { field: "total_sales", name: "Sales", format: ",.2f", color: COLORS.revenue },
  quantity: { field: "total_quantity", name: "Units", format: ",d", color: COLORS.quantity },
  profit: { field: "total_profit", name: "Profit", format: ",.2f", color: COLORS.profit },
};

export function drawTopProducts(chart, data) {
  const metric = TOP_METRIC[data.by];
  const items = [...data.items].reverse(); // best at the top of a horizontal bar chart
  return draw(chart, [{
    type: "bar", orientation: "h", name: metric.name, marker: { color: metric.color },
    x: items.map((i) => Number(i[metric.field])),
    y: items.map((i) => `${i.rank}. ${i.product_name}`),
    customdata: items.map((i) => i.product_category),
    hovertemplate: `%{y} (%{customdata})<br>${metric.name}: %{x:${metric.format}}<extra></extra>`,
  }], {
    margin: { l: 16, r: 16, t: 8, b: 40 },
    xaxis: { tickformat: metric.format.replace(".2f", ".0f") },
  });
}

/** Revenue and profit per category; a click on a category's bars calls `onSelect(category)`. */
export async function drawCategories(chart, data, onSelect) {
  const x = data.items.map((i) => i.category);
  const bar = (name, key, color) => ({
    type: "bar", name, x, y: data.items.map((i) => Number(i[key])), marker: { color },
    customdata: data.items.map((i) => percent(i.revenue_share_pct)),
    hovertemplate: `%{x}<br>${name}: %{y:,.2f}<br>%{customdata} of revenue<extra></extra>`,
  });
  const bars = [
    bar("Revenue", "total_revenue", COLORS.revenue), bar("Profit", "total_profit", COLORS.profit),
  ];
  await draw(chart, bars, { barmode: "group", yaxis: { tickformat: ",.0f" } });
  if (!chart.dataset.clickable) {
    chart.dataset.clickable = "yes";
    chart.on("plotly_click", (event) => onSelect(event.points[0].x));
  }
}

/** Revenue (left axis) and customers (right axis) side by side per segment. */
export function drawSegments(chart, segments) {
  const x = segments.map((s) => label(s.value));
  return draw(chart, [
    {
      type: "bar", name: "Revenue", x, y: segments.map((s) => Number(s.revenue)), offsetgroup: 1,
      marker: { color: COLORS.revenue }, hovertemplate: "%{x}<br>Revenue: %{y:,.2f}<extra></extra>",
    },
    {
      type: "bar", name: "Customers", x, y: segments.map((s) => s.customers), offsetgroup: 2,
      yaxis: "y2", marker: { color: COLORS.customers },
      hovertemplate: "%{x}<br>Customers: %{y:,d}<extra></extra>",
    },
  ], {
    barmode: "group", margin: { l: 56, r: 48, t: 8, b: 48 },
    yaxis: { title: { text: "Revenue" }, tickformat: ",.0f" },
    yaxis2: {
      title: { text: "Customers" }, overlaying: "y", side: "right", tickformat: ",d",
      tickmode: "auto", showgrid: false, rangemode: "tozero",
    },
  });
}

export function drawPayments(chart, data) {
  const rows = data.by_payment_method;
  return draw(chart, [{
    type: "pie", hole: 0.5, sort: false, textposition: "inside", texttemplate: "%{percent:.1%}",
    labels: rows.map((r) => label(r.value)), values: rows.map((r) => r.orders),
    customdata: rows.map((r) => money(r.revenue)),
    hovertemplate:
      "%{label}<br>%{value:,d} orders (%{percent})<br>Revenue: %{customdata}<extra></extra>",
  }], {
    margin: { l: 16, r: 16, t: 8, b: 8 }, legend: { orientation: "v", x: 1, y: 0.5 },
    uniformtext: { minsize: 10, mode: "hide" }, // too-small slices show their share on hover only
  });
}

export function drawDiscounts(chart, data) {
  const section = chart.closest("section");
  section.querySelector(".reading").textContent = data.reading;
  const x = data.levels.map((l) => percent(Number(l.discount) * 100).replace(".00", ""));
  const bar = (name, key, color) => ({
    type: "bar", name, x, y: data.levels.map((l) => Number(l[key])), marker: { color },
    customdata: data.levels.map((l) => l.item_count),
    hovertemplate: `Discount %{x}<br>${name}: %{y:,.2f}<br>%{customdata:,d} items<extra></extra>`,
  });
  const bars = [bar("Sales", "total_sales", COLORS.revenue), bar("Profit", "total_profit", COLORS.profit)];
  return draw(chart, bars, {
    barmode: "group",
    xaxis: { type: "category", title: { text: "Discount" } },
    yaxis: { tickformat: ",.0f" },
  });
}
