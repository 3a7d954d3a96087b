// Partner enterprises: the list, registration, and one enterprise's view
// (GET /v1/enterprises/<id>/view); an enterprise user sees only its own.
import { currentUser, get, post } from "../api.js";
import { compareNames, formatDate, formatNumber, formatPercent, label, t } from "../i18n.js";
import { ROLES, can } from "../roles.js";
import { badge, dataTable, dialog, empty, errorBox, form, h, loading, pageHeader, pagedTable, section, toast } from "../ui.js";
import { PARTIES, amount, statusBadge } from "./agreements.js";
import { fact } from "./verify.js";
import { satisfactionView } from "./surveys.js";
import { costsSection } from "./costs.js";

export async function render(view, { params, user }) {
  if (params.id) return renderEnterprise(view, params.id);
  const table = pagedTable({
    caption: t("enterprises.title"),
    columns: [
      { label: t("col.enterprise"), value: (p) => h("a", { href: `#/enterprises/${p.id}` }, p.legal_name) },
      { label: t("col.credit_code"), value: (p) => p.credit_code },
      { label: t("col.industry"), value: (p) => p.industry },
      { label: t("col.created_at"), value: (p) => formatDate(p.created_at) },
    ],
    load: async (offset, limit) => {
      const page = await get("/v1/partners", { offset, limit });
      page.items.sort((a, b) => compareNames(a.legal_name, b.legal_name));
      return page;
    },
  });
  const register = can(user, ROLES.admissions) ? h("button", {
    type: "button", class: "primary",
    onclick: () => dialog(t("enterprises.register"), (close) => form({
      fields: [
        { name: "legal_name", label: t("col.enterprise"), required: true },
        { name: "credit_code", label: t("col.credit_code"), required: true, help: t("enterprises.credit_code_help") },
        { name: "industry", label: t("col.industry"), required: true },
      ],
      submitLabel: t("action.save"),
      submit: (values) => post("/v1/partners", values),
      onDone: () => { close(true); toast(t("msg.saved")); table.reload(); },
      cancel: () => close(false),
    })),
  }, t("enterprises.register")) : null;
  view.append(pageHeader(t("enterprises.title"), register), table);
}

