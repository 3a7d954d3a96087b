// The 1+X certificates: catalogue, exam sessions with registrations and
// results, issued certificates with revocation, and the credit bank.
import { get, post } from "../api.js";
import { formatDate, formatNumber, label, t } from "../i18n.js";
import { ROLES, can } from "../roles.js";
import { nameOf } from "../lookup.js";
import { badge, confirmAction, dialog, empty, errorBox, form, h, loading, pageHeader, pagedTable, section, toast } from "../ui.js";
import { fact } from "./verify.js";

export async function render(view, context) {
  if (context.params.id) return renderSession(view, context);
  const { user } = context;
  const nodes = [pageHeader(t("certificates.title"))];
  nodes.push(section(t("certificates.catalogue"), pagedTable({
    caption: t("certificates.catalogue"),
    columns: [
      { label: t("col.code"), value: (c) => c.code },
      { label: t("col.title"), value: (c) => c.title },
      { label: t("certificates.organisation"), value: (c) => c.organisation },
      { label: t("col.level"), value: (c) => (c.levels || []).map((l) => label("level", l)).join("、") },
    ],
    load: (offset, limit) => get("/v1/certificates", { offset, limit }),
  })));
  nodes.push(section(t("certificates.sessions"), pagedTable({
    caption: t("certificates.sessions"),
    columns: [
      { label: t("col.certificate"), value: (s) => h("a", { href: `#/certificates/sessions/${s.id}` }, `${s.certificate_code} · ${label("level", s.level)}`) },
      { label: t("certificates.site"), value: (s) => s.site },
      { label: t("certificates.exam_date"), value: (s) => formatDate(s.exam_date) },
      { label: t("certificates.deadline"), value: (s) => formatDate(s.registration_deadline) },
      { label: t("certificates.seats"), value: (s) => `${formatNumber(s.seats_taken)} / ${formatNumber(s.capacity)}`, numeric: true },
    ],
    load: (offset, limit) => get("/v1/exam-sessions", { offset, limit }),
  })));
  if (can(user, ROLES.candidatesAndOfficers)) {
    const issued = pagedTable({
      caption: t("certificates.issued"),
      rowKey: (c) => c.certificate_number,
      columns: [
        { label: t("col.certificate_number"), value: (c) => h("a", { href: `#/verify/${encodeURIComponent(c.certificate_number)}` }, c.certificate_number) },
        { label: t("col.holder"), value: (c) => c.holder_name },
        { label: t("col.level"), value: (c) => label("level", c.level) },
        { label: t("col.issued_on"), value: (c) => formatDate(c.issued_on) },
        { label: t("col.status"), value: (c) => badge(label("certificate_status", statusOf(c)), statusOf(c)) },
        { label: t("col.actions"), value: (c) => can(user, ROLES.certificateOfficers) && !c.revoked ? h("button", {
          type: "button", class: "danger", onclick: async () => { if (await revoke(c)) issued.refresh(); },
        }, t("certificates.revoke")) : "—" },
      ],
      load: (offset, limit) => get("/v1/issued-certificates", { offset, limit }),
    });
    nodes.push(section(t("certificates.issued"), issued));
  }
  if (user.role !== "student" && user.role !== "enterprise_user") {
    nodes.push(section(t("certificates.credit_rules"), pagedTable({
      caption: t("certificates.credit_rules"),
      columns: [
        { label: t("col.certificate"), value: (r) => `${r.certificate_code} · ${label("level", r.level)}` },
        { label: t("col.programme"), value: (r) => nameOf("programme", r.programme_id) },
        { label: t("col.credits"), value: (r) => formatNumber(r.credits), numeric: true },
        { label: t("certificates.exemptions"), value: (r) => (r.course_exemptions || []).join("、") || "—" },
      ],
      load: (offset, limit) => get("/v1/credit-rules", { offset, limit }),
    })));
  }
  if (user.role === "student" && user.student_id) {
    const credits = h("div", {}, loading());
    nodes.push(section(t("certificates.my_credits"), credits));
    get(`/v1/students/${user.student_id}/credits`).then((account) => credits.replaceChildren(
      h("p", { class: "kpi-value" }, formatNumber(account.total_credits)),
      h("p", {}, (account.course_exemptions || []).join("、")))).catch((error) => credits.replaceChildren(errorBox(error)));
  }
  view.append(...nodes);
}

