// Student search and the student 360 (GET /v1/students/<id>/360).
import { get } from "../api.js";
import { compareNames, formatDate, formatNumber, label, t } from "../i18n.js";
import { ROLES, can } from "../roles.js";
import { badge, dataTable, empty, errorBox, h, loading, pageHeader, pagedTable, section } from "../ui.js";
import { fact } from "./verify.js";

export async function render(view, context) {
  if (context.params.id) return renderStudent(view, context.params.id, context.user);
  view.append(pageHeader(t("students.title")));
  const search = h("input", { id: "student-search", type: "search", name: "q", autocomplete: "off", value: sessionStorage.getItem("console.students.q") || "" });
  const status = h("select", { id: "student-status", name: "status" },
    h("option", { value: "" }, t("students.any_status")),
    ["active", "suspended", "withdrawn", "transferred", "graduated"].map((s) => h("option", { value: s }, label("student_status", s))));
  const searchForm = h("form", { class: "filters", role: "search" },
    h("div", { class: "field grow" }, h("label", { for: "student-search" }, t("students.search")), search,
      h("small", { class: "help" }, t("students.search_help"))),
    h("div", { class: "field" }, h("label", { for: "student-status" }, t("col.status")), status),
    h("button", { type: "submit", class: "primary" }, t("action.search")));
  const table = pagedTable({
    caption: t("students.title"),
    rowKey: (s) => s.id,
    columns: [
      { label: t("col.student_number"), value: (s) => h("a", { href: `#/students/${s.id}` }, s.student_number) },
      { label: t("col.name"), value: (s) => s.name },
      { label: t("col.programme"), value: (s) => s.programme_code },
      { label: t("col.intake_year"), value: (s) => s.intake_year },
      { label: t("col.status"), value: (s) => badge(label("student_status", s.status), s.status) },
    ],
    load: async (offset, limit) => {
      const page = await get("/v1/students", { q: search.value.trim(), status: status.value, offset, limit });
      // Chinese names in pinyin order within the page
      page.items.sort((a, b) => compareNames(a.name, b.name));
      return page;
    },
  });
  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem("console.students.q", search.value.trim());
    table.reload();
  });
  view.append(h("div", { class: "card" }, searchForm), table);
}

