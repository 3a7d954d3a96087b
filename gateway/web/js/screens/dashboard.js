// The college dashboard: the integration indicators with charts, filtered by
// term, programme and enterprise (GET /v1/dashboard).
import { get } from "../api.js";
import { compareNames, formatNumber, formatPercent, label, t } from "../i18n.js";
import { dataTable, empty, errorBox, h, loading, pageHeader, ratioBars, section } from "../ui.js";
import { awardsByLevelSection } from "./competitions.js";
import { satisfactionView } from "./surveys.js";

export async function render(view) {
  const query = Object.fromEntries(new URLSearchParams(sessionStorage.getItem("console.dashboard") || ""));
  view.append(pageHeader(t("dashboard.title")));
  const filters = h("form", { class: "filters", "aria-label": t("dashboard.filters") });
  const body = h("div", {}, loading());
  view.append(filters, body);
  let data;
  try {
    const [dashboard, programmes, partners] = await Promise.all([
      get("/v1/dashboard", query),
      get("/v1/programmes", { limit: 100 }).catch(() => ({ items: [] })),
      get("/v1/partners", { limit: 100 }).catch(() => ({ items: [] })),
    ]);
    data = dashboard;
    filters.append(
      select("term", t("dashboard.term"), [["", t("dashboard.all_terms")], ...(dashboard.terms || []).map((term) => [term, term])], query.term),
      select("programme_id", t("dashboard.programme"), [["", t("dashboard.all_programmes")], ...programmes.items.map((p) => [p.id, `${p.code} ${p.name}`])], query.programme_id),
      select("enterprise_id", t("dashboard.enterprise"), [["", t("dashboard.all_enterprises")], ...partners.items.sort((a, b) => compareNames(a.legal_name, b.legal_name)).map((p) => [p.id, p.legal_name])], query.enterprise_id),
      h("button", { type: "submit" }, t("action.apply")));
    filters.addEventListener("submit", (event) => {
      event.preventDefault();
      const values = new URLSearchParams(new FormData(filters));
      for (const [name, value] of [...values]) if (!value) values.delete(name);
      sessionStorage.setItem("console.dashboard", values.toString());
      view.replaceChildren();
      render(view);
    });
  } catch (error) {
    body.replaceChildren(errorBox(error));
    return;
  }
  body.replaceChildren(...indicators(data));
}

function select(name, text, options, value) {
  const id = `filter-${name}`;
  return h("div", { class: "field" }, h("label", { for: id }, text),
    h("select", { id, name }, options.map(([v, label]) => h("option", { value: v, selected: (value || "") === v }, label))));
}

