// Programmes with seat figures, the application pipeline with the screening,
// interview, offer and approval actions, and the CSV import of applicants.
import { get, post, put } from "../api.js";
import { compareNames, formatDate, formatDateTime, formatNumber, label, t } from "../i18n.js";
import { ROLES, can } from "../roles.js";
import { certificateRowsEditor } from "../certificate-rows.js";
import { nameOf } from "../lookup.js";
import { badge, confirmAction, dataTable, dialog, empty, clearFormErrors, errorBox, errorText, form, h, loading, pageHeader, pagedTable, section, sendForm, toast, uid } from "../ui.js";
import { graduationWords } from "./students.js";
import { fact } from "./verify.js";
import { satisfactionView } from "./surveys.js";

const PIPELINE = ["submitted", "screened", "interviewed", "offered", "accepted", "enrolled", "rejected", "declined", "withdrawn", "expired"];

export async function render(view, context) {
  if (context.pattern === "/applications/:id") return renderApplication(view, context);
  if (context.params.id) return renderProgramme(view, context);
  const { user } = context;
  const table = pagedTable({
    caption: t("programmes.title"),
    columns: [
      { label: t("col.code"), value: (p) => h("a", { href: `#/programmes/${p.id}` }, p.code) },
      { label: t("col.title"), value: (p) => p.name },
      { label: t("col.kind"), value: (p) => label("kind", p.kind) },
      { label: t("col.intake_year"), value: (p) => p.intake_year },
      { label: t("col.capacity"), value: (p) => formatNumber(p.capacity), numeric: true },
      { label: t("col.seats_filled"), value: (p) => formatNumber(p.consumed), numeric: true },
    ],
    load: (offset, limit) => get("/v1/programmes", { offset, limit }),
  });
  const importButton = can(user, ROLES.admissions)
    ? h("button", { type: "button", onclick: () => importDialog() }, t("import.title")) : null;
  view.append(pageHeader(t("programmes.title"), importButton), table);
}

async function renderProgramme(view, { params, user }) {
  const body = h("div", {}, loading());
  view.append(body);
  let programme;
  try {
    programme = await get(`/v1/programmes/${encodeURIComponent(params.id)}`);
  } catch (error) {
    body.replaceChildren(pageHeader(t("programmes.title")), errorBox(error));
    return;
  }
  const status = h("select", { id: "application-status" }, h("option", { value: "" }, t("applications.any_status")),
    PIPELINE.map((s) => h("option", { value: s }, label("application_status", s))));
  // a teacher sees the programme, not its applicants (roles.js)
  const readsApplications = can(user, ROLES.applicationReaders);
  const applications = readsApplications && pagedTable({
    caption: t("applications.title"),
    rowKey: (a) => a.id,
    columns: [
      { label: t("col.applicant"), value: (a) => h("a", { href: `#/applications/${a.id}` }, a.applicant_name || a.applicant_id) },
      { label: t("col.status"), value: (a) => badge(label("application_status", a.status), a.status) },
      { label: t("col.submitted_at"), value: (a) => formatDateTime(a.created_at) },
    ],
    load: async (offset, limit) => {
      const page = await get("/v1/applications", { programme_id: programme.id, status: status.value, offset, limit });
      page.items.sort((a, b) => compareNames(a.applicant_name, b.applicant_name));
      return page;
    },
  });
  if (applications) status.addEventListener("change", () => applications.reload());
  const apply = can(user, ROLES.admissions) ? h("button", {
    type: "button", class: "primary",
    onclick: () => dialog(t("applications.new"), (close) => form({
      fields: [
        { name: "name", label: t("col.name"), required: true },
        { name: "resident_id", label: t("col.resident_id") },
        { name: "phone", label: t("col.phone") },
        { name: "email", label: t("col.email"), type: "email" },
      ],
      submitLabel: t("action.submit"),
      submit: async (values) => {
        try {
          return await post("/v1/applications", { programme_id: programme.id, applicant: values });
        } catch (error) {  // the applicant's fields are nested: show them next to their inputs
          if (error.errors?.applicant && typeof error.errors.applicant === "object" && !Array.isArray(error.errors.applicant)) {
            error.errors = { ...error.errors.applicant };
            error.problem.field_errors = (error.problem.field_errors || []).map((e) => (
              e.field.startsWith("applicant.") ? { ...e, field: e.field.slice("applicant.".length) } : e));
          }
          throw error;
        }
      },
      onDone: () => { close(true); toast(t("msg.saved")); applications.reload(); },
      cancel: () => close(false),
    })),
  }, t("applications.new")) : null;
  body.replaceChildren(
    pageHeader(`${programme.code} ${programme.name}`, apply),
    h("div", { class: "kpis" },
      kpi(t("col.capacity"), formatNumber(programme.capacity)),
      kpi(t("programmes.free"), formatNumber(programme.free)),
      kpi(t("programmes.reserved"), formatNumber(programme.reserved)),
      kpi(t("programmes.consumed"), formatNumber(programme.consumed))),
    section(t("programmes.quotas"), dataTable([
      { label: t("col.enterprise"), value: (q) => nameOf("partner", q.partner_id, `#/enterprises/${q.partner_id}`) },
      { label: t("col.seats"), value: (q) => formatNumber(q.seats), numeric: true },
      { label: t("programmes.reserved"), value: (q) => formatNumber(q.reserved), numeric: true },
      { label: t("programmes.consumed"), value: (q) => formatNumber(q.consumed), numeric: true },
    ], programme.quotas || [])),
    ...(readsApplications ? [section(t("applications.title"), h("div", { class: "filters" }, h("div", { class: "field" }, h("label", { for: "application-status" }, t("col.status")), status)), applications)] : []),
    // what employers rate its graduates on, and what they rated (employer surveys)
    competenciesSection(programme, user),
    ...(can(user, ROLES.admissions) ? [surveyResultsSection(programme)] : []),
    // graduation is the registrar's: admissions staff only (roles.js)
    ...(can(user, ROLES.admissions) ? [graduationSection(programme)] : []));
}

