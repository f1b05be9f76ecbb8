/*
 * Number formatting and the app's APIs (REST under /analytics, GraphQL at /graphql), for the
 * dashboard. Errors of the API are RFC 9457 problems; their message is shown to the user.
 */

const LOCALE = "en-US";
const NUMBER = {
  money: new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  count: new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 }),
  percent: new Intl.NumberFormat(LOCALE, {
    style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2,
  }),
};
export const DASH = "–";

/* ---------- formatting ---------- */

// Money arrives as an exact decimal string ("104260.00"); Intl formats decimal strings exactly.
export const money = (value) => (value == null ? DASH : NUMBER.money.format(value));
export const count = (value) => (value == null ? DASH : NUMBER.count.format(value));
// The API's percentages are strings on a 0–100 scale ("40.29").
export const percent = (value) => (value == null ? DASH : NUMBER.percent.format(Number(value) / 100));
export const ratio = (num, den) => (den ? NUMBER.percent.format(num / den) : DASH);
export const label = (value) => String(value).replaceAll("_", " ");

/* ---------- API ---------- */

export class ApiError extends Error {}

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

/** The URL of a REST call; empty parameters are left out. */
export function restUrl(path, params = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  return url;
}

/** The URL of a REST call's CSV export: the same call (same parameters) with format=csv. */
export function csvUrl(path, params = {}) {
  const url = restUrl(path, params);
  url.searchParams.set("format", "csv");
  return `${url.pathname}${url.search}`;
}

/** Fill `container` with one "Download CSV" link (a real `<a href download>`) per source
 * `[path, params, what]`; `title` names the panel in each link's accessible name. */
export function showDownloads(container, sources, title) {
  container.replaceChildren(...sources.map(([path, params, what]) => {
    const link = document.createElement("a");
    link.className = "csv-link";
    link.href = csvUrl(path, params);
    link.download = ""; // the server names the file (Content-Disposition)
    link.textContent = what ? `Download CSV (${what})` : "Download CSV";
    link.setAttribute("aria-label", `${link.textContent}: ${title}`);
    return link;
  }));
}

export async function rest(path, params = {}, signal = undefined) {
  const { response, body } = await fetchJSON(restUrl(path, params), { signal, headers: {} });
  if (!response.ok) throw new ApiError(problemMessage(response.status, body));
  if (body === null) throw new ApiError(`${path} did not answer JSON`);
  return body;
}

/** One request shared by the panels drawn from the same endpoint and parameters (dropped on
 * failure, so a retry asks again). */
const shared = new Map();
export function sharedRest(path, params = {}) {
  const key = String(restUrl(path, params));
  if (!shared.has(key)) {
    shared.set(key, rest(path, params).catch((error) => {
      shared.delete(key);
      throw error;
    }));
  }
  return shared.get(key);
}

/** Forget the shared answers (when the filters change, the old ones are not needed again). */
export const forgetShared = () => shared.clear();

/** A GraphQL query; resolves to `{data, errors}` (errors are the caller's to interpret). */
export async function graphql(query, variables, signal = undefined) {
  const { response, body } = await fetchJSON("/graphql", {
    method: "POST",
    signal,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  if (!body) throw new ApiError(`GraphQL answered HTTP ${response.status}`);
  return body;
}
