"use strict";
/*
 * The analytics dashboard. Every number is fetched from this app's API (REST under /analytics,
 * GraphQL at /graphql) and drawn with Plotly, which the app serves from the installed plotly
 * package. Nothing is computed here except display-level arithmetic on the API's own totals
 * (margin = profit / revenue, average order value = revenue / orders, and, when a category is
 * chosen, the sum of the category's revenue-trend periods).
 *
 * Each panel declares the filters its endpoint accepts; a panel is re-queried when its request
 * changes, and says so when an active filter does not apply to it.
 */

const LOCALE = "en-US";
const NUMBER = {
  money: new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  count: new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 }),
  percent: new Intl.NumberFormat(LOCALE, {
    style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2,
  }),
};
const DASH = "–";
const COLORS = { revenue: "#2563eb", profit: "#16a34a", customers: "#f59e0b", quantity: "#7c3aed" };
const PLOT_CONFIG = { displayModeBar: false, responsive: true };

/* ---------- formatting ---------- */

// Money arrives as an exact decimal string ("104260.00"); Intl formats decimal strings exactly.
const money = (value) => (value == null ? DASH : NUMBER.money.format(value));
const count = (value) => (value == null ? DASH : NUMBER.count.format(value));
// The API's percentages are strings on a 0–100 scale ("40.29").
const percent = (value) => (value == null ? DASH : NUMBER.percent.format(Number(value) / 100));
const ratio = (num, den) => (den ? NUMBER.percent.format(num / den) : DASH);
const label = (value) => String(value).replaceAll("_", " ");

/** Exact sum of 2-decimal money strings, in cents (BigInt), back as a 2-decimal string. */
function sumMoney(values) {
  let cents = 0n;
  for (const value of values) {
    const [whole, fraction = ""] = value.split(".");
    const sign = whole.startsWith("-") ? -1n : 1n;
    cents += BigInt(whole) * 100n + sign * BigInt((fraction + "00").slice(0, 2));
  }
  const sign = cents < 0n ? "-" : "";
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}

/* ---------- API ---------- */

class ApiError extends Error {}

/** The message of an RFC 9457 problem: its detail, or each invalid parameter and why. */
function problemMessage(status, body) {
  if (body && Array.isArray(body.errors) && body.errors.length) {
    return body.errors.map((e) => e.message || `${e.parameter}: invalid`).join("; ");
  }
  if (body && body.detail) return `${body.detail} (HTTP ${status})`;
  return `the API answered HTTP ${status}`;
}

async function fetchJSON(url, options) {
  let response;
  try {
    const headers = { Accept: "application/json", ...options.headers };
    response = await fetch(url, { ...options, headers });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(`cannot reach the API (${error.message})`);
  }
  const body = await response.json().catch(() => null);
  return { response, body };
}

async function rest(path, params = {}, signal = undefined) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  const { response, body } = await fetchJSON(url, { signal, headers: {} });
  if (!response.ok) throw new ApiError(problemMessage(response.status, body));
  if (body === null) throw new ApiError(`${path} did not answer JSON`);
  return body;
}