function kpi(text, value) {
  return h("div", { class: "kpi" }, h("span", { class: "kpi-value" }, value), h("span", { class: "kpi-label" }, text));
}

// What the signed-in role may do next with an application in its status.
function actionsFor(application, user) {
  const admissions = can(user, ROLES.admissions);
  const enterprise = user.role === "enterprise_user";
  const path = `/v1/applications/${application.id}`;
  const actions = [];
  const approvals = application.offer_approvals || {};
  if (application.status === "submitted" && admissions) {
    actions.push(["applications.screen_pass", () => post(`${path}/screening`, { passed: true })]);
    actions.push(["applications.screen_fail", () => reasonDialog("applications.screen_fail", (reason) => post(`${path}/screening`, { passed: false, reason })), true]);
  }
  if (application.status === "screened" && (admissions || enterprise)) {
    actions.push(["applications.interview", () => dialog(t("applications.interview"), (close) => form({
      fields: [
        { name: "score", label: t("col.score"), type: "number", min: 0, max: 100, required: true },
        { name: "interviewer", label: t("col.interviewer"), required: true },
        { name: "passed", label: t("applications.interview_passed"), type: "checkbox", value: true },
      ],
      submitLabel: t("action.save"),
      submit: (values) => post(`${path}/interview`, values),
      onDone: (result) => close(result),
      cancel: () => close(null),
    }))]);
  }
  if (application.status === "interviewed" && (admissions || enterprise)) {
    const party = enterprise ? "enterprise" : "college";
    if (!approvals[party]) {
      actions.push(["applications.approve_offer", () => post(`${path}/offer-decisions`, { approve: true })]);
      actions.push(["applications.reject_offer", () => reasonDialog("applications.reject_offer", (reason) => post(`${path}/offer-decisions`, { approve: false, reason })), true]);
    }
  }
  if (application.status === "offered" && admissions) {
    actions.push(["applications.accept_offer", () => post(`${path}/offer-response`, { accept: true })]);
    actions.push(["applications.decline_offer", () => reasonDialog("applications.decline_offer", (reason) => post(`${path}/offer-response`, { accept: false, reason })), true]);
  }
  if (["submitted", "screened", "interviewed", "offered", "accepted"].includes(application.status) && admissions) {
    actions.push(["applications.withdraw", () => reasonDialog("applications.withdraw", (reason) => post(`${path}/withdrawal`, { reason })), true]);
  }
  return actions;
}