async function renderEnterprise(view, enterpriseId) {
  const body = h("div", {}, loading());
  view.append(body);
  let data;
  try {
    data = await get(`/v1/enterprises/${encodeURIComponent(enterpriseId)}/view`);
  } catch (error) {
    body.replaceChildren(pageHeader(t("enterprise.title")), errorBox(error));
    return;
  }
  const partner = data.partner || {};
  const contribution = data.contribution || {};
  const nodes = [pageHeader(partner.legal_name || t("enterprise.title"))];
  if (data.partial) nodes.push(h("div", { class: "alert warning", role: "status" }, t("view.partial", { missing: (data.missing || []).map((m) => t("service." + m)).join(", ") })));
  nodes.push(h("div", { class: "kpis" },
    kpi(t("col.projects_posted"), formatNumber(contribution.projects_posted)),
    kpi(t("col.mentor_hours"), formatNumber(contribution.mentor_hours)),
    kpi(t("col.seats"), `${formatNumber(contribution.seats_filled)} / ${formatNumber(contribution.seats_offered)}`),
    kpi(t("col.feedback_turnaround"), formatNumber(contribution.feedback_turnaround_days, { maximumFractionDigits: 1 })),
    kpi(t("col.index"), formatNumber(contribution.index, { maximumFractionDigits: 2 }))));
  nodes.push(h("div", { class: "grid-2" },
    section(t("enterprise.partner"), h("dl", { class: "facts" },
      fact(t("col.credit_code"), partner.credit_code), fact(t("col.industry"), partner.industry))),
    section(t("enterprise.agreements"), rows(data.agreements, [
      { label: t("col.title"), value: (a) => a.agreement_id ? h("a", { href: `#/agreements/${encodeURIComponent(a.agreement_id)}` }, a.title || a.agreement_id) : a.title },
      { label: t("col.status"), value: (a) => badge(label("agreement_status", a.status), a.status) },
      { label: t("col.period"), value: (a) => `${formatDate(a.starts_on)} – ${formatDate(a.ends_on)}` },
    ]))));
  nodes.push(section(t("enterprise.seats"), rows(data.seats, [
    { label: t("col.programme"), value: (s) => h("a", { href: `#/programmes/${s.programme_id}` }, `${s.code} ${s.name}`) },
    { label: t("col.kind"), value: (s) => label("kind", s.kind) },
    { label: t("col.seats_offered"), value: (s) => formatNumber(s.offered), numeric: true },
    { label: t("col.seats_filled"), value: (s) => formatNumber(s.filled), numeric: true },
  ])));
  if (data.commitments) nodes.push(commitmentsSection(data.commitments, data.agreements));
  if (data.hires) nodes.push(hiresSection(data.hires));
  if (data.satisfaction) nodes.push(satisfactionSection(data.satisfaction, enterpriseId));
  if (can(currentUser(), ROLES.costReaders)) nodes.push(costsSection(enterpriseId));
  nodes.push(h("div", { class: "grid-2" },
    section(t("enterprise.students"), counted(data.students, (s) => h("a", { href: `#/students/${s.student_id || s.id}` }, [s.name, s.student_number].filter(Boolean).join(" · "))),
      shownOf(data.students, data.student_counts?.total)),
    section(t("enterprise.projects"), counted(data.projects, (p) => h("a", { href: `#/projects/${p.project_id || p.id}` }, `${p.title || ""} · ${label("project_status", p.status)}`)),
      projectsShown(data, enterpriseId)),
    section(t("enterprise.mentors"), counted(data.mentors, (m) => h("a", { href: `#/mentors/${m.mentor_id || m.id}` }, m.name || m.mentor_id))),
    section(t("enterprise.hosted_teachers"), counted(data.hosted_teachers, (m) => m.name || m.mentor_id))));
  body.replaceChildren(...nodes);
}

// Each agreement in force with each party's fulfilment score, then the
// clauses missed or at risk (missed first, the soonest due first), each
// linking to its agreement's page, where its progress is shown.
function commitmentsSection(commitments, agreements) {
  const titles = new Map((Array.isArray(agreements) ? agreements : agreements?.items || [])
    .map((a) => [a.agreement_id, a.title]));
  const link = (id) => h("a", { href: `#/agreements/${encodeURIComponent(id)}` }, titles.get(id) || id);
  const scores = (commitments.agreements || []).length ? dataTable([
    { label: t("col.title"), value: (a) => link(a.agreement_id) },
    ...PARTIES.map((party) => ({ label: t("commitments.fulfilment", { party: label("clause_party", party) }),
      value: (a) => formatPercent(a.fulfilment?.[party]), numeric: true })),
    { label: t("enterprise.clauses_behind_count"), value: (a) => formatNumber((a.clauses_by_status?.at_risk ?? 0) + (a.clauses_by_status?.missed ?? 0)), numeric: true },
  ], commitments.agreements, t("commitments.title"), (a) => a.agreement_id) : empty(t("commitments.none"));
  const behind = commitments.clauses_behind || [];
  const clauses = behind.length ? dataTable([
    { label: t("commitments.clause"), value: (c) => h("span", { class: "clause-description" }, c.description) },
    { label: t("col.title"), value: (c) => link(c.agreement_id) },
    { label: t("commitments.party"), value: (c) => label("clause_party", c.party) },
    { label: t("commitments.progress"), value: (c) => `${amount(c.metric, c.progress)} / ${amount(c.metric, c.target)}`, numeric: true },
    { label: t("commitments.due_on"), value: (c) => formatDate(c.due_on) },
    { label: t("col.status"), value: (c) => statusBadge(c.status) },
  ], behind, t("enterprise.clauses_behind"), (c) => `${c.agreement_id}:${c.clause_id}`) : h("p", { class: "muted" }, t("enterprise.no_clauses_behind"));
  return h("section", { class: "card", id: "enterprise-commitments", "data-behind": String(behind.length) },
    h("h2", {}, t("commitments.title")), scores,
    h("h3", {}, t("enterprise.clauses_behind")), clauses,
    commitments.clauses_behind_truncated ? h("p", { class: "help" }, t("enterprise.clauses_behind_truncated", { shown: formatNumber(behind.length) })) : null);
}

