// Student search and the student 360 (GET /v1/students/<id>/360).
import { ApiError, get, post, put } from "../api.js";
import { compareNames, formatDate, formatDateTime, formatNumber, label, t } from "../i18n.js";
import { nameOf } from "../lookup.js";
import { ROLES, can } from "../roles.js";
import { badge, dataTable, dialog, empty, errorBox, form, h, loading, pageHeader, pagedTable, section, toast } from "../ui.js";
import { awardBadge, studentAwardsSection } from "./competitions.js";
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
  // a graduate's first destination and retention checks (not an enterprise's user's: no graduation section)
  if (data.graduation && (data.graduation.graduated_on || student.status === "graduated")) {
    nodes.push(await destinationSection(studentId, student, data.graduation, user));
    if ((data.graduation.surveys || []).length) nodes.push(employerSurveysSection(data.graduation.surveys));
  }
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
    section(t("student360.credits"), h("p", { class: "kpi-value", id: "student-credits-total", "data-total": String(data.credits?.total ?? 0) }, formatNumber(data.credits?.total ?? 0)),
      list(data.credits?.grants, [
        { label: t("student360.credit_source"), value: (g) => grantSource(g, data.awards) },
        { label: t("col.credits"), value: (g) => formatNumber(g.credits), numeric: true },
      ]))));
  // a skills-competition award is the certificates part's (not an enterprise's user's: always empty)
  if (user.role !== "enterprise_user") nodes.push(studentAwardsSection(data.awards));
  body.replaceChildren(...nodes);
}