function reasonDialog(titleKey, send) {
  return dialog(t(titleKey), (close) => form({
    fields: [{ name: "reason", label: t("col.reason"), type: "textarea", required: true, rows: 3 }],
    submitLabel: t("action.confirm"),
    submit: async (values) => {
      if (!(await confirmAction(t("confirm.irreversible")))) return null;
      return send(values.reason);
    },
    onDone: (result) => close(result),
    cancel: () => close(null),
  }));
}

async function renderApplication(view, context) {
  const { params, user } = context;
  const body = h("div", {}, loading());
  view.replaceChildren(body);
  let application;
  try {
    application = await get(`/v1/applications/${encodeURIComponent(params.id)}`);
  } catch (error) {
    body.replaceChildren(pageHeader(t("applications.title")), errorBox(error));
    return;
  }
  const approvals = application.offer_approvals || {};
  const buttons = actionsFor(application, user).map(([key, run, destructive]) => h("button", {
    type: "button", class: destructive ? "danger" : "primary",
    onclick: async (event) => {
      event.currentTarget.disabled = true;
      try {
        const result = await run();
        if (result) { toast(t("msg.saved")); renderApplication(view, context); return; }
      } catch (error) {
        toast(errorText(error));
      }
      event.currentTarget.disabled = false;
    },
  }, t(key)));
  body.replaceChildren(
    pageHeader(application.applicant_name || t("applications.title")),
    h("p", {}, h("a", { href: `#/programmes/${application.programme_id}` }, t("applications.back_to_programme"))),
    section(t("applications.detail"), h("dl", { class: "facts" },
      fact(t("col.status"), h("span", { id: "application-status-value", "data-status": application.status }, badge(label("application_status", application.status), application.status))),
      fact(t("col.submitted_at"), formatDateTime(application.created_at)),
      fact(t("applications.college_approval"), approvals.college ? t("msg.yes") : t("msg.no")),
      fact(t("applications.enterprise_approval"), approvals.enterprise ? t("msg.yes") : t("msg.no")),
      application.offer_expires_at ? fact(t("applications.offer_expires"), formatDate(application.offer_expires_at)) : null,
      application.interview ? fact(t("col.score"), formatNumber(application.interview.score)) : null)),
    buttons.length ? section(t("applications.next_steps"), h("div", { class: "actions" }, buttons)) : null);
}

// Applicants from a CSV file, sent in batches so the progress bar moves and a
// large file never hits the body limit; every row's outcome is reported.
function importDialog() {
  return dialog(t("import.title"), (close) => {
    const file = h("input", { id: "import-file", type: "file", accept: ".csv,text/csv" });
    const progress = h("progress", { id: "import-progress", max: 100, value: 0, hidden: true });
    const summary = h("div", { "aria-live": "polite" });
    const start = h("button", { type: "button", class: "primary" }, t("import.start"));
    start.addEventListener("click", async () => {
      if (!file.files.length) { summary.replaceChildren(h("p", { class: "field-error" }, t("import.choose_file"))); return; }
      const text = await file.files[0].text();
      const [header, ...lines] = text.replace(/\r\n/g, "\n").split("\n").filter((line) => line.trim());
      const batchSize = 200;
      const totals = { imported: 0, duplicates: 0, rejected: 0 };
      const rejected = [];
      progress.hidden = false;
      start.disabled = true;
      try {
        for (let index = 0; index < lines.length; index += batchSize) {
          const batch = lines.slice(index, index + batchSize);
          const report = await post("/v1/applicant-imports", { filename: file.files[0].name, csv: [header, ...batch].join("\n") });
          totals.imported += report.imported || 0;
          totals.duplicates += report.duplicates || 0;
          totals.rejected += report.rejected || 0;
          for (const row of report.report || []) {
            if (row.status === "rejected") rejected.push({ ...row, row: row.row + index });
          }
          progress.value = Math.round(((index + batch.length) / lines.length) * 100);
          summary.replaceChildren(h("p", {}, t("import.progress", { done: formatNumber(index + batch.length), total: formatNumber(lines.length) })));
        }
        summary.replaceChildren(h("p", {}, t("import.done", { imported: formatNumber(totals.imported), duplicates: formatNumber(totals.duplicates), rejected: formatNumber(totals.rejected) })),
          rejected.length ? dataTable([
            { label: t("import.row"), value: (r) => r.row, numeric: true },
            { label: t("import.errors"), value: (r) => Object.entries(r.errors || {}).map(([f, m]) => `${f}: ${[].concat(m).join(" ")}`).join("; ") },
          ], rejected) : null);
      } catch (error) {
        summary.replaceChildren(errorBox(error));
      }
      start.disabled = false;
    });
    return h("div", {},
      h("div", { class: "field" }, h("label", { for: "import-file" }, t("import.file")), file, h("small", { class: "help" }, t("import.help"))),
      h("label", { for: "import-progress", class: "visually-hidden" }, t("import.progress_label")), progress, summary,
      h("div", { class: "form-actions" }, start, h("button", { type: "button", onclick: () => close(null) }, t("action.close"))));
  });
}