// Of the graduates the enterprise sponsored: how many it hired, and how many
// are still with it 12 months on (the "hires kept" ratio, over its graduates).
function hiresSection(hires) {
  return section(t("enterprise.hires"),
    h("dl", { class: "facts", id: "enterprise-hires", "data-graduates": hires.graduates ?? "", "data-hired": hires.hired ?? "", "data-kept": hires.kept_12_months ?? "", "data-ratio": hires.hires_kept_ratio ?? "" },
      fact(t("enterprise.hires_graduates"), formatNumber(hires.graduates ?? 0)),
      fact(t("enterprise.hires_hired"), formatNumber(hires.hired ?? 0)),
      fact(t("enterprise.hires_kept"), formatNumber(hires.kept_12_months ?? 0)),
      fact(t("enterprise.hires_kept_ratio"), formatPercent(hires.hires_kept_ratio))),
    h("p", { class: "muted small" }, t("enterprise.hires_note")));
}

// What the enterprise rated the graduates it hired on, over its answered
// employer surveys: the mean per competency, the lowest marked.
function satisfactionSection(satisfaction, enterpriseId) {
  const user = currentUser();
  const surveys = can(user, ROLES.admissionsAndEnterprise) ? h("a", {
    href: user.role === "enterprise_user" ? "#/surveys" : `#/surveys?enterprise_id=${encodeURIComponent(enterpriseId)}`,
  }, t("enterprise.surveys_link")) : null;
  return h("section", { class: "card", id: "enterprise-surveys" },
    h("div", { class: "page-header" }, h("h2", {}, t("enterprise.satisfaction")), h("div", { class: "actions" }, surveys)),
    satisfactionView(satisfaction.competencies, { id: "enterprise-satisfaction", answered: satisfaction.answered ?? 0 }));
}

function kpi(text, value) {
  return h("div", { class: "kpi" }, h("span", { class: "kpi-value" }, value), h("span", { class: "kpi-label" }, text));
}

function rows(items, columns) {
  const list = Array.isArray(items) ? items : items?.items;
  return list && list.length ? dataTable(columns, list) : empty();
}

// the view names the newest few of a longer list
function shownOf(list, total) {
  const shown = Array.isArray(list) ? list.length : 0;
  return total > shown ? h("p", { class: "help" }, t("enterprise.students_shown", { shown: formatNumber(shown), total: formatNumber(total) })) : null;
}

// the view lists the newest projects; projects_by_status counts all of them
function projectsShown(data, enterpriseId) {
  const shown = Array.isArray(data.projects) ? data.projects.length : 0;
  const total = Object.values(data.projects_by_status || {}).reduce((sum, count) => sum + count, 0);
  if (total <= shown) return null;
  return h("p", { class: "help" }, t("enterprise.projects_shown", { shown: formatNumber(shown), total: formatNumber(total) }), " ",
    h("a", { href: `#/projects?enterprise_id=${encodeURIComponent(enterpriseId)}` }, t("enterprise.all_projects", { total: formatNumber(total) })));
}

// a view's member may be a list, a {items, total} page, or a count
function counted(value, render) {
  if (typeof value === "number") return h("p", { class: "kpi-value" }, formatNumber(value));
  const list = Array.isArray(value) ? value : value?.items;
  if (!list || !list.length) return empty();
  const sorted = [...list].sort((a, b) => compareNames(a.name || a.title, b.name || b.title));
  return h("ul", { class: "plain" }, sorted.map((item) => h("li", {}, render(item))));
}
