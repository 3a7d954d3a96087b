// Enterprise projects: the list, one project with its milestones, teams,
// deliverables with their reviews, grades, and the lifecycle actions.
import { get, post } from "../api.js";
import { compareNames, formatDate, formatNumber, label, t } from "../i18n.js";
import { ROLES, can } from "../roles.js";
import { nameOf } from "../lookup.js";
import { badge, confirmAction, dataTable, dialog, empty, errorBox, errorText, form, h, loading, pageHeader, pagedTable, section, toast } from "../ui.js";
import { fact } from "./verify.js";

const NEXT = { draft: ["published", "cancelled"], published: ["in_progress", "cancelled"], in_progress: ["delivered", "cancelled"], delivered: ["evaluated"], evaluated: ["closed"] };

export async function render(view, context) {
  if (context.params.id) return renderProject(view, context);
  const { user, query = {} } = context;
  const search = h("input", { id: "project-search", type: "search", name: "q", autocomplete: "off", value: query.q || "" });
  const status = h("select", { id: "project-status", name: "status" }, h("option", { value: "" }, t("projects.any_status")),
    ["draft", "published", "in_progress", "delivered", "evaluated", "closed", "cancelled"].map((s) => h("option", { value: s }, label("project_status", s))));
  // staff choose an enterprise; an enterprise user's list is its own already
  const enterprise = can(user, ROLES.partnerReaders) ? enterpriseFilter(query.enterprise_id) : null;
  const searchForm = h("form", { class: "filters", role: "search" },
    h("div", { class: "field grow" }, h("label", { for: "project-search" }, t("projects.search")), search),
    enterprise ? h("div", { class: "field" }, h("label", { for: "project-enterprise" }, t("col.enterprise")), enterprise) : null,
    h("div", { class: "field" }, h("label", { for: "project-status" }, t("col.status")), status),
    h("button", { type: "submit", class: "primary" }, t("action.search")));
  const table = pagedTable({
    caption: t("projects.title"),
    rowKey: (p) => p.id,
    columns: [
      { label: t("col.title"), value: (p) => h("a", { href: `#/projects/${p.id}` }, p.title) },
      { label: t("col.enterprise"), value: (p) => nameOf("partner", p.enterprise_id, `#/enterprises/${p.enterprise_id}`) },
      { label: t("col.status"), value: (p) => badge(label("project_status", p.status), p.status) },
      { label: t("col.team_size"), value: (p) => formatNumber(p.team_size), numeric: true },
      { label: t("col.period"), value: (p) => `${formatDate(p.start_date)} – ${formatDate(p.end_date)}` },
    ],
    load: (offset, limit) => get("/v1/projects", {
      q: search.value.trim(), status: status.value, enterprise_id: enterprise?.value, offset, limit,
    }),
  });
  searchForm.addEventListener("submit", (event) => { event.preventDefault(); table.reload(); });
  status.addEventListener("change", () => table.reload());
  if (enterprise) enterprise.addEventListener("change", () => table.reload());
  view.append(pageHeader(t("projects.title")), h("div", { class: "card" }, searchForm), table);
}

// The partners to filter by, the one the address names chosen.
function enterpriseFilter(chosen) {
  const select = h("select", { id: "project-enterprise", name: "enterprise_id" },
    h("option", { value: "" }, t("dashboard.all_enterprises")));
  if (chosen) select.append(h("option", { value: chosen, selected: true }, chosen));
  get("/v1/partners", { limit: 200 }).then((page) => {
    const partners = [...(page.items || [])].sort((a, b) => compareNames(a.legal_name, b.legal_name));
    for (const partner of partners) {
      const present = [...select.options].find((option) => option.value === partner.id);
      if (present) present.textContent = partner.legal_name;
      else select.append(h("option", { value: partner.id }, partner.legal_name));
    }
  }).catch(() => { /* the filter keeps what it has */ });
  return select;
}

