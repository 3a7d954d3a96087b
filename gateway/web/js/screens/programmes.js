// Programmes with seat figures, the application pipeline with the screening,
// interview, offer and approval actions, and the CSV import of applicants.
import { get, post } from "../api.js";
import { compareNames, formatDate, formatDateTime, formatNumber, label, t } from "../i18n.js";
import { ROLES, can } from "../roles.js";
import { nameOf } from "../lookup.js";
import { badge, confirmAction, dataTable, dialog, errorBox, errorText, form, h, loading, pageHeader, pagedTable, section, toast } from "../ui.js";
import { fact } from "./verify.js";

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
    ...(readsApplications ? [section(t("applications.title"), h("div", { class: "filters" }, h("div", { class: "field" }, h("label", { for: "application-status" }, t("col.status")), status)), applications)] : []));
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
