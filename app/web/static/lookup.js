/*
 * The customer lookup: one nested GraphQL query (customer → orders → items → product) shows a
 * customer's lifetime value and orders; the top customers by lifetime value are one click away.
 * Lifetime values are all-time by definition: the page's filters do not apply here.
 */

import { ApiError, DASH, count, graphql, label, money, rest, showDownloads } from "./api.js";

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

/** Look a customer up; `setState(section, name, message, retry)` shows its progress. */
export async function lookUp(customerId, setState) {
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
    const retry = () => lookUp(customerId, setState);
    setState(section, "error", `Could not look up: ${error.message}.`, retry);
  }
}

const TOP_CUSTOMERS = ["/analytics/customer-lifetime-value/", { limit: 5 }, "top customers"];

/** Buttons for the top customers by lifetime value, each looking its customer up, and the
 * link to download them as CSV (the lookup itself is GraphQL: no CSV). */
export async function loadTopCustomers(setState) {
  const target = document.getElementById("top-customers");
  const section = document.getElementById("customer");
  showDownloads(section.querySelector(".downloads"), [TOP_CUSTOMERS], "Customer lookup");
  try {
    const clv = await rest(TOP_CUSTOMERS[0], TOP_CUSTOMERS[1]);
    target.replaceChildren(...clv.top.map((c) => {
      const button = element("button", `${c.customer_id} (${money(c.revenue)})`, "link");
      button.type = "button";
      button.addEventListener("click", () => {
        document.getElementById("customer-id").value = c.customer_id;
        lookUp(c.customer_id, setState);
      });
      return button;
    }));
  } catch (error) {
    target.textContent = `not available (${error.message})`;
  }
}
