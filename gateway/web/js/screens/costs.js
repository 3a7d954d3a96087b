// An enterprise's costs and returns per calendar year (GET
// /v1/partners/<id>/costs-and-returns), with its annual evidence pack (a
// printable HTML document, opened in a new tab) and its CSV; and the value of
// a mentor hour the college sets per year (#/valuation-rates).
import { ApiError, currentUser, download, get, put, token } from "../api.js";
import { formatDate, formatNumber, label, t } from "../i18n.js";
import { ROLES, can } from "../roles.js";
import { dataTable, dialog, empty, errorBox, errorText, form, h, loading, pageHeader, toast } from "../ui.js";

const INPUTS = ["mentor_hours", "mentor_hours_value_cny", "equipment_value_cny", "funds_value_cny",
  "placements_hosted", "teachers_hosted", "projects_posted", "total_value_cny"];
const RETURNS = ["hires", "hires_checked_6_months", "hires_retained_6_months", "hires_checked_12_months",
  "hires_retained_12_months", "deliverables_accepted", "intern_hours", "certificates_earned"];

function years() {
  const now = new Date().getFullYear();
  return [now, now - 1, now - 2, now - 3, now - 4];
}

function figure(name, value) {
  if (value === null || value === undefined) return name === "mentor_hours_value_cny" ? t("costs.unknown") : "—";
  return formatNumber(value, { maximumFractionDigits: 2 });
}

function figuresTable(found, names, part, caption) {
  return dataTable([
    { label: t("costs.measure"), value: (name) => label("costs_figure", name) },
    { label: t("costs.value"), value: (name) => h("span", { "data-figure": name }, figure(name, found[part][name])), numeric: true },
  ], names, caption, (name) => name);
}

// The evidence pack, fetched with this tab's token (a plain link could not
// send it) and opened as the document it is, in a tab of its own.
async function openPack(enterpriseId, year, tab) {
  const url = new URL(`/v1/partners/${encodeURIComponent(enterpriseId)}/evidence-pack`, window.location.origin);
  url.searchParams.set("year", year);
  url.searchParams.set("lang", document.documentElement.lang === "en" ? "en" : "zh-CN");
  const response = await fetch(url, { headers: { Accept: "text/html", Authorization: `Bearer ${token()}` } });
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch { /* no body */ }
    throw new ApiError(response.status, problem);
  }
  const address = URL.createObjectURL(await response.blob());
  if (tab) tab.location.href = address; else window.location.assign(address);
  setTimeout(() => URL.revokeObjectURL(address), 60000);
}

// The section of an enterprise's page: the chosen year's figures, the pack and the CSV.
export function costsSection(enterpriseId) {
  const body = h("div", { id: "costs-figures" }, loading());
  const picker = h("select", { id: "costs-year", "aria-label": t("costs.year") },
    years().map((year) => h("option", { value: year }, String(year))));
  const packButton = h("button", { type: "button", id: "costs-pack" }, t("costs.evidence_pack"));
  const csvButton = h("button", { type: "button", id: "costs-csv" }, t("costs.download_csv"));
  const path = `/v1/partners/${encodeURIComponent(enterpriseId)}/costs-and-returns`;
  async function load() {
    body.replaceChildren(loading());
    try {
      const found = await get(path, { year: picker.value });
      const rate = found.rate || {};
      body.replaceChildren(
        h("p", { class: "muted small", id: "costs-rate", "data-rate": rate.mentor_hour_cny ?? "" },
          rate.set ? t("costs.rate_used", { rate: formatNumber(rate.mentor_hour_cny), year: found.year }) : t("costs.no_rate", { year: found.year })),
        h("div", { class: "grid-2" },
          h("div", {}, h("h3", {}, t("costs.inputs")), figuresTable(found, INPUTS, "inputs", t("costs.inputs"))),
          h("div", {}, h("h3", {}, t("costs.returns")), figuresTable(found, RETURNS, "returns", t("costs.returns")))),
        h("p", { class: "help" }, t("costs.how_counted")));
    } catch (error) {
      body.replaceChildren(errorBox(error));
    }
  }
  picker.addEventListener("change", load);
  packButton.addEventListener("click", async () => {
    const tab = window.open("", "_blank");
    try {
      await openPack(enterpriseId, picker.value, tab);
    } catch (error) {
      if (tab) tab.close();
      toast(errorText(error));
    }
  });
  csvButton.addEventListener("click", async () => {
    csvButton.disabled = true;
    try {
      await download(path, { year: picker.value }, `costs-and-returns-${picker.value}.csv`);
    } catch (error) {
      toast(errorText(error));
    } finally {
      csvButton.disabled = false;
    }
  });
  load();
  return h("section", { class: "card", id: "enterprise-costs" },
    h("div", { class: "page-header" }, h("h2", {}, t("costs.title")),
      h("div", { class: "actions" }, picker, packButton, csvButton)),
    body);
}

// #/valuation-rates: the value of a mentor hour per year, set by the college.
export async function render(view) {
  const user = currentUser();
  const body = h("div", {}, loading());
  const setRate = can(user, ROLES.admissions) ? h("button", {
    type: "button", class: "primary", id: "rates-set",
    onclick: () => dialog(t("rates.set"), (close) => form({
      fields: [
        { name: "year", label: t("costs.year"), type: "select", required: true, value: years()[0],
          options: [years()[0] + 1, ...years()].map((year) => [year, String(year)]) },
        { name: "mentor_hour_cny", label: t("rates.mentor_hour_cny"), type: "number", required: true, min: 0, step: "any" },
      ],
      submitLabel: t("action.save"),
      submit: ({ year, mentor_hour_cny }) => put(`/v1/valuation-rates/${encodeURIComponent(year)}`, { mentor_hour_cny }),
      onDone: () => { close(true); toast(t("msg.saved")); load(); },
      cancel: () => close(false),
    })),
  }, t("rates.set")) : null;
  view.append(pageHeader(t("rates.title"), setRate), h("p", { class: "help" }, t("rates.help")), body);
  async function load() {
    try {
      const { items } = await get("/v1/valuation-rates");
      body.replaceChildren(items.length ? dataTable([
        { label: t("costs.year"), value: (r) => String(r.year) },
        { label: t("rates.mentor_hour_cny"), value: (r) => formatNumber(r.mentor_hour_cny), numeric: true },
        { label: t("rates.set_by"), value: (r) => r.set_by },
        { label: t("rates.set_at"), value: (r) => formatDate(r.set_at) },
        { label: t("rates.earlier"), value: (r) => (r.history || []).map((e) => formatNumber(e.mentor_hour_cny)).join(" → ") || "—" },
      ], [...items].reverse(), t("rates.title"), (r) => String(r.year)) : empty());
    } catch (error) {
      body.replaceChildren(errorBox(error));
    }
  }
  load();
}