// -- graduation: the programme's requirements, the check of its students and
// the registrar's confirmation (docs/enrollment.md, "Graduation") ------------

const CHECK_PAGE = 200;       // the largest page of the check the API answers
const GRADUATE_BATCH = 1000;  // the most students one confirmation takes

function graduationSection(programme) {
  const path = `/v1/programmes/${encodeURIComponent(programme.id)}`;
  let versions = [];
  const minGradeOf = (version) => versions.find((v) => v.version === version)?.projects?.min_grade;
  const requirements = h("div", { id: "graduation-requirements" }, loading());
  async function loadVersions() {
    try {
      versions = await get(`${path}/graduation-requirements`);
      requirements.replaceChildren(...requirementsView(versions).filter(Boolean));
    } catch (error) {
      requirements.replaceChildren(errorBox(error));
    }
  }
  const versionsLoaded = loadVersions();
  const setButton = h("button", {
    type: "button", class: "primary", id: "set-graduation-requirements",
    onclick: () => requirementsDialog(path, versions[0]).then((saved) => {
      if (!saved) return;
      toast(t("graduation.saved", { version: formatNumber(saved.version) }));
      loadVersions().then(() => check.reload());
    }),
  }, t("graduation.set"));

  const eligible = h("select", { id: "graduation-eligible" },
    h("option", { value: "" }, t("graduation.any")),
    h("option", { value: "true" }, t("graduation.only_eligible")),
    h("option", { value: "false" }, t("graduation.only_not_eligible")));
  const counts = h("p", { id: "graduation-counts", class: "kpi-label", role: "status" });
  const report = h("div", { id: "graduation-report", "aria-live": "polite" });
  let busy = false;
  let eligibleCount = 0;
  const graduateButton = h("button", { type: "button", class: "danger", id: "graduate-eligible", disabled: true, onclick: () => graduateEligible() }, t("graduation.graduate"));
  function showCounts(page) {
    eligibleCount = page.eligible || 0;
    counts.dataset.eligible = String(eligibleCount);
    counts.dataset.total = String(page.total || 0);
    counts.textContent = t("graduation.counts", { eligible: formatNumber(eligibleCount), total: formatNumber(page.total || 0) });
    graduateButton.disabled = busy || !eligibleCount;
  }
  const check = pagedTable({
    caption: t("graduation.check"),
    rowKey: (c) => c.student_id,
    columns: [
      { label: t("col.student_number"), value: (c) => h("a", { href: `#/students/${c.student_id}` }, c.student_number) },
      { label: t("col.name"), value: (c) => c.name },
      { label: t("col.status"), value: (c) => badge(label("student_status", c.status), c.status) },
      { label: t("graduation.version"), value: (c) => (c.requirements_version ? t("graduation.version_n", { version: formatNumber(c.requirements_version) }) : "—") },
      { label: t("graduation.unmet"), value: (c) => missingList(c, minGradeOf(c.requirements_version)) },
      { label: t("graduation.eligible"), value: (c) => h("span", { "data-eligible": String(!!c.eligible) }, c.eligible ? badge(t("msg.yes"), "ok") : badge(t("msg.no"), "bad")) },
    ],
    load: async (offset, limit) => {
      await versionsLoaded;
      // the counts are of every student, whichever the filter shows
      const [page, all] = await Promise.all([
        get(`${path}/graduation-check`, { eligible: eligible.value, offset, limit }),
        eligible.value ? get(`${path}/graduation-check`, { limit: 1 }) : null]);
      showCounts(all || page);
      return page;
    },
  });
  check.id = "graduation-check";
  eligible.addEventListener("change", () => check.reload());

  // every eligible student's id, a page at a time, then graduated a batch at
  // a time; each student is checked again by the API, and the report says who
  // was not graduated and why
  async function graduateEligible() {
    if (busy) return;
    if (!(await confirmAction(t("graduation.confirm", { count: formatNumber(eligibleCount) }), t("graduation.graduate")))) return;
    busy = true;
    graduateButton.disabled = true;
    const progress = h("p", { class: "help", role: "status" }, t("graduation.gathering"));
    report.replaceChildren(progress);
    const outcome = { graduated: 0, not_graduated: 0, students: [] };
    let failure = null;
    try {
      const ids = new Set();
      for (let offset = 0; ; offset += CHECK_PAGE) {
        const page = await get(`${path}/graduation-check`, { eligible: "true", offset, limit: CHECK_PAGE });
        for (const item of page.items || []) ids.add(item.student_id);
        if (!(page.items || []).length || offset + CHECK_PAGE >= page.total) break;
      }
      const all = [...ids];
      for (let index = 0; index < all.length; index += GRADUATE_BATCH) {
        const answer = await post(`${path}/graduations`, { student_ids: all.slice(index, index + GRADUATE_BATCH) });
        outcome.graduated += answer.graduated || 0;
        outcome.not_graduated += answer.not_graduated || 0;
        outcome.students.push(...(answer.students || []).filter((s) => !s.graduated));
        progress.textContent = t("graduation.progress", { done: formatNumber(Math.min(index + GRADUATE_BATCH, all.length)), total: formatNumber(all.length) });
      }
      if (!all.length) {
        report.replaceChildren(h("p", { class: "muted" }, t("graduation.none_eligible")));
        return;
      }
    } catch (error) {
      failure = error;
    } finally {
      busy = false;
      if (outcome.graduated || outcome.not_graduated || failure) {
        report.replaceChildren(...[...reportView(outcome, (v) => minGradeOf(v)), failure ? errorBox(failure) : null].filter(Boolean));
        if (outcome.graduated) toast(t("graduation.report", { graduated: formatNumber(outcome.graduated), not_graduated: formatNumber(outcome.not_graduated) }));
      }
      check.reload();
    }
  }

  return h("section", { class: "card", id: "graduation" },
    h("div", { class: "page-header" }, h("h2", {}, t("graduation.title")), h("div", { class: "actions" }, setButton)),
    requirements,
    h("h3", {}, t("graduation.check")),
    h("div", { class: "filters" },
      h("div", { class: "field" }, h("label", { for: "graduation-eligible" }, t("graduation.filter_eligible")), eligible),
      h("div", { class: "actions" }, graduateButton)),
    counts, report, check);
}