// what a credit grant came from: a certificate's number, or a competition award
function grantSource(grant, awards) {
  if (!grant.award_id) return grant.certificate_number || grant.certificate_code || "—";
  const award = (awards || []).find((a) => a.award_id === grant.award_id);
  return h("span", { class: "grant-award", "data-award-id": grant.award_id },
    award ? [award.competition_name, " ", awardBadge(award.award)] : t("student360.award_grant"));
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

// -- after graduation: the first destination and the retention checks -------------------
// (docs/enrollment.md, "Destinations and retention")

const DESTINATION_KINDS = ["hired", "further_study", "other", "not_yet_placed"];
const RETENTION_MONTHS = [6, 12];

// The graduate's first destination and the 6- and 12-month checks of a hire.
// Admissions staff read the student record itself (the 360 follows it a
// moment later, and holds less of each check) and may record or correct them;
// other staff see the 360's copy.
async function destinationSection(studentId, student, graduation, user) {
  const editable = can(user, ROLES.admissions);
  let record = { destination: graduation.destination || null, retention: graduation.retention || {}, partner_id: student.partner_id };
  if (editable) {
    try {
      record = await get(`/v1/students/${encodeURIComponent(studentId)}`);
    } catch { /* the 360's copy */ }
  }
  const box = h("section", { class: "card", id: "student-destination" });
  function show(current) {
    record = current;
    const destination = current.destination || null;
    box.dataset.outcome = destination ? destination.outcome : "";
    box.replaceChildren(...destinationView(current, editable, {
      recordDestination: () => destinationDialog(studentId, record).then((saved) => {
        if (!saved) return;
        toast(t("destination.saved"));
        show(saved);
        box.querySelector("#record-destination")?.focus();
      }),
      recordCheck: (months) => retentionDialog(studentId, record.destination, months).then((saved) => {
        if (!saved) return;
        toast(t("retention.saved", { months: formatNumber(months) }));
        show(saved);
        box.querySelector(`tr[data-key="${months}"] .record-check`)?.focus();
      }),
    }).filter(Boolean));
  }
  show(record);
  return box;
}

function destinationView(record, editable, actions) {
  const destination = record.destination;
  const button = editable ? h("button", { type: "button", class: destination ? "" : "primary", id: "record-destination", onclick: actions.recordDestination },
    destination ? t("destination.correct") : t("destination.record")) : null;
  const nodes = [h("div", { class: "page-header" }, h("h2", {}, t("destination.title")), h("div", { class: "actions" }, button))];
  if (!destination) {
    nodes.push(empty(t("destination.none")));
    return nodes;
  }
  const outcome = destination.outcome;
  const where = outcome === "further_study" ? t("destination.school") : t("destination.employer");
  nodes.push(h("dl", { class: "facts" },
    fact(t("destination.outcome"), badge(label("destination_outcome", outcome), outcomeTone(outcome))),
    outcome === "not_yet_placed" ? null : fact(where, employerOf(destination)),
    outcome === "not_yet_placed" ? null : fact(positionLabel(outcome), destination.position || "—"),
    outcome === "not_yet_placed" ? null : fact(t("destination.started_on"), formatDate(destination.started_on)),
    destination.note ? fact(t("destination.note"), destination.note) : null,
    destination.recorded_by ? fact(t("destination.recorded"), `${destination.recorded_by} · ${formatDateTime(destination.recorded_at)}`) : null));
  if (editable) nodes.push(h("p", { class: "help small" }, t("destination.correction_help")));
  if (!outcome.startsWith("hired") || !destination.started_on) {
    nodes.push(h("p", { class: "muted" }, t("retention.only_hires")));
    return nodes;
  }
  const today = isoToday();
  const retention = record.retention || {};
  nodes.push(h("h3", {}, t("retention.title")), dataTable([
    { label: t("retention.check"), value: (months) => t("retention.months", { months: formatNumber(months) }) },
    { label: t("retention.due_on"), value: (months) => formatDate(addMonths(destination.started_on, months)) },
    { label: t("retention.result"), value: (months) => checkResult(retention[String(months)], addMonths(destination.started_on, months) <= today) },
    { label: t("retention.checked_on"), value: (months) => formatDate(retention[String(months)]?.checked_on) },
    { label: t("retention.note"), value: (months) => retention[String(months)]?.note || "—" },
    editable ? { label: t("col.actions"), value: (months) => {
      const due = addMonths(destination.started_on, months);
      const recorded = !!retention[String(months)];
      return h("button", {
        type: "button", class: "record-check", disabled: due > today, onclick: () => actions.recordCheck(months),
      }, recorded ? t("retention.correct", { months: formatNumber(months) }) : t("retention.record", { months: formatNumber(months) }));
    } } : null,
  ].filter(Boolean), RETENTION_MONTHS, t("retention.title"), (months) => String(months)));
  return nodes;
}

// the employers' 6- and 12-month surveys of the graduate: when due, whether answered, the
// ratings and their mean (the employer's comment stays with the college's survey pages)
function employerSurveysSection(surveys) {
  const box = section(t("surveys.title"), dataTable([
    { label: t("surveys.survey"), value: (s) => t("surveys.months", { months: formatNumber(s.months) }) },
    { label: t("col.enterprise"), value: (s) => nameOf("partner", s.enterprise_id, `#/enterprises/${encodeURIComponent(s.enterprise_id)}`) },
    { label: t("surveys.due_on"), value: (s) => formatDate(s.due_on) },
    { label: t("col.status"), value: (s) => badge(label("survey_status", s.status), s.status) },
    { label: t("surveys.mean"), value: (s) => (s.mean == null ? "—" : formatNumber(s.mean, { maximumFractionDigits: 2 })), numeric: true },
    { label: t("surveys.ratings"), value: (s) => Object.entries(s.ratings || {}).map(([competency, rating]) => `${competency} ${formatNumber(rating)}`).join(" · ") || "—" },
  ], surveys, t("surveys.title"), (s) => s.survey_id));
  box.id = "student-surveys";
  box.dataset.answered = String(surveys.filter((s) => s.status === "answered").length);
  return box;
}

function outcomeTone(outcome) {
  if (outcome === "not_yet_placed") return "warn";
  return outcome === "other" ? "" : "ok";
}

// a partner by its name (linked to its page), else the name recorded
function employerOf(destination) {
  if (destination.enterprise_id) return nameOf("partner", destination.enterprise_id, `#/enterprises/${encodeURIComponent(destination.enterprise_id)}`);
  return destination.employer_name || "—";
}

function positionLabel(outcomeOrKind) {
  if (outcomeOrKind === "further_study") return t("destination.course");
  if (outcomeOrKind === "other") return t("destination.activity");
  return t("col.position");
}

function checkResult(check, due) {
  if (check) {
    return h("span", { class: "retention-result", "data-recorded": "true", "data-still-employed": String(!!check.still_employed) },
      check.still_employed ? badge(t("retention.still_employed"), "ok") : badge(t("retention.left"), "bad"));
  }
  return h("span", { class: "retention-result", "data-recorded": "false" },
    due ? badge(t("retention.due"), "warn") : badge(t("retention.not_yet_due")));
}

// A calendar day as YYYY-MM-DD, and so many months after one: a start on the
// 31st falls due at the end of a shorter month (enrollment's rule).
function isoDay(date) {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
}

function isoToday() {
  return isoDay(new Date());
}

export function addMonths(iso, months) {
  const [year, month, day] = iso.split("-").map(Number);
  const index = month - 1 + months;
  const targetYear = year + Math.floor(index / 12);
  const targetMonth = index % 12;
  const lastDay = new Date(targetYear, targetMonth + 1, 0).getDate();
  return isoDay(new Date(targetYear, targetMonth, Math.min(day, lastDay)));
}

// Every partner enterprise, in pinyin order, for the employer picker.
async function allPartners() {
  const partners = [];
  try {
    for (let offset = 0; ; offset += 200) {
      const page = await get("/v1/partners", { offset, limit: 200 });
      partners.push(...(page.items || []));
      if (!(page.items || []).length || partners.length >= page.total) break;
    }
  } catch (problem) {
    return { partners: [], problem };
  }
  partners.sort((a, b) => compareNames(a.legal_name, b.legal_name));
  return { partners, problem: null };
}

// The destination's form: its kind, then what that kind needs (the employer:
// a partner from the list or a name; the school; the position; the start),
// and a note. Recording it again corrects it; the API keeps the earlier one.
async function destinationDialog(studentId, record) {
  const { partners, problem } = await allPartners();
  const current = record.destination;
  const sponsorId = record.partner_id;
  const kind = current ? (current.outcome.startsWith("hired") ? "hired" : current.outcome) : "hired";
  const enterprise = current ? current.enterprise_id ?? "" : sponsorId ?? "";
  const sponsorFirst = [...partners].sort((a, b) => (b.id === sponsorId) - (a.id === sponsorId));
  const options = [["", t("destination.not_a_partner")],
    ...sponsorFirst.map((p) => [p.id, p.id === sponsorId ? t("destination.sponsor_option", { name: p.legal_name }) : p.legal_name])];
  if (enterprise && !partners.some((p) => p.id === enterprise)) options.push([enterprise, enterprise]);
  return dialog(current ? t("destination.correct") : t("destination.record"), (close) => {
    const el = form({
      fields: [
        { name: "kind", label: t("destination.kind"), type: "select", required: true, value: kind,
          options: DESTINATION_KINDS.map((k) => [k, label("destination_kind", k)]) },
        { name: "enterprise_id", label: t("destination.enterprise"), type: "select", value: enterprise, options, help: t("destination.enterprise_help") },
        { name: "employer_name", label: t("destination.employer_name"), value: current?.employer_name },
        { name: "position", label: t("col.position"), value: current?.position },
        { name: "started_on", label: t("destination.started_on"), type: "date", value: current?.started_on },
        { name: "note", label: t("destination.note"), type: "textarea", rows: 2, value: current?.note },
      ],
      submitLabel: t("action.save"),
      submit: (values) => saveDestination(studentId, shownValues(el, values)),
      onDone: (saved) => close(saved),
      cancel: () => close(null),
    });
    el.id = "destination-form";
    const { controls } = el;
    function update() {
      const chosen = controls.kind.value;
      const hired = chosen === "hired";
      const placed = chosen !== "not_yet_placed";
      showField(controls.enterprise_id, hired, false);
      showField(controls.employer_name, placed && !(hired && controls.enterprise_id.value),
        chosen === "hired" || chosen === "further_study",
        chosen === "further_study" ? t("destination.school") : chosen === "other" ? t("destination.organisation") : t("destination.employer_name"));
      showField(controls.position, placed, false, positionLabel(chosen));
      showField(controls.started_on, placed, chosen === "hired" || chosen === "further_study");
    }
    controls.kind.addEventListener("change", update);
    controls.enterprise_id.addEventListener("change", update);
    update();
    return h("div", {},
      problem ? h("div", { class: "alert warning", role: "status" }, t("destination.partners_unavailable")) : null,
      current ? h("p", { class: "help" }, t("destination.correction_help")) : null,
      el);
  });
}

// A field of a form shown or hidden for the kind chosen, required or not, and
// its label in that kind's words; a hidden one's value is not sent.
function showField(control, shown, required, text) {
  const field = control.closest(".field");
  field.hidden = !shown;
  control.required = shown && required;
  const caption = field.querySelector("label");
  if (text) caption.firstChild.textContent = text;
  const star = caption.querySelector(".required");
  if (control.required && !star) caption.append(h("span", { class: "required", "aria-hidden": "true" }, " *"));
  if (!control.required && star) star.remove();
  if (!shown) {
    control.removeAttribute("aria-invalid");
    field.querySelector(".field-error").textContent = "";
  }
}

function shownValues(el, values) {
  return Object.fromEntries(Object.entries(values).filter(([name]) => !el.controls[name].closest(".field").hidden));
}

async function saveDestination(studentId, body) {
  try {
    return await put(`/v1/students/${encodeURIComponent(studentId)}/destination`, body);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 400) {
      // the API's rule that a hire or further study names its employer and its
      // start comes as a field error in English: in the console's words
      const rules = {
        employer_name: !body.employer_name && !body.enterprise_id ? t("destination.employer_needed") : null,
        started_on: !body.started_on ? t("destination.start_needed") : null,
      };
      error.problem.field_errors = (error.problem.field_errors || []).map((e) => (
        e.code === "invalid" && rules[e.field] ? { ...e, code: "rule", message: rules[e.field] } : e));
    } else if (error.status === 409) {
      throw new ApiError(409, { ...error.problem, code: undefined, detail: t("destination.not_graduated") });
    }
    throw error;
  }
}

