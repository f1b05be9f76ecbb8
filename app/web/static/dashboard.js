/*
 * The analytics dashboard. Every number is fetched from this app's API (REST under /analytics,
 * GraphQL at /graphql; helpers in api.js) and drawn with Plotly (charts.js), which the app serves
 * from the installed plotly package. Nothing is computed here except display-level arithmetic on
 * the API's own totals (margin = profit / revenue).
 *
 * The filters (order-date range, category) apply to every panel: each panel's request carries
 * them, and a panel is re-queried when its request changes. A panel's `sources` (the REST calls
 * it draws) make its request, its fetch and its "Download CSV" links, so each link is exactly the
 * call the panel made, plus format=csv. The customer lookup (lookup.js)
 * shows lifetime values, which are all-time by definition.
 */

import {
  ApiError, count, forgetShared, money, percent, ratio, rest, sharedRest, showDownloads,
} from "./api.js";
import {
  drawCategories, drawDiscounts, drawPayments, drawSegments, drawTopProducts, drawTrend,
} from "./charts.js";
import { loadTopCustomers, lookUp } from "./lookup.js";

/* ---------- filters ---------- */

const state = { date_from: "", date_to: "", category: "", granularity: "month", topBy: "sales" };
const URL_KEYS = ["date_from", "date_to", "category", "granularity", "topBy"];

/** The filters every panel's request carries (empty ones are left out of the URL). */
const filters = () => ({ date_from: state.date_from, date_to: state.date_to, category: state.category });

function readUrlState() {
  const query = new URLSearchParams(window.location.search);
  for (const key of URL_KEYS) if (query.get(key)) state[key] = query.get(key);
}

function writeUrlState() {
  const query = new URLSearchParams();
  for (const key of URL_KEYS) if (state[key]) query.set(key, state[key]);
  history.replaceState(null, "", `${window.location.pathname}?${query}`);
}

/* ---------- panels: loading, error and empty states ---------- */

function setState(section, name, message = "", retry = null) {
  section.dataset.state = name;
  const text = section.querySelector('[data-role="state"]');
  text.replaceChildren(message);
  if (retry) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Retry";
    button.addEventListener("click", retry);
    text.append(" ", button);
  }
}

/** Query a panel if its request changed (or `force`), then draw it; stale answers are dropped.
 * Its download links follow the request at once. */
async function refresh(panel, force = false) {
  const section = document.getElementById(panel.id);
  const sources = panel.sources();
  const key = JSON.stringify(sources);
  const title = section.querySelector("h2")?.textContent ?? section.getAttribute("aria-label");
  showDownloads(section.querySelector(".downloads"), sources, title);
  if (!force && key === panel.key && section.dataset.state === "ready") return;
  panel.controller?.abort();
  const controller = (panel.controller = new AbortController());
  setState(section, "loading", "Loading…");
  try {
    const chart = section.querySelector(".chart");
    if (chart && !window.Plotly) throw new ApiError("the chart library did not load");
    const data = await panel.load(controller.signal);
    if (controller.signal.aborted) return;
    panel.key = key;
    if (panel.isEmpty?.(data)) {
      if (chart) Plotly.purge(chart);
      section.querySelector(".reading")?.replaceChildren();
      setState(section, "empty", "No data for these filters.");
      return;
    }
    await panel.draw(chart ?? section, data);
    setState(section, "ready");
  } catch (error) {
    if (error.name === "AbortError") return;
    console.warn(`panel ${panel.id}:`, error);
    setState(section, "error", `Could not load: ${error.message}.`, () => refresh(panel, true));
  }
}

/* ---------- KPIs ---------- */

async function loadKpis(signal) {
  const [orders, customers] = await Promise.all(
    this.sources().map(([path, params]) => rest(path, params, signal)),
  );
  return { orders, customers };
}

function drawKpis(section, { orders, customers }) {
  const values = {
    revenue: money(orders.total_revenue),
    profit: money(orders.total_profit),
    margin: ratio(Number(orders.total_profit), Number(orders.total_revenue)),
    orders: count(orders.order_count),
    aov: money(orders.average_order_value),
    customers: count(customers.total_customers),
    urgent: percent(orders.high_or_critical_pct),
  };
  for (const [key, text] of Object.entries(values)) {
    section.querySelector(`[data-kpi="${key}"]`).textContent = text;
  }
  section.querySelector('[data-note="urgent"]').textContent =
    `${count(orders.high_or_critical_orders)} of ${count(orders.order_count)} orders`;
  section.querySelector("#kpi-source").textContent =
    `${scopeText()} From /analytics/orders/ and /analytics/customers/; margin = profit ÷ revenue.`;
}