function missingList(check, minGrade) {
  const words = graduationWords(check, minGrade);
  return words.length ? h("ul", { class: "plain missing" }, words.map((w) => h("li", {}, w))) : "—";
}

// The newest version (the one a new cohort is held to) and the earlier ones.
function requirementsView(versions) {
  if (!versions.length) return [empty(t("graduation.no_requirements"))];
  const [latest, ...earlier] = versions;
  return [
    h("p", { id: "graduation-version", "data-version": latest.version },
      h("strong", {}, t("graduation.version_n", { version: formatNumber(latest.version) })), " ",
      t("graduation.effective", { date: formatDate(latest.effective_from) })),
    h("dl", { class: "facts" },
      fact(t("graduation.credits"), formatNumber(latest.credits)),
      fact(t("graduation.placement_hours"), formatNumber(latest.placement_hours)),
      fact(t("graduation.certificates"), certificatesText(latest.certificates)),
      fact(t("graduation.projects"), projectsText(latest.projects)),
      fact(t("graduation.note"), latest.note || "—"),
      fact(t("graduation.set_by"), `${latest.set_by || "—"} · ${formatDateTime(latest.set_at)}`)),
    earlier.length ? h("div", { class: "earlier-versions" },
      h("h3", {}, t("graduation.earlier_versions", { count: formatNumber(earlier.length) })),
      dataTable([
        { label: t("graduation.version"), value: (v) => t("graduation.version_n", { version: formatNumber(v.version) }) },
        { label: t("graduation.effective_from"), value: (v) => formatDate(v.effective_from) },
        { label: t("graduation.credits"), value: (v) => formatNumber(v.credits), numeric: true },
        { label: t("graduation.placement_hours"), value: (v) => formatNumber(v.placement_hours), numeric: true },
        { label: t("graduation.certificates"), value: (v) => certificatesText(v.certificates) },
        { label: t("graduation.projects"), value: (v) => projectsText(v.projects) },
        { label: t("graduation.set_by"), value: (v) => `${v.set_by || "—"} · ${formatDateTime(v.set_at)}` },
      ], earlier, t("graduation.earlier_versions", { count: formatNumber(earlier.length) }), (v) => v.version)) : null,
  ];
}