// A 6- or 12-month check: still employed there or not, the day it was made
// (today when left empty) and a note. Before the check falls due the API
// answers 409 naming the day: said beside the day.
function retentionDialog(studentId, destination, months) {
  return dialog(t("retention.record", { months: formatNumber(months) }), (close) => {
    const el = form({
      fields: [
        { name: "months", label: t("retention.check"), type: "select", required: true, value: String(months),
          options: RETENTION_MONTHS.map((m) => [String(m), t("retention.months", { months: formatNumber(m) })]) },
        { name: "still_employed", label: t("retention.still_employed_question"), type: "select", required: true, value: "",
          options: [["", t("retention.choose")], ["true", t("retention.yes_still_employed")], ["false", t("retention.no_left")]] },
        { name: "checked_on", label: t("retention.checked_on"), type: "date", max: isoToday(), help: t("retention.checked_on_help") },
        { name: "note", label: t("retention.note"), type: "textarea", rows: 2 },
      ],
      submitLabel: t("action.save"),
      submit: (values) => saveRetention(studentId, {
        ...values, months: Number(values.months), still_employed: values.still_employed === "true",
      }),
      onDone: (saved) => close(saved),
      cancel: () => close(null),
    });
    el.id = "retention-form";
    const dueNote = h("p", { class: "help", id: "retention-due" });
    const showDue = () => {
      const chosen = Number(el.controls.months.value);
      dueNote.textContent = t("retention.falls_due", { months: formatNumber(chosen), date: formatDate(addMonths(destination.started_on, chosen)) });
    };
    el.controls.months.addEventListener("change", showDue);
    showDue();
    return h("div", {}, dueNote, el);
  });
}

async function saveRetention(studentId, body) {
  try {
    return await post(`/v1/students/${encodeURIComponent(studentId)}/retention-checks`, body);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 409) throw error;
    if (error.problem.due_on) {
      // not yet due: said beside the day of the check, with the day it falls due
      const message = t("retention.not_due", { months: formatNumber(body.months), date: formatDate(error.problem.due_on) });
      error.errors = { checked_on: [message] };
      error.problem.field_errors = [{ field: "checked_on", code: "rule", message }];
      throw error;
    }
    throw new ApiError(409, { ...error.problem, code: undefined, detail: t("retention.needs_hire") });
  }
}