/** A GraphQL query; resolves to `{data, errors}` (errors are the caller's to interpret). */
async function graphql(query, variables, signal = undefined) {
  const { response, body } = await fetchJSON("/graphql", {
    method: "POST",
    signal,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  if (!body) throw new ApiError(`GraphQL answered HTTP ${response.status}`);
  return body;
}

/** One request shared by the panels drawn from the same unfiltered endpoint (dropped on failure). */
const shared = new Map();
function sharedRest(path) {
  if (!shared.has(path)) {
    shared.set(path, rest(path).catch((error) => {
      shared.delete(path);
      throw error;
    }));
  }
  return shared.get(path);
}

/* ---------- filters ---------- */

const state = { date_from: "", date_to: "", category: "", granularity: "month", topBy: "sales" };
const URL_KEYS = ["date_from", "date_to", "category", "granularity", "topBy"];

const dates = () => ({ date_from: state.date_from, date_to: state.date_to });

function readUrlState() {
  const query = new URLSearchParams(window.location.search);
  for (const key of URL_KEYS) if (query.get(key)) state[key] = query.get(key);
}

function writeUrlState() {
  const query = new URLSearchParams();
  for (const key of URL_KEYS) if (state[key]) query.set(key, state[key]);
  history.replaceState(null, "", `${window.location.pathname}?${query}`);
}

/** The active filters a panel's endpoint does not accept: [["dates", "date"], …]. */
function ignoredFilters(supported) {
  const ignored = [];
  if ((state.date_from || state.date_to) && !supported.includes("dates")) ignored.push(["dates", "date"]);
  if (state.category && !supported.includes("category")) ignored.push(["categories", "category"]);
  return ignored;
}

const allOf = (ignored) => ignored.map(([plural]) => `all ${plural}`).join(" and ");

/** "Showing all dates: …" when an active filter does not apply to the panel, else "". */
function scopeNote(supported) {
  const ignored = ignoredFilters(supported);
  if (!ignored.length) return "";
  const names = ignored.map(([, one]) => one).join(" or ");
  return `Showing ${allOf(ignored)}: the API has no ${names} filter for this yet.`;
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

/** Query a panel if its request changed (or `force`), then draw it; stale answers are dropped. */
async function refresh(panel, force = false) {
  const section = document.getElementById(panel.id);
  const scope = section.querySelector(".scope");
  if (scope) scope.textContent = scopeNote(panel.filters);
  const key = JSON.stringify(panel.request());
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

/* ---------- charts ---------- */

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

function drawTrend(chart, data) {
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

function drawTopProducts(chart, data) {
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

async function drawCategories(chart, data) {
  const x = data.items.map((i) => i.category);
  const bar = (name, key, color) => ({
    type: "bar", name, x, y: data.items.map((i) => Number(i[key])), marker: { color },
    hovertemplate: `%{x}<br>${name}: %{y:,.2f}<extra></extra>`,
  });
  const bars = [
    bar("Revenue", "total_revenue", COLORS.revenue), bar("Profit", "total_profit", COLORS.profit),
  ];
  await draw(chart, bars, { barmode: "group", yaxis: { tickformat: ",.0f" } });
  if (!chart.dataset.clickable) { // a click on a category's bars filters the page by it
    chart.dataset.clickable = "yes";
    chart.on("plotly_click", (event) => selectCategory(event.points[0].x));
  }
}

/** Revenue (left axis) and customers (right axis) side by side per segment. */
function drawSegments(chart, segments) {
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

function drawPayments(chart, data) {
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

function drawDiscounts(chart, data) {
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

/* ---------- KPIs ---------- */

/** Revenue, profit and orders: /analytics/revenue/ (dates), or the category's trend summed. */
async function loadTotals(signal) {
  if (!state.category) {
    const r = await rest("/analytics/revenue/", dates(), signal);
    return {
      revenue: r.total_revenue, profit: r.total_profit, orders: r.order_count,
      source: "/analytics/revenue/",
    };
  }
  const params = { ...dates(), category: state.category, granularity: "month" };
  const trend = await rest("/analytics/revenue-trend/", params, signal);
  return {
    revenue: sumMoney(trend.points.map((p) => p.revenue)),
    profit: sumMoney(trend.points.map((p) => p.profit)),
    orders: trend.points.reduce((n, p) => n + p.order_count, 0),
    source: `/analytics/revenue-trend/ (orders with a ${state.category} item)`,
  };
}

async function loadKpis(signal) {
  const [totals, customers, orders] = await Promise.all([
    loadTotals(signal),
    rest("/analytics/customers/", {}, signal),
    rest("/analytics/orders/", {}, signal),
  ]);
  return { totals, customers, orders };
}

function drawKpis(section, { totals, customers, orders }) {
  const revenue = Number(totals.revenue);
  const values = {
    revenue: money(totals.revenue),
    profit: money(totals.profit),
    margin: ratio(Number(totals.profit), revenue),
    orders: count(totals.orders),
    aov: totals.orders ? money(revenue / totals.orders) : DASH,
    customers: count(customers.total_customers),
    urgent: percent(orders.high_or_critical_pct),
  };
  for (const [key, text] of Object.entries(values)) {
    section.querySelector(`[data-kpi="${key}"]`).textContent = text;
  }
  const ignored = ignoredFilters([]); // the customers and priority overviews take no filters
  const unfiltered = ignored.length ? `${allOf(ignored)} (no filter in the API yet)` : "";
  section.querySelector('[data-note="customers"]').textContent = unfiltered;
  section.querySelector('[data-note="urgent"]').textContent =
    unfiltered || `${count(orders.high_or_critical_orders)} of ${count(orders.order_count)} orders`;
  section.querySelector("#kpi-source").textContent =
    `Revenue, profit and orders from ${totals.source}; margin = profit ÷ revenue; ` +
    "average order value = revenue ÷ orders.";
}

/* ---------- the panels ---------- */

const CATEGORIES = "/analytics/top-categories/?limit=100"; // every category, by revenue

const PANELS = [
  {
    id: "kpis", filters: ["dates", "category"],
    request: () => [dates(), state.category],
    load: loadKpis, draw: drawKpis,
  },
  {
    id: "trend", filters: ["dates", "category"],
    request: () => ({ ...dates(), category: state.category, granularity: state.granularity }),
    load(signal) { return rest("/analytics/revenue-trend/", this.request(), signal); },
    isEmpty: (d) => d.points.length === 0, draw: drawTrend,
  },
  {
    id: "top-products", filters: ["dates"],
    request: () => ({ ...dates(), by: state.topBy, limit: 10 }),
    load(signal) { return rest("/analytics/top-products/", this.request(), signal); },
    isEmpty: (d) => d.items.length === 0, draw: drawTopProducts,
  },
  {
    id: "categories", filters: [], request: () => ({}),
    load: () => sharedRest(CATEGORIES),
    isEmpty: (d) => d.items.length === 0, draw: drawCategories,
  },
  {
    id: "devices", filters: [], request: () => ({}),
    load: () => sharedRest("/analytics/purchase-behaviour/"),
    isEmpty: (d) => d.by_device_type.length === 0, draw: (c, d) => drawSegments(c, d.by_device_type),
  },
  {
    id: "logins", filters: [], request: () => ({}),
    load: () => sharedRest("/analytics/purchase-behaviour/"),
    isEmpty: (d) => d.by_login_type.length === 0, draw: (c, d) => drawSegments(c, d.by_login_type),
  },
  {
    id: "payments", filters: [], request: () => ({}),
    load: () => sharedRest("/analytics/purchase-behaviour/"),
    isEmpty: (d) => d.by_payment_method.length === 0, draw: drawPayments,
  },
  {
    id: "discounts", filters: [], request: () => ({}),
    load: () => sharedRest("/analytics/discount-impact/"),
    isEmpty: (d) => d.levels.length === 0, draw: drawDiscounts,
  },
];

const refreshAll = () => Promise.all(PANELS.map((panel) => refresh(panel)));

/* ---------- customer lookup (one nested GraphQL query) ---------- */

const CUSTOMER_QUERY = `query Customer($id: String!) {
  customer(customerId: $id) {
    customerId gender deviceType loginType
    orderCount totalSales totalProfit firstOrderDate lastOrderDate
    orders(first: 100) {
      totalCount
      edges { node {
        id orderDate orderTime priority paymentMethod total totalProfit
        items { quantity product { name category } }
      } }
    }
  }
}`;

function element(tag, text = "", className = "") {
  const node = document.createElement(tag);
  if (text !== "") node.textContent = text;
  if (className) node.className = className;
  return node;
}

function renderCustomer(customer) {
  const facts = element("dl", "", "facts");
  const aov = customer.orderCount ? money(Number(customer.totalSales) / customer.orderCount) : DASH;
  const rows = [
    ["Lifetime value", money(customer.totalSales)],
    ["Profit", money(customer.totalProfit)],
    ["Orders", count(customer.orderCount)],
    ["Avg order value", aov],
    ["First order", customer.firstOrderDate ?? DASH],
    ["Last order", customer.lastOrderDate ?? DASH],
    ["Device / login", `${customer.deviceType ?? DASH} / ${customer.loginType ?? DASH}`],
    ["Gender", customer.gender ?? DASH],
  ];
  for (const [term, value] of rows) {
    const pair = element("div");
    pair.append(element("dt", term), element("dd", value));
    facts.append(pair);
  }
  const table = element("table", "", "orders");
  const head = table.createTHead().insertRow();
  for (const title of ["Date", "Time", "Priority", "Payment", "Products", "Total", "Profit"]) {
    head.append(element("th", title));
  }
  const body = table.createTBody();
  for (const { node: order } of customer.orders.edges) {
    const row = body.insertRow();
    const products = order.items.map((i) => `${i.product.name} × ${i.quantity ?? "?"}`).join(", ");
    const cells = [order.orderDate, order.orderTime, order.priority, label(order.paymentMethod ?? DASH),
      products, money(order.total), money(order.totalProfit)];
    cells.forEach((text, index) => row.append(element("td", text, index >= 5 ? "num" : "")));
  }
  const title = element("h3", `Customer ${customer.customerId}`);
  const wrap = element("div", "", "table-wrap");
  wrap.append(table);
  const shown = customer.orders.edges.length;
  const more = customer.orders.totalCount > shown
    ? element("p", `First ${shown} of ${count(customer.orders.totalCount)} orders.`, "muted") : "";
  return [title, facts, wrap, more];
}

let lookupController = null;

async function lookUp(customerId) {
  const section = document.getElementById("customer");
  const result = document.getElementById("customer-result");
  lookupController?.abort();
  const controller = (lookupController = new AbortController());
  setState(section, "loading", `Looking up ${customerId}…`);
  try {
    const { data, errors } = await graphql(CUSTOMER_QUERY, { id: customerId }, controller.signal);
    if (controller.signal.aborted) return;
    const notFound = errors?.some((e) => e.extensions?.code === "NOT_FOUND");
    if (notFound || (!errors && !data?.customer)) {
      result.replaceChildren();
      setState(section, "not-found", `No customer with id ${customerId}.`);
    } else if (errors) {
      throw new ApiError(errors.map((e) => e.message).join("; "));
    } else {
      result.replaceChildren(...renderCustomer(data.customer));
      setState(section, "ready");
    }
  } catch (error) {
    if (error.name === "AbortError") return;
    result.replaceChildren();
    setState(section, "error", `Could not look up: ${error.message}.`, () => lookUp(customerId));
  }
}

async function loadTopCustomers() {
  const target = document.getElementById("top-customers");
  try {
    const clv = await rest("/analytics/customer-lifetime-value/", { limit: 5 });
    target.replaceChildren(...clv.top.map((c) => {
      const button = element("button", `${c.customer_id} (${money(c.revenue)})`, "link");
      button.type = "button";
      button.addEventListener("click", () => {
        document.getElementById("customer-id").value = c.customer_id;
        lookUp(c.customer_id);
      });
      return button;
    }));
  } catch (error) {
    target.textContent = `not available (${error.message})`;
  }
}

/* ---------- wiring ---------- */

async function loadCategories() {
  const select = document.getElementById("category");
  try {
    const data = await sharedRest(CATEGORIES);
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
    if (id) lookUp(id);
  });
}

readUrlState();
wire();
loadCategories();
loadTopCustomers();
refreshAll();