function certificatesText(certificates) {
  if (!(certificates || []).length) return t("graduation.no_certificates");
  return certificates.map((c) => t("graduation.certificate_at_least", { code: c.code, level: label("level", c.level) })).join(t("graduation.list_separator"));
}

function projectsText(projects) {
  if (!projects || !projects.count) return t("graduation.no_projects");
  return t("graduation.projects_rule", { count: formatNumber(projects.count), grade: formatNumber(projects.min_grade) });
}

function reportView(outcome, minGradeOf) {
  return [
    h("p", { class: "alert info", id: "graduation-outcome", "data-graduated": outcome.graduated, "data-not-graduated": outcome.not_graduated },
      t("graduation.report", { graduated: formatNumber(outcome.graduated), not_graduated: formatNumber(outcome.not_graduated) })),
    outcome.students.length ? h("div", {}, h("h3", {}, t("graduation.not_graduated")), dataTable([
      { label: t("col.student_number"), value: (s) => (s.student_number ? h("a", { href: `#/students/${s.student_id}` }, s.student_number) : s.student_id) },
      { label: t("col.name"), value: (s) => s.name || "—" },
      { label: t("graduation.missing"), value: (s) => missingList(s, minGradeOf(s.requirements_version)) },
    ], outcome.students, t("graduation.not_graduated"), (s) => s.student_id)) : null,
  ];
}