// An issued certificate's status as the public verification states it:
// revoked, expired (past its valid_until) or valid.
export function statusOf(certificate) {
  if (certificate.revoked) return "revoked";
  const now = new Date();  // the local calendar day
  const today = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
  if (certificate.valid_until && certificate.valid_until < today) return "expired";
  return "valid";
}

function revoke(certificate) {
  return dialog(t("certificates.revoke"), (close) => form({
    fields: [{ name: "reason", label: t("col.reason"), type: "textarea", required: true, rows: 3 }],
    submitLabel: t("certificates.revoke"),
    submit: async (values) => {
      if (!(await confirmAction(t("certificates.confirm_revoke", { number: certificate.certificate_number })))) return null;
      return post(`/v1/issued-certificates/${encodeURIComponent(certificate.certificate_number)}/revocation`, values);
    },
    onDone: (result) => { close(result); if (result) toast(t("msg.saved")); },
    cancel: () => close(null),
  }));
}

async function renderSession(view, context) {
  const { params, user } = context;
  const body = h("div", {}, loading());
  view.replaceChildren(body);
  let session;
  try {
    session = await get(`/v1/exam-sessions/${encodeURIComponent(params.id)}`);
  } catch (error) {
    body.replaceChildren(pageHeader(t("certificates.sessions")), errorBox(error));
    return;
  }
  const nodes = [pageHeader(`${session.certificate_code} · ${label("level", session.level)}`),
    section(t("certificates.session"), h("dl", { class: "facts" },
      fact(t("certificates.site"), session.site),
      fact(t("certificates.exam_date"), formatDate(session.exam_date)),
      fact(t("certificates.deadline"), formatDate(session.registration_deadline)),
      fact(t("certificates.seats"), `${formatNumber(session.seats_taken)} / ${formatNumber(session.capacity)}`)))];
  if (can(user, ROLES.candidatesAndOfficers)) {
    nodes.push(section(t("certificates.registrations"), pagedTable({
      caption: t("certificates.registrations"),
      columns: [
        { label: t("certificates.candidate"), value: (r) => r.candidate_name || nameOf("student", r.candidate_id, `#/students/${r.candidate_id}`) },
        { label: t("col.status"), value: (r) => badge(label("registration_status", r.status), r.status) },
        { label: t("certificates.theory"), value: (r) => formatNumber(r.result?.theory), numeric: true },
        { label: t("certificates.practical"), value: (r) => formatNumber(r.result?.practical), numeric: true },
        { label: t("certificates.passed"), value: (r) => r.result ? (r.result.passed ? badge(t("msg.yes"), "ok") : badge(t("msg.no"), "bad")) : "—" },
        { label: t("col.actions"), value: (r) => can(user, ROLES.certificateOfficers) && !r.result && r.status === "registered" ? h("button", {
          type: "button", onclick: () => dialog(t("certificates.record_result"), (close) => form({
            fields: [
              { name: "theory", label: t("certificates.theory"), type: "number", min: 0, max: 100, step: "0.5", required: true },
              { name: "practical", label: t("certificates.practical"), type: "number", min: 0, max: 100, step: "0.5", required: true },
            ],
            submitLabel: t("action.save"),
            submit: (values) => post(`/v1/registrations/${r.id}/result`, values),
            onDone: () => { close(true); toast(t("msg.saved")); renderSession(view, context); },
            cancel: () => close(false),
          })),
        }, t("certificates.record_result")) : "—" },
      ],
      load: (offset, limit) => get("/v1/registrations", { session_id: session.id, offset, limit }),
    })));
  } else {
    nodes.push(empty());
  }
  body.replaceChildren(...nodes);
}