function indicators(data) {
  const ind = data.indicators || {};
  const partners = ind.partners || {};
  const enrolment = ind.enrolment || {};
  const projects = ind.projects || {};
  const placements = ind.placements || {};
  const teachers = ind.teachers || {};
  const certificates = ind.certificates || {};
  const nodes = [];
  if (data.partial) {
    nodes.push(h("div", { class: "alert warning", role: "status" }, t("view.partial", { missing: (data.missing || []).map((m) => t("service." + m)).join(", ") })));
  }
  nodes.push(h("div", { class: "kpis" },
    kpi(t("ind.partners_active"), formatNumber(partners.partners_active)),
    kpi(t("ind.agreements_active"), formatNumber(partners.agreements_active)),
    kpi(t("ind.seats"), `${formatNumber(enrolment.seats_filled)} / ${formatNumber(enrolment.seats_offered)}`),
    kpi(t("ind.apprentices"), formatNumber(enrolment.apprentices)),
    kpi(t("ind.projects_published"), formatNumber(projects.published)),
    kpi(t("ind.open_alerts"), formatNumber(placements.open_alerts), placements.open_alerts ? "warn" : ""),
    kpi(t("ind.registrations"), formatNumber(certificates.registrations)),
    kpi(t("ind.credits_converted"), formatNumber(certificates.credits_converted)),
    kpi(t("ind.awards"), formatNumber((ind.awards || {}).total))));
  nodes.push(h("div", { class: "grid-2" },
    section(t("dashboard.integration"), ratioBars(t("dashboard.integration_chart"), [
      { label: t("ind.fill_rate"), value: enrolment.fill_rate },
      { label: t("ind.both_mentors_ratio"), value: enrolment.both_mentors_ratio },
      { label: t("ind.on_time_rate"), value: projects.on_time_rate },
      { label: t("ind.checkin_compliance"), value: placements.checkin_compliance },
      { label: t("ind.double_qualified_ratio"), value: teachers.double_qualified_ratio, target: teachers.target ?? 0.5, tone: (teachers.double_qualified_ratio ?? 0) < (teachers.target ?? 0.5) ? "warn" : "" },
      { label: t("ind.pass_rate"), value: certificates.pass_rate },
    ], formatPercent), h("p", { class: "muted small" }, t("dashboard.target_note", { target: formatPercent(teachers.target ?? 0.5) }))),
    section(t("dashboard.pass_by_certificate"), (certificates.pass_rate_by_certificate || []).length
      ? ratioBars(t("dashboard.pass_by_certificate"), certificates.pass_rate_by_certificate.map((row) => ({
        label: `${row.certificate} ${row.level ? t("level." + row.level) : ""}`, value: row.rate,
      })), formatPercent)
      : empty())));
  nodes.push(graduationGroup(ind.graduation || {}));
  nodes.push(agreementsGroup(ind.commitments || {}, ind.costs_and_returns || {}));
  nodes.push(h("div", { class: "grid-2" },
    section(t("dashboard.satisfaction"), satisfactionView((ind.satisfaction || {}).by_competency || [], { id: "dashboard-satisfaction" })),
    awardsByLevelSection(ind.awards)));
  nodes.push(h("div", { class: "grid-2" },
    section(t("dashboard.ratings"), h("dl", { class: "facts" },
      fact(t("ind.mean_rating_of_students"), formatNumber(projects.mean_rating_of_students, { maximumFractionDigits: 2 })),
      fact(t("ind.mean_rating_of_enterprises"), formatNumber(projects.mean_rating_of_enterprises, { maximumFractionDigits: 2 })),
      fact(t("ind.projects_completed"), `${formatNumber(projects.completed_on_time)} / ${formatNumber(projects.completed)}`),
      fact(t("ind.teachers"), `${formatNumber(teachers.double_qualified)} / ${formatNumber(teachers.professional)}`))),
    section(t("dashboard.contribution"), (data.contribution || []).length ? dataTable([
      { label: t("col.enterprise"), value: (r) => h("a", { href: `#/enterprises/${r.enterprise_id}` }, r.name || r.enterprise_id) },
      { label: t("col.projects_posted"), value: (r) => formatNumber(r.projects_posted), numeric: true },
      { label: t("col.mentor_hours"), value: (r) => formatNumber(r.mentor_hours), numeric: true },
      { label: t("col.seats"), value: (r) => `${formatNumber(r.seats_filled)} / ${formatNumber(r.seats_offered)}`, numeric: true },
      { label: t("col.index"), value: (r) => formatNumber(r.index, { maximumFractionDigits: 2 }), numeric: true },
    ], [...data.contribution].sort((a, b) => (b.index ?? 0) - (a.index ?? 0)), t("dashboard.contribution")) : empty())));
  if (data.as_of) {
    nodes.push(h("p", { class: "muted small" }, t("view.as_of", { services: Object.keys(data.as_of).map((s) => t("service." + s)).join(", ") })));
  }
  return nodes;
}

// Agreements that bind: the clauses by status and each party's fulfilment,
// then this year's inputs and returns of the enterprises the filters select
// (the mentor hours' value is unknown until the year has a rate).
const CLAUSE_STATUSES = ["on_track", "at_risk", "missed", "met"];
const COST_INPUTS = ["total_value_cny", "mentor_hours", "mentor_hours_value_cny", "equipment_value_cny", "funds_value_cny", "placements_hosted", "teachers_hosted", "projects_posted"];
const COST_RETURNS = ["deliverables_accepted", "intern_hours", "certificates_earned"];