// A new version of the requirements, starting from the newest one's values:
// credits, placement hours, certificates (a code and the lowest level, as
// many rows as wanted), projects, the day it takes effect and a note. The
// API's field errors show beside their fields, a certificate's beside its row.
function requirementsDialog(path, latest) {
  return dialog(t("graduation.set"), (close) => {
    const controls = {};
    const general = h("div", { class: "form-errors", role: "alert" });
    const el = h("form", { class: "form", novalidate: true, id: "graduation-requirements-form" });
    function field(name, text, control, { required = false, help } = {}) {
      const id = uid(name.replace(/\W/g, "-"));
      control.id = id;
      control.name = name;
      control.setAttribute("aria-describedby", `${id}-error`);
      if (required) control.required = true;
      controls[name] = control;
      return h("div", { class: "field" },
        h("label", { for: id }, text, required ? h("span", { class: "required", "aria-hidden": "true" }, " *") : null),
        control, help ? h("small", { class: "help" }, help) : null, h("p", { class: "field-error", id: `${id}-error` }));
    }
    const number = (value, attrs = {}) => {
      const input = h("input", { type: "number", step: "any", min: 0, autocomplete: "off", ...attrs });
      input.value = value ?? "";
      return input;
    };
    const effective = h("input", { type: "date" });
    const note = h("textarea", { rows: 2 });
    const certificates = certificateRowsEditor({
      addId: "add-certificate", initial: latest?.certificates || [],
      words: { code: "graduation.certificate_code", level: "graduation.certificate_level",
               remove: "graduation.remove_certificate", add: "graduation.add_certificate" },
    });

    el.append(
      h("p", { class: "muted" }, t("graduation.set_help")),
      h("div", { class: "grid-2" },
        field("credits", t("graduation.credits"), number(latest?.credits, { max: 1000 }), { required: true }),
        field("placement_hours", t("graduation.placement_hours"), number(latest?.placement_hours, { max: 10000 }), { required: true }),
        field("projects.count", t("graduation.projects_count"), number(latest?.projects?.count ?? 0, { step: 1, max: 50 }), { required: true }),
        field("projects.min_grade", t("graduation.projects_min_grade"), number(latest?.projects?.min_grade ?? 60, { max: 100 }), { required: true })),
      h("fieldset", { class: "certificates" },
        h("legend", {}, t("graduation.certificates")),
        h("p", { class: "help" }, t("graduation.certificates_help")),
        certificates.list, certificates.error, certificates.add),
      field("effective_from", t("graduation.effective_from"), effective, { help: t("graduation.effective_from_help") }),
      field("note", t("graduation.note"), note));
    const submit = h("button", { type: "submit", class: "primary" }, t("action.save"));
    el.append(general, h("div", { class: "form-actions" }, submit, h("button", { type: "button", onclick: () => close(null) }, t("action.cancel"))));

    function place(path, messages) {
      let target = controls[path] ? [controls[path], document.getElementById(`${controls[path].id}-error`)]
        : certificates.control(path);
      if (!target && (path === "certificates" || path.startsWith("certificates."))) target = [null, certificates.error];
      if (!target && path === "projects") target = [controls["projects.count"], document.getElementById(`${controls["projects.count"].id}-error`)];
      if (!target) return false;
      const [control, error] = target;
      if (control) control.setAttribute("aria-invalid", "true");
      error.textContent = [error.textContent, ...messages].filter(Boolean).join(" ");
      return true;
    }
    el.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearFormErrors(el, general);
      for (const [name, control] of Object.entries(controls)) {
        if (control.required && !control.value.trim()) place(name, [t("validation.required")]);
      }
      certificates.empty().forEach((row) => place(`certificates.${certificates.rows.indexOf(row)}.code`, [t("validation.required")]));
      if (el.querySelector("[aria-invalid]")) { el.querySelector("[aria-invalid]").focus(); return; }
      const body = {
        credits: Number(controls.credits.value),
        placement_hours: Number(controls.placement_hours.value),
        certificates: certificates.value(),
        projects: { count: Number(controls["projects.count"].value), min_grade: Number(controls["projects.min_grade"].value) },
      };
      if (effective.value) body.effective_from = effective.value;
      if (note.value.trim()) body.note = note.value.trim();
      await sendForm({ button: submit, form: el, general, place, fallback: general },
        () => post(`${path}/graduation-requirements`, body), close);
    });
    return el;
  }, { wide: true });
}

// -- employer surveys: what employers rate the programme's graduates on, and
// what they rated (docs/enrollment.md, "Employer surveys") ------------------

const MAX_COMPETENCIES = 20;

// The competencies, for whoever sees the programme; admissions staff change them.
function competenciesSection(programme, user) {
  const box = h("section", { class: "card", id: "programme-competencies" });
  function show(list) {
    box.dataset.count = String(list.length);
    const edit = can(user, ROLES.admissions) ? h("button", {
      type: "button", id: "edit-competencies",
      onclick: () => competenciesDialog(programme.id, list).then((saved) => {
        if (!saved) return;
        toast(t("competencies.saved"));
        show(saved.competencies || []);
        box.querySelector("#edit-competencies")?.focus();
      }),
    }, t("competencies.edit")) : null;
    box.replaceChildren(
      h("div", { class: "page-header" }, h("h2", {}, t("competencies.title")), h("div", { class: "actions" }, edit)),
      list.length ? h("ol", { class: "competency-list" }, list.map((c) => h("li", {}, c))) : empty(t("competencies.default_used")),
      h("p", { class: "help small" }, t("competencies.help")));
  }
  show(programme.competencies || []);
  return box;
}