async function renderStudent(view, studentId, user) {
  const body = h("div", {}, loading());
  view.append(body);
  let data;
  try {
    data = await get(`/v1/students/${encodeURIComponent(studentId)}/360`);
  } catch (error) {
    body.replaceChildren(pageHeader(t("student360.title")), errorBox(error));
    return;
  }
  const student = data.student || {};
  const programme = student.programme || {};
  const risk = data.risk || { level: "none", reasons: [] };
  const nodes = [pageHeader(`${student.name || ""} · ${student.student_number || ""}`)];
  if (data.partial) {
    nodes.push(h("div", { class: "alert warning", role: "status" }, t("view.partial", { missing: (data.missing || []).map((m) => t("service." + m)).join(", ") })));
  }
  nodes.push(h("div", { class: "grid-2" },
    section(t("student360.profile"), h("dl", { class: "facts" },
      fact(t("col.student_number"), student.student_number),
      fact(t("col.name"), student.name),
      fact(t("col.status"), badge(label("student_status", student.status), student.status)),
      fact(t("col.programme"), `${programme.code || ""} ${programme.name || ""}`),
      fact(t("col.kind"), label("kind", programme.kind)),
      fact(t("col.intake_year"), student.intake_year),
      fact(t("col.phone"), data.personal?.phone),
      fact(t("col.resident_id"), data.personal?.resident_id))),
    section(t("student360.risk"), h("p", {}, badge(label("risk", risk.level), `risk-${risk.level}`)),
      (risk.reasons || []).length ? h("ul", { class: "reasons" }, risk.reasons.map((r) => h("li", {}, `${riskReason(r)} (${formatNumber(r.count)})`))) : h("p", { class: "muted" }, t("student360.no_risk")))));
  if (data.graduation) nodes.push(await graduationSection(data.graduation, programme.programme_id, user));
  const mentors = data.mentors || {};
  const apprenticeship = data.apprenticeship || {};
  nodes.push(h("div", { class: "grid-2" },
    section(t("student360.mentors"), h("dl", { class: "facts" },
      fact(t("student360.school_mentor"), mentors.school ? h("a", { href: `#/mentors/${mentors.school.mentor_id}` }, mentors.school.name) : t("student360.vacant")),
      fact(t("student360.industry_mentor"), mentors.industry ? h("a", { href: `#/mentors/${mentors.industry.mentor_id}` }, mentors.industry.name) : t("student360.vacant")))),
    section(t("student360.apprenticeship"), apprenticeship.contract ? h("dl", { class: "facts" },
      fact(t("col.position"), apprenticeship.contract.position),
      fact(t("col.starts_on"), formatDate(apprenticeship.contract.starts_on)),
      fact(t("col.ends_on"), formatDate(apprenticeship.contract.ends_on))) : empty(t("student360.no_contract")))));
  nodes.push(section(t("student360.projects"), list(data.projects, [
    { label: t("col.project"), value: (p) => h("a", { href: `#/projects/${p.project_id}` }, p.title) },
    { label: t("col.status"), value: (p) => badge(label("project_status", p.status), p.status) },
    { label: t("col.grade"), value: (p) => formatNumber(p.grade, { maximumFractionDigits: 1 }), numeric: true },
    { label: t("col.late_deliverables"), value: (p) => formatNumber(p.late_deliverables), numeric: true },
  ])));
  nodes.push(section(t("student360.placements"), list(data.placements, [
    { label: t("col.period"), value: (p) => `${formatDate(p.starts_on)} – ${formatDate(p.ends_on)}` },
    { label: t("col.status"), value: (p) => badge(label("placement_status", p.status), p.status) },
    { label: t("col.checkins"), value: (p) => t("student360.checkins", { logged: formatNumber(p.checkins?.logged), expected: formatNumber(p.checkins?.expected), missed: formatNumber(p.checkins?.missed) }) },
    { label: t("col.alerts"), value: (p) => (p.open_alerts || []).length ? badge(t("student360.open_alerts", { count: formatNumber(p.open_alerts.length) }), "warn") : "—" },
  ])));
  nodes.push(h("div", { class: "grid-2" },
    section(t("student360.certificates"), list(data.certificates, [
      { label: t("col.certificate_number"), value: (c) => h("a", { href: `#/verify/${encodeURIComponent(c.number)}` }, c.number) },
      { label: t("col.certificate"), value: (c) => c.certificate_code },
      { label: t("col.level"), value: (c) => label("level", c.level) },
      { label: t("col.issued_on"), value: (c) => formatDate(c.issued_on) },
      { label: t("col.status"), value: (c) => badge(label("certificate_status", c.status), c.status) },
    ])),
    section(t("student360.credits"), h("p", { class: "kpi-value" }, formatNumber(data.credits?.total ?? 0)),
      list(data.credits?.grants, [
        { label: t("col.certificate"), value: (g) => g.certificate_number || g.certificate_code || "—" },
        { label: t("col.credits"), value: (g) => formatNumber(g.credits), numeric: true },
      ]))));
  body.replaceChildren(...nodes);
}

// a known reason in the locale's words, else the view's own message
function riskReason(reason) {
  const text = label("risk_reason", reason.code);
  return text === reason.code ? (reason.message || reason.code) : text;
}

function list(rows, columns) {
  return rows && rows.length ? dataTable(columns, rows) : empty();
}

// -- graduation: the student's progress towards it, in the console's words ---------------

// The section of the 360: the day the student graduated, else each requirement
// with what is needed, what the student has and whether it is met, and what is
// missing. The lowest project grade counted is in the programme's requirements,
// which only admissions staff may read; others see the words without it.
async function graduationSection(graduation, programmeId, user) {
  const graduated = !!graduation.graduated_on;
  let minGrade;
  if (!graduated && programmeId && graduation.requirements_version && can(user, ROLES.admissions)) {
    try {
      const versions = await get(`/v1/programmes/${encodeURIComponent(programmeId)}/graduation-requirements`);
      minGrade = versions.find((v) => v.version === graduation.requirements_version)?.projects?.min_grade;
    } catch { /* the words go without the grade */ }
  }
  const version = graduation.requirements_version ? t("graduation.version_n", { version: formatNumber(graduation.requirements_version) }) : "—";
  if (graduated) {
    return h("section", { class: "card", id: "student-graduation", "data-graduated": graduation.graduated_on },
      h("h2", {}, t("graduation.title")),
      h("p", {}, badge(label("student_status", "graduated"), "graduated"), " ", t("graduation.graduated_on", { date: formatDate(graduation.graduated_on) })),
      h("dl", { class: "facts" }, fact(t("graduation.held_to"), version)));
  }
  const missing = graduationWords(graduation, minGrade);
  return h("section", { class: "card", id: "student-graduation", "data-eligible": String(!!graduation.eligible) },
    h("h2", {}, t("graduation.title")),
    h("p", {}, graduation.eligible ? badge(t("graduation.may_graduate"), "ok") : badge(t("graduation.not_yet"), "warn")),
    h("dl", { class: "facts" }, fact(t("graduation.held_to"), version)),
    (graduation.requirements || []).length ? dataTable([
      { label: t("graduation.requirement"), value: (r) => requirementName(r, minGrade) },
      { label: t("graduation.needed"), value: (r) => requirementNeeded(r), numeric: true },
      { label: t("graduation.has"), value: (r) => requirementHas(r), numeric: true },
      { label: t("graduation.met"), value: (r) => (r.met ? badge(t("msg.yes"), "ok") : badge(t("msg.no"), "bad")) },
    ], graduation.requirements, t("graduation.title"), (r) => requirementKey(r)) : null,
    h("h3", {}, t("graduation.missing")),
    missing.length ? h("ul", { class: "missing" }, missing.map((words) => h("li", {}, words))) : h("p", { class: "muted" }, t("graduation.all_met")));
}