/** What the KPIs count under the current filters, in words. */
function scopeText() {
  const { date_from: from, date_to: to, category } = state;
  if (!from && !to && !category) return "All orders and customers.";
  const dates = from && to ? ` dated ${from} to ${to}` : from ? ` from ${from}` : to ? ` up to ${to}` : "";
  const holding = category ? ` holding a ${category} item (revenue and profit: those items)` : "";
  return `Orders${dates}${holding}, and their customers.`;
}

/* ---------- the panels ---------- */

const CATEGORIES = ["/analytics/top-categories/", { limit: 100 }]; // every category, by revenue
const behaviour = () => [["/analytics/purchase-behaviour/", filters()]];

/** A panel's load drawn from its one source; `fetchShared` shares the answer between panels. */
function fetchOne(signal) {
  const [[path, params]] = this.sources();
  return rest(path, params, signal);
}
function fetchShared() {
  const [[path, params]] = this.sources();
  return sharedRest(path, params);
}

const PANELS = [
  {
    id: "kpis",
    sources: () => [
      ["/analytics/orders/", filters(), "orders"],
      ["/analytics/customers/", filters(), "customers"],
    ],
    load: loadKpis, draw: drawKpis,
  },
  {
    id: "trend",
    sources: () => [["/analytics/revenue-trend/", { ...filters(), granularity: state.granularity }]],
    load: fetchOne, isEmpty: (d) => d.points.length === 0, draw: drawTrend,
  },
  {
    id: "top-products",
    sources: () => [["/analytics/top-products/", { ...filters(), by: state.topBy, limit: 10 }]],
    load: fetchOne, isEmpty: (d) => d.items.length === 0, draw: drawTopProducts,
  },
  {
    id: "categories",
    sources: () => [[CATEGORIES[0], { ...CATEGORIES[1], ...filters() }]],
    load: fetchOne,
    isEmpty: (d) => d.items.length === 0, draw: (c, d) => drawCategories(c, d, selectCategory),
  },
  {
    id: "devices", sources: behaviour, load: fetchShared,
    isEmpty: (d) => d.by_device_type.length === 0, draw: (c, d) => drawSegments(c, d.by_device_type),
  },
  {
    id: "logins", sources: behaviour, load: fetchShared,
    isEmpty: (d) => d.by_login_type.length === 0, draw: (c, d) => drawSegments(c, d.by_login_type),
  },
  {
    id: "payments", sources: behaviour, load: fetchShared,
    isEmpty: (d) => d.by_payment_method.length === 0, draw: drawPayments,
  },
  {
    id: "discounts",
    sources: () => [["/analytics/discount-impact/", filters()]],
    load: fetchOne, isEmpty: (d) => d.levels.length === 0, draw: drawDiscounts,
  },
];

const refreshAll = () => Promise.all(PANELS.map((panel) => refresh(panel)));

/* ---------- wiring ---------- */

async function loadCategories() {
  const select = document.getElementById("category");
  try {
    const data = await sharedRest(...CATEGORIES); // unfiltered: the choices are every category
    const names = data.items.map((i) => i.category).sort();
    select.append(...names.map((name) => new Option(name, name)));
    select.value = state.category;
  } catch (error) {
    document.getElementById("filter-error").textContent = `Categories not available: ${error.message}.`;
  }
}

function selectCategory(name) {
  document.getElementById("category").value = name;
  onFiltersChanged();
}

function onFiltersChanged() {
  const form = document.getElementById("filters");
  const problem = document.getElementById("filter-error");
  const next = {
    date_from: form.date_from.value, date_to: form.date_to.value, category: form.category.value,
  };
  if (next.date_from && next.date_to && next.date_from > next.date_to) {
    problem.textContent = "“From” must be on or before “To”.";
    return;
  }
  problem.textContent = "";
  Object.assign(state, next);
  forgetShared();
  writeUrlState();
  refreshAll();
}

function wire() {
  const form = document.getElementById("filters");
  form.date_from.value = state.date_from;
  form.date_to.value = state.date_to;
  form.addEventListener("change", onFiltersChanged);
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("reset", () => setTimeout(onFiltersChanged)); // after the inputs clear

  for (const [name, key] of [["granularity", "granularity"], ["top-by", "topBy"]]) {
    for (const input of document.querySelectorAll(`input[name="${name}"]`)) {
      input.checked = input.value === state[key];
      input.addEventListener("change", () => {
        state[key] = input.value;
        writeUrlState();
        refreshAll();
      });
    }
  }

  document.getElementById("lookup").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = document.getElementById("customer-id").value.trim();
    if (id) lookUp(id, setState);
  });
}

readUrlState();
wire();
loadCategories();
loadTopCustomers(setState);
refreshAll();