// The competencies as rows to change, add and remove (1 to 20, each named
// once); the API's field errors show beside their rows.
function competenciesDialog(programmeId, current) {
  return dialog(t("competencies.edit"), (close) => {
    const general = h("div", { class: "form-errors", role: "alert" });
    const el = h("form", { class: "form", novalidate: true, id: "competencies-form" });
    const list = h("div", { class: "competency-rows" });
    const listError = h("p", { class: "field-error", id: uid("competencies-error") });
    const rows = [];
    function renumber() {
      rows.forEach((row, index) => {
        const n = formatNumber(index + 1);
        row.label.textContent = t("competencies.row", { n });
        row.remove.textContent = t("competencies.remove", { n });
      });
      add.disabled = rows.length >= MAX_COMPETENCIES;
    }
    function addRow(value = "") {
      const input = h("input", { type: "text", name: "competency", autocomplete: "off", id: uid("competency") });
      input.value = value;
      const row = { input, label: h("label", { for: input.id }), error: h("p", { class: "field-error", id: `${input.id}-error` }) };
      input.setAttribute("aria-describedby", row.error.id);
      row.remove = h("button", { type: "button", class: "remove-competency", onclick: () => {
        rows.splice(rows.indexOf(row), 1);
        row.el.remove();
        renumber();
        add.focus();
      } });
      row.el = h("div", { class: "competency-row" }, h("div", { class: "field" }, row.label, input, row.error), row.remove);
      rows.push(row);
      list.append(row.el);
      renumber();
      return row;
    }
    const add = h("button", { type: "button", id: "add-competency", onclick: () => addRow().input.focus() }, t("competencies.add"));
    for (const competency of current) addRow(competency);
    if (!rows.length) addRow();
    const submit = h("button", { type: "submit", class: "primary" }, t("action.save"));
    el.append(
      h("p", { class: "muted" }, t("competencies.edit_help")),
      h("fieldset", { class: "competencies" }, h("legend", {}, t("competencies.title")), list, listError, add),
      general,
      h("div", { class: "form-actions" }, submit, h("button", { type: "button", onclick: () => close(null) }, t("action.cancel"))));

    function mark(row, messages) {
      const [control, error] = row ? [row.input, row.error] : [null, listError];
      if (control) control.setAttribute("aria-invalid", "true");
      error.textContent = [error.textContent, ...messages].filter(Boolean).join(" ");
    }
    el.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearFormErrors(el, general);
      const seen = new Set();
      rows.forEach((row) => {
        const value = row.input.value.trim();
        if (!value) mark(row, [t("validation.required")]);
        else if (seen.has(value)) mark(row, [t("competencies.duplicate")]);
        seen.add(value);
      });
      if (!rows.length) mark(null, [t("competencies.at_least_one")]);
      if (el.querySelector("[aria-invalid]") || listError.textContent) { (el.querySelector("[aria-invalid]") || add).focus(); return; }
      const place = (name, messages) => {
        const found = /^competencies\.(\d+)$/.exec(name);
        if (found && rows[Number(found[1])]) mark(rows[Number(found[1])], messages);
        else if (name === "competencies") mark(null, messages);
        else return false;
        return true;
      };
      await sendForm({ button: submit, form: el, general, place, fallback: add },
        () => put(`/v1/programmes/${encodeURIComponent(programmeId)}/competencies`, { competencies: rows.map((row) => row.input.value.trim()) }),
        close);
    });
    return el;
  }, { wide: true });
}

// The programme's answered surveys: the mean per competency, the lowest marked.
function surveyResultsSection(programme) {
  const box = h("div", {}, loading());
  get("/v1/employer-survey-results", { programme_id: programme.id }).then((results) => {
    box.replaceChildren(...[satisfactionView(results.competencies, { id: "programme-survey-results", answered: results.answered, table: true }),
      (results.lowest || []).length ? h("p", { id: "programme-lowest" }, t("satisfaction.lowest_list", { competencies: results.lowest.join(t("satisfaction.list_separator")) })) : null].filter(Boolean));
  }).catch((error) => box.replaceChildren(errorBox(error)));
  return h("section", { class: "card", id: "programme-surveys" },
    h("div", { class: "page-header" }, h("h2", {}, t("satisfaction.programme_title")),
      h("div", { class: "actions" }, h("a", { href: `#/surveys?programme_id=${encodeURIComponent(programme.id)}` }, t("satisfaction.all_surveys")))),
    box);
}