// a certificate requirement names "CODE (level)": its code and its lowest level
function certificateOf(requirement) {
  const found = /^(.*) \((junior|intermediate|senior)\)$/.exec(String(requirement.needed ?? ""));
  return found ? { code: found[1], level: found[2] } : { code: String(requirement.needed ?? ""), level: null };
}

export function requirementKey(requirement) {
  return requirement.requirement === "certificate" ? `certificate:${certificateOf(requirement).code}` : requirement.requirement;
}

export function requirementName(requirement, minGrade) {
  if (requirement.requirement === "projects" && minGrade !== undefined && minGrade !== null) {
    return t("graduation.projects_graded", { grade: formatNumber(minGrade) });
  }
  return label("graduation_requirement", requirement.requirement);
}

export function requirementNeeded(requirement) {
  if (requirement.requirement !== "certificate") return formatNumber(requirement.needed);
  const { code, level } = certificateOf(requirement);
  return level ? t("graduation.certificate_at_least", { code, level: label("level", level) }) : code;
}

export function requirementHas(requirement) {
  if (requirement.requirement !== "certificate") return formatNumber(requirement.has);
  return requirement.has ? label("level", requirement.has) : t("graduation.not_held");
}

// What keeps a student from graduating, in the console's words, from the
// check's facts (the API's `missing` is English): the student's status, a
// programme without requirements, then each unmet requirement.
export function graduationWords(check, minGrade) {
  const words = [];
  if (!check.requirements && !check.status) {  // a confirmation's student of another programme
    return (check.missing || []).length ? [t("graduation.words.not_in_programme")] : [];
  }
  if (check.status === "graduated") words.push(t("graduation.words.graduated"));
  else if (check.status === "suspended") words.push(t("graduation.words.suspended"));
  else if (check.status && check.status !== "active") words.push(t("graduation.words.status", { status: label("student_status", check.status) }));
  if (!check.requirements_version && !(check.requirements || []).length) {
    words.push(t("graduation.words.no_requirements"));
    return words;
  }
  for (const requirement of check.requirements || []) {
    if (requirement.met) continue;
    const short = Math.round(((Number(requirement.needed) || 0) - (Number(requirement.has) || 0)) * 100) / 100;
    const count = formatNumber(short);
    const one = short === 1;  // English says "1 more credit", "2 more credits"
    if (requirement.requirement === "credits") {
      words.push(one ? t("graduation.words.credits_one", { count }) : t("graduation.words.credits", { count }));
    } else if (requirement.requirement === "placement_hours") {
      words.push(one ? t("graduation.words.placement_hours_one", { count }) : t("graduation.words.placement_hours", { count }));
    } else if (requirement.requirement === "projects" && minGrade !== undefined && minGrade !== null) {
      const grade = formatNumber(minGrade);
      words.push(one ? t("graduation.words.projects_one", { count, grade }) : t("graduation.words.projects", { count, grade }));
    } else if (requirement.requirement === "projects") {
      words.push(one ? t("graduation.words.projects_any_one", { count }) : t("graduation.words.projects_any", { count }));
    } else if (requirement.requirement === "certificate") {
      const { code, level } = certificateOf(requirement);
      words.push(level ? t("graduation.words.certificate", { code, level: label("level", level) }) : t("graduation.words.certificate_any", { code }));
    } else if (requirement.missing) {
      words.push(requirement.missing);
    }
  }
  return words;
}