async function renderProject(view, context) {
  const { params, user } = context;
  const body = h("div", {}, loading());
  view.replaceChildren(body);
  let project, teams;
  try {
    [project, teams] = await Promise.all([
      get(`/v1/projects/${encodeURIComponent(params.id)}`),
      get("/v1/teams", { project_id: params.id, limit: 100 }),
    ]);
  } catch (error) {
    body.replaceChildren(pageHeader(t("projects.title")), errorBox(error));
    return;
  }
  const transitions = can(user, ROLES.projectEditors) ? (NEXT[project.status] || []).map((target) => h("button", {
    type: "button", class: target === "cancelled" ? "danger" : "",
    onclick: async () => {
      if (target === "cancelled" || target === "evaluated") {
        if (!(await confirmAction(t(target === "cancelled" ? "projects.confirm_cancel" : "projects.confirm_evaluate")))) return;
      }
      try {
        await post(`/v1/projects/${project.id}/transitions`, target === "cancelled" ? { status: target, reason: t("projects.cancel_reason") } : { status: target });
        toast(t("msg.saved"));
        renderProject(view, context);
      } catch (error) { toast(errorText(error)); }
    },
  }, t("projects.move_to", { status: label("project_status", target) }))) : [];
  const teamSections = await Promise.all((teams.items || []).map((team) => teamSection(team, project, user)));
  body.replaceChildren(
    pageHeader(project.title, transitions),
    h("div", { class: "grid-2" },
      section(t("projects.detail"), h("dl", { class: "facts" },
        fact(t("col.status"), badge(label("project_status", project.status), project.status)),
        fact(t("col.enterprise"), nameOf("partner", project.enterprise_id, `#/enterprises/${project.enterprise_id}`)),
        fact(t("col.period"), `${formatDate(project.start_date)} – ${formatDate(project.end_date)}`),
        fact(t("col.team_size"), formatNumber(project.team_size)),
        fact(t("projects.brief"), project.brief))),
      section(t("projects.milestones"), (project.milestones || []).length ? dataTable([
        { label: t("col.title"), value: (m) => m.title },
        { label: t("col.due_date"), value: (m) => formatDate(m.due_date) },
        { label: t("col.weight"), value: (m) => formatNumber(m.weight), numeric: true },
      ], project.milestones) : empty())),
    section(t("projects.teams"), teamSections.length ? teamSections : empty()));
}

async function teamSection(team, project, user) {
  let deliverables = { items: [] };
  try {
    deliverables = await get(`/v1/teams/${team.id}/deliverables`, { limit: 100 });
    // one deliverable with its reviews each: the list leaves them out
    deliverables.items = await Promise.all(deliverables.items.map((d) => get(`/v1/deliverables/${d.id}`).catch(() => d)));
  } catch { /* shown empty */ }
  const milestoneTitle = (id) => (project.milestones || []).find((m) => m.id === id || m.milestone_id === id)?.title || id;
  return h("div", { class: "subcard" },
    h("h3", {}, team.name || team.id),
    h("p", { class: "muted" }, t("projects.team_members", { count: formatNumber((team.student_ids || team.members || []).length) })),
    (deliverables.items || []).length ? dataTable([
      { label: t("projects.milestone"), value: (d) => milestoneTitle(d.milestone_id) },
      { label: t("col.title"), value: (d) => d.title },
      { label: t("projects.version"), value: (d) => formatNumber(d.version), numeric: true },
      { label: t("projects.submitted"), value: (d) => formatDate(d.submitted_on || d.created_at) },
      { label: t("projects.late"), value: (d) => d.late ? badge(t("msg.yes"), "warn") : t("msg.no") },
      { label: t("projects.reviews"), value: (d) => (d.reviews || []).length ? h("ul", { class: "plain" }, d.reviews.map((r) => h("li", {}, `${label("reviewer_kind", r.reviewer_kind)} ${formatNumber(r.score, { maximumFractionDigits: 1 })}${r.comment ? ` · ${r.comment}` : ""}`))) : "—" },
      { label: t("col.actions"), value: (d) => can(user, ROLES.reviewers) ? h("button", { type: "button", onclick: () => reviewDialog(d, user) }, t("projects.review")) : "—" },
    ], deliverables.items) : empty(t("projects.no_deliverables")));
}

// whose review it is: a coordinator says; a tutor's or an enterprise user's account decides
const SAYS_WHOSE_REVIEW = ["admin", "project_coordinator"];

function reviewDialog(deliverable, user) {
  return dialog(t("projects.review"), (close) => form({
    fields: [
      { name: "criterion", label: t("projects.criterion"), required: true, value: t("projects.default_criterion") },
      { name: "score", label: t("col.score"), type: "number", min: 0, max: 100, required: true },
      ...(can(user, SAYS_WHOSE_REVIEW) ? [{ name: "reviewer_kind", label: t("projects.reviewer_kind"), type: "select", required: true, options: [["", "—"], ["enterprise", label("reviewer_kind", "enterprise")], ["tutor", label("reviewer_kind", "tutor")]] }] : []),
      { name: "comment", label: t("projects.comment"), type: "textarea", rows: 3 },
    ],
    submitLabel: t("action.save"),
    submit: (values) => post(`/v1/deliverables/${deliverable.id}/reviews`, {
      rubric: [{ criterion: values.criterion, score: values.score }],
      ...(values.comment ? { comment: values.comment } : {}),
      ...(values.reviewer_kind ? { reviewer_kind: values.reviewer_kind } : {}),
    }),
    onDone: () => { close(true); toast(t("msg.saved")); },
    cancel: () => close(false),
  }));
}