function agreementsGroup(commitments, costs) {
  const byStatus = commitments.clauses_by_status || {};
  const figure = (name) => fact(t(`costs_figure.${name}`), h("span", { "data-figure": name, "data-value": costs[name] ?? "" },
    costs[name] === null || costs[name] === undefined ? t("dashboard.not_valued") : formatNumber(costs[name], { maximumFractionDigits: 2 })));
  return h("div", { class: "grid-2", id: "dashboard-agreements" },
    section(t("dashboard.commitments"),
      ratioBars(t("dashboard.commitments_chart"), ["enterprise", "college"].map((party) => ({
        label: t("commitments.fulfilment", { party: label("clause_party", party) }), value: commitments[`${party}_fulfilment`],
      })), formatPercent),
      h("dl", { class: "facts", id: "dashboard-clauses" },
        ...CLAUSE_STATUSES.map((status) => fact(label("clause_status", status),
          h("span", { "data-status": status, "data-count": byStatus[status] ?? 0 }, formatNumber(byStatus[status] ?? 0))))),
      h("p", { class: "muted small" }, t("dashboard.commitments_note"))),
    section(costs.year ? t("dashboard.costs_year", { year: String(costs.year) }) : t("costs.title"),
      h("h3", {}, t("costs.inputs")), h("dl", { class: "facts", id: "dashboard-cost-inputs" }, ...COST_INPUTS.map(figure)),
      h("h3", {}, t("costs.returns")), h("dl", { class: "facts", id: "dashboard-cost-returns" }, ...COST_RETURNS.map(figure))));
}

// Graduation and employment, for the cohorts the filters select: the rates
// (graduation over every student of the cohorts, the others over graduates)
// with their counts, and the graduation rate of each programme kind.
function graduationGroup(graduation) {
  const byKind = graduation.graduates_by_kind || [];
  const count = (value) => formatNumber(value ?? 0);
  const ofGraduates = (value, ratio) => t("dashboard.count_and_rate", { count: count(value), rate: formatPercent(ratio) });
  return h("div", { class: "grid-2", id: "dashboard-graduation" },
    section(t("dashboard.graduation"),
      ratioBars(t("dashboard.graduation_chart"), [
        { label: t("ind.graduation_rate"), value: graduation.graduation_rate },
        { label: t("ind.employment_rate"), value: graduation.employment_rate },
        { label: t("ind.sponsor_hire_rate"), value: graduation.sponsor_hire_rate },
        { label: t("ind.hires_kept_ratio"), value: graduation.hires_kept_ratio },
      ], formatPercent),
      h("dl", { class: "facts" },
        fact(t("ind.graduates"), h("span", { id: "ind-graduates", "data-graduates": graduation.graduates ?? "", "data-students": graduation.cohort_students ?? "" },
          `${count(graduation.graduates)} / ${count(graduation.cohort_students)}`)),
        fact(t("ind.employed"), ofGraduates(graduation.employed, graduation.employment_rate)),
        fact(t("ind.further_study"), count(graduation.further_study)),
        fact(t("ind.sponsor_hires"), ofGraduates(graduation.sponsor_hires, graduation.sponsor_hire_rate)),
        fact(t("ind.sponsor_hires_kept"), h("span", { id: "ind-hires-kept", "data-kept": graduation.sponsor_hires_kept ?? "", "data-ratio": graduation.hires_kept_ratio ?? "" },
          ofGraduates(graduation.sponsor_hires_kept, graduation.hires_kept_ratio)))),
      h("p", { class: "muted small" }, t("dashboard.graduation_note"))),
    section(t("dashboard.graduates_by_kind"), byKind.length ? [
      ratioBars(t("dashboard.graduates_by_kind"), byKind.map((row) => ({
        label: label("kind", row.kind), value: row.students ? row.graduates / row.students : null,
      })), formatPercent),
      dataTable([
        { label: t("col.kind"), value: (row) => label("kind", row.kind) },
        { label: t("ind.cohort_students"), value: (row) => count(row.students), numeric: true },
        { label: t("ind.graduates_count"), value: (row) => count(row.graduates), numeric: true },
        { label: t("ind.graduation_rate"), value: (row) => formatPercent(row.students ? row.graduates / row.students : null), numeric: true },
      ], byKind, t("dashboard.graduates_by_kind"), (row) => row.kind),
    ] : empty()));
}

function kpi(text, value, tone = "") {
  return h("div", { class: `kpi ${tone}` }, h("span", { class: "kpi-value" }, value), h("span", { class: "kpi-label" }, text));
}

function fact(term, value) {
  return h("div", {}, h("dt", {}, term), h("dd", {}, value));
}
