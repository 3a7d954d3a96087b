// One cooperation agreement (#/agreements/<id>): its terms and its
// commitments (docs/enrollment.md, "Commitments"): each clause's progress
// toward its target, its status and each party's fulfilment score. Admissions
// staff change the clauses through the amendment route and decide the
// equipment and funds the enterprise declares; an enterprise's user sees its
// own agreement's clauses and declares what it gave.
import { get, patch, post } from "../api.js";
import { formatDate, formatDateTime, formatNumber, formatPercent, label, t } from "../i18n.js";
import { ROLES, can } from "../roles.js";
import { badge, confirmAction, dataTable, dialog, empty, clearFormErrors, errorBox, errorText, form, h, loading, pageHeader, section, sendForm, toast, uid } from "../ui.js";
import { fact } from "./verify.js";

export const PARTIES = ["enterprise", "college"];
const METRICS = ["seats_filled", "placements_hosted", "projects_posted", "projects_completed",
  "mentor_hours", "teachers_hosted", "hires", "equipment_value", "funds_value"];
// declared by the enterprise and confirmed by the college; every other metric is counted from events
const DECLARED = ["equipment_value", "funds_value"];
const AMENDABLE = ["draft", "active", "suspended"];
const MAX_CLAUSES = 50;
const STATUS_TONES = { on_track: "ok", met: "ok met", at_risk: "warn", missed: "bad" };

export async function render(view, context) {
  const { params, user } = context;
  const body = h("div", {}, loading());
  view.replaceChildren(body);
  const path = `/v1/agreements/${encodeURIComponent(params.id)}`;
  let agreement, commitments, partner;
  try {
    [agreement, commitments] = await Promise.all([get(path), get(`${path}/commitments`)]);
    // the partner's name, for whoever may read the partner (not a certificate officer)
    partner = can(user, ROLES.partnerReaders.concat(["enterprise_user"]))
      ? await get(`/v1/partners/${encodeURIComponent(agreement.partner_id)}`).catch(() => null) : null;
  } catch (error) {
    body.replaceChildren(pageHeader(t("agreement.title")), errorBox(error));
    return;
  }
  const again = () => render(view, context);
  body.replaceChildren(...[
    pageHeader(agreement.title || t("agreement.title")),
    termsSection(agreement, partner, user),
    commitmentsSection(agreement, commitments, user, again),
    declarationsSection(agreement, user, again)].filter(Boolean));
}

function termsSection(agreement, partner, user) {
  const name = partner?.legal_name || t("agreement.partner_link");
  const enterprise = can(user, ROLES.staffAndEnterprise)
    ? h("a", { href: `#/enterprises/${encodeURIComponent(agreement.partner_id)}`, id: "agreement-partner" }, name) : name;
  return section(t("agreement.terms"), h("dl", { class: "facts", id: "agreement-facts", "data-status": agreement.status },
    fact(t("col.status"), badge(label("agreement_status", agreement.status), agreement.status)),
    fact(t("col.period"), `${formatDate(agreement.starts_on)} – ${formatDate(agreement.ends_on)}`),
    fact(t("agreement.programmes"), (agreement.programme_codes || []).join(t("agreement.separator")) || "—"),
    fact(t("col.enterprise"), enterprise)));
}

// -- the clauses, their progress and status ----------------------------------------

// A clause's amount in its metric's unit: yuan for equipment and funds, hours, or a count.
export function amount(metric, value) {
  if (value === null || value === undefined) return "—";
  if (DECLARED.includes(metric)) return t("commitments.yuan", { amount: formatNumber(value, { maximumFractionDigits: 2 }) });
  if (metric === "mentor_hours") return t("commitments.hours", { hours: formatNumber(value, { maximumFractionDigits: 1 }) });
  return formatNumber(value, { maximumFractionDigits: 2 });
}

export function statusBadge(status) {
  return h("span", { class: "clause-status", "data-status": status }, badge(label("clause_status", status), STATUS_TONES[status] || ""));
}

// the bar and its numbers: what counts so far of the target, and the share done
function progressCell(clause) {
  const done = Math.max(0, Math.min(1, clause.done ?? 0));
  const bar = h("span", { class: `chart-bar ${clause.status === "at_risk" || clause.status === "missed" ? "warn" : ""}` });
  bar.style.width = `${done * 100}%`;
  const elapsed = h("span", { class: "chart-target" });
  elapsed.style.left = `${Math.max(0, Math.min(1, clause.elapsed ?? 0)) * 100}%`;
  return h("div", { class: "clause-progress" },
    h("span", { class: "chart-track", role: "img", "aria-label": t("commitments.progress_label", { done: formatPercent(done), elapsed: formatPercent(clause.elapsed ?? 0) }) }, bar, elapsed),
    h("span", { class: "clause-progress-figures" }, t("commitments.progress_of", {
      progress: amount(clause.metric, clause.progress), target: amount(clause.metric, clause.target), done: formatPercent(done),
    })));
}

function commitmentsSection(agreement, commitments, user, again) {
  const clauses = commitments.clauses || [];
  const editor = can(user, ROLES.admissions) && AMENDABLE.includes(agreement.status);
  const edit = editor ? h("button", {
    type: "button", id: "edit-clauses",
    onclick: () => clausesDialog(agreement).then((saved) => {
      if (!saved) return;
      toast(t("commitments.saved"));
      again();
    }),
  }, t("commitments.edit")) : null;
  const fulfilment = commitments.fulfilment || {};
  const scores = h("div", { class: "kpis", id: "agreement-fulfilment" },
    PARTIES.map((party) => h("div", { class: "kpi", "data-party": party, "data-score": fulfilment[party] ?? "" },
      h("span", { class: "kpi-value" }, formatPercent(fulfilment[party])),
      h("span", { class: "kpi-label" }, t("commitments.fulfilment", { party: label("clause_party", party) })))));
  const table = clauses.length ? dataTable([
    { label: t("commitments.clause"), value: (c) => h("div", {}, h("span", { class: "clause-description" }, c.description), h("small", { class: "muted clause-id" }, ` · ${c.id}`)) },
    { label: t("commitments.party"), value: (c) => label("clause_party", c.party) },
    { label: t("commitments.metric"), value: (c) => label("clause_metric", c.metric) },
    { label: t("commitments.target"), value: (c) => amount(c.metric, c.target), numeric: true },
    { label: t("commitments.progress"), value: progressCell },
    { label: t("commitments.due_on"), value: (c) => formatDate(c.due_on) },
    { label: t("col.status"), value: (c) => statusBadge(c.status) },
  ], clauses, t("commitments.title"), (c) => c.id) : empty(t("commitments.none"));
  return h("section", { class: "card", id: "agreement-commitments", "data-count": String(clauses.length) },
    h("div", { class: "page-header" }, h("h2", {}, t("commitments.title")), h("div", { class: "actions" }, edit)),
    clauses.length ? scores : null,
    h("div", { id: "agreement-clauses" }, table),
    h("p", { class: "help small" }, t("commitments.help", { as_of: formatDate(commitments.as_of), tolerance: formatPercent(commitments.tolerance) })));
}

// -- the clauses editor: rows to change, add and remove, sent whole by amendment --------

const CLAUSE_FIELDS = ["id", "party", "metric", "target", "due_on", "description"];

function clausesDialog(agreement) {
  return dialog(t("commitments.edit"), (close) => {
    const general = h("div", { class: "form-errors", role: "alert" });
    const el = h("form", { class: "form", novalidate: true, id: "clauses-form" });
    const list = h("div", { class: "clause-rows" });
    const listError = h("p", { class: "field-error", id: uid("clauses-error") });
    const rows = [];

    function control(row, name, element, text) {
      element.id = uid(`clause-${name}`);
      element.name = name;
      const error = h("p", { class: "field-error", id: `${element.id}-error` });
      element.setAttribute("aria-describedby", error.id);
      row.controls[name] = element;
      row.labels[name] = { el: h("label", { for: element.id }), text };
      return h("div", { class: `field clause-${name}` }, row.labels[name].el, element, error);
    }
    function renumber() {
      rows.forEach((row, index) => {
        const n = formatNumber(index + 1);
        for (const { el: labelEl, text } of Object.values(row.labels)) labelEl.textContent = t(text, { n });
        row.remove.textContent = t("commitments.remove", { n });
        row.legend.textContent = t("commitments.row", { n });
      });
      add.disabled = rows.length >= MAX_CLAUSES;
    }
    function addRow(clause = {}) {
      const row = { controls: {}, labels: {}, legend: h("legend", {}) };
      const input = (attrs) => h("input", { autocomplete: "off", ...attrs });
      const fields = [
        control(row, "id", input({ type: "text", maxlength: 40 }), "commitments.row_id"),
        control(row, "party", h("select", {}, PARTIES.map((p) => h("option", { value: p }, label("clause_party", p)))), "commitments.row_party"),
        control(row, "metric", h("select", {}, METRICS.map((m) => h("option", { value: m }, label("clause_metric", m)))), "commitments.row_metric"),
        control(row, "target", input({ type: "number", step: "any" }), "commitments.row_target"),
        control(row, "due_on", input({ type: "date" }), "commitments.row_due_on"),
        control(row, "description", input({ type: "text", maxlength: 500 }), "commitments.row_description"),
      ];
      for (const name of CLAUSE_FIELDS) {
        if (clause[name] !== undefined && clause[name] !== null) row.controls[name].value = String(clause[name]);
      }
      row.remove = h("button", { type: "button", class: "remove-clause", onclick: () => {
        rows.splice(rows.indexOf(row), 1);
        row.el.remove();
        renumber();
        add.focus();
      } });
      row.el = h("fieldset", { class: "clause-row", "data-clause": clause.id || "" }, row.legend, h("div", { class: "clause-fields" }, fields), row.remove);
      rows.push(row);
      list.append(row.el);
      renumber();
      return row;
    }
    const add = h("button", { type: "button", id: "add-clause", onclick: () => addRow().controls.id.focus() }, t("commitments.add"));
    for (const clause of agreement.clauses || []) addRow(clause);
    const reasonId = uid("clauses-reason");
    const reason = h("input", { type: "text", id: reasonId, name: "reason", autocomplete: "off", required: true, "aria-describedby": `${reasonId}-error` });
    const reasonError = h("p", { class: "field-error", id: `${reasonId}-error` });
    const submit = h("button", { type: "submit", class: "primary" }, t("action.save"));
    el.append(
      h("p", { class: "muted" }, t("commitments.edit_help", { starts_on: formatDate(agreement.starts_on), ends_on: formatDate(agreement.ends_on) })),
      list, listError, add,
      h("div", { class: "field" }, h("label", { for: reasonId }, t("commitments.reason"), h("span", { class: "required", "aria-hidden": "true" }, " *")), reason,
        h("small", { class: "help" }, t("commitments.reason_help")), reasonError),
      general,
      h("div", { class: "form-actions" }, submit, h("button", { type: "button", onclick: () => close(null) }, t("action.cancel"))));

    function mark(element, error, messages) {
      if (element) element.setAttribute("aria-invalid", "true");
      error.textContent = [error.textContent, ...messages].filter(Boolean).join(" ");
    }
    const markControl = (element, messages) => mark(element, document.getElementById(element.getAttribute("aria-describedby")), messages);
    // clauses.2.target -> beside that row's target; clauses.2 -> its id; clauses -> under the list
    function place(name, messages) {
      const found = /^clauses\.(\d+)(?:\.(\w+))?$/.exec(name);
      if (found && rows[Number(found[1])]) {
        const row = rows[Number(found[1])];
        markControl(row.controls[found[2]] || row.controls.id, messages);
        return true;
      }
      if (name === "clauses" || name === "_schema") { mark(null, listError, messages); return true; }
      if (name === "reason") { markControl(reason, messages); return true; }
      return false;
    }
    el.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearFormErrors(el, general);
      const seen = new Set();
      for (const row of rows) {
        for (const name of CLAUSE_FIELDS) {
          if (!row.controls[name].value.trim()) markControl(row.controls[name], [t("validation.required")]);
        }
        const id = row.controls.id.value.trim();
        if (id && seen.has(id)) markControl(row.controls.id, [t("commitments.duplicate_id")]);
        seen.add(id);
      }
      if (!reason.value.trim()) markControl(reason, [t("validation.required")]);
      const first = el.querySelector("[aria-invalid]");
      if (first) { first.focus(); return; }
      const clauses = rows.map((row) => ({
        id: row.controls.id.value.trim(), party: row.controls.party.value, metric: row.controls.metric.value,
        target: Number(row.controls.target.value), due_on: row.controls.due_on.value,
        description: row.controls.description.value.trim(),
      }));
      await sendForm({ button: submit, form: el, general, place, fallback: add },
        () => patch(`/v1/agreements/${encodeURIComponent(agreement.id)}`, { clauses, reason: reason.value.trim() }),
        close);
    });
    return el;
  }, { wide: true });
}

// -- equipment and funds: declared by the enterprise, confirmed by the college ------------

function declarationsSection(agreement, user, again) {
  const declaredClauses = (agreement.clauses || []).filter((c) => DECLARED.includes(c.metric));
  const declarations = agreement.declarations || [];
  if (!declaredClauses.length && !declarations.length) return null;
  const decider = can(user, ROLES.admissions);
  const declarer = can(user, ROLES.admissionsAndEnterprise) && agreement.status !== "terminated" && declaredClauses.length;
  const clauseOf = (id) => (agreement.clauses || []).find((c) => c.id === id);
  const declare = declarer ? h("button", {
    type: "button", id: "declare-contribution",
    onclick: () => dialog(t("declarations.declare"), (close) => form({
      fields: [
        { name: "clause_id", label: t("declarations.clause"), type: "select", required: true,
          options: declaredClauses.map((c) => [c.id, `${c.description} (${label("clause_metric", c.metric)})`]) },
        { name: "amount", label: t("declarations.amount"), type: "number", step: "any", required: true },
        { name: "on", label: t("declarations.on"), type: "date", required: true },
        { name: "note", label: t("declarations.note"), type: "textarea", rows: 3 },
      ],
      submitLabel: t("declarations.declare"),
      submit: (values) => post(`/v1/agreements/${encodeURIComponent(agreement.id)}/declarations`, values),
      onDone: () => { close(true); toast(t("declarations.declared")); again(); },
      cancel: () => close(false),
    })),
  }, t("declarations.declare")) : null;
  const decide = (declaration, confirm) => async () => {
    const decision = `/v1/agreements/${encodeURIComponent(agreement.id)}/declarations/${encodeURIComponent(declaration.id)}/decision`;
    const what = amount(clauseOf(declaration.clause_id)?.metric || "funds_value", declaration.amount);
    if (confirm) {
      if (!(await confirmAction(t("declarations.confirm_question", { amount: what }), t("declarations.confirm")))) return;
      try {
        await post(decision, { confirm: true });
      } catch (error) {
        toast(errorText(error));
        return;
      }
      toast(t("declarations.confirmed"));
      again();
      return;
    }
    const rejected = await dialog(t("declarations.reject"), (close) => form({
      fields: [{ name: "reason", label: t("col.reason"), type: "textarea", required: true, rows: 3 }],
      submitLabel: t("declarations.reject"),
      submit: (values) => post(decision, { confirm: false, reason: values.reason }),
      onDone: () => close(true),
      cancel: () => close(false),
    }));
    if (rejected) { toast(t("declarations.rejected")); again(); }
  };
  const table = declarations.length ? dataTable([
    { label: t("declarations.clause"), value: (d) => clauseOf(d.clause_id)?.description || d.clause_id },
    { label: t("declarations.amount"), value: (d) => amount(clauseOf(d.clause_id)?.metric || "funds_value", d.amount), numeric: true },
    { label: t("declarations.on"), value: (d) => formatDate(d.on) },
    { label: t("declarations.note"), value: (d) => d.note || "—" },
    { label: t("declarations.declared_by"), value: (d) => `${d.declared_by || "—"} · ${formatDateTime(d.declared_at)}` },
    { label: t("col.status"), value: (d) => h("span", { class: "declaration-status", "data-status": d.status },
      badge(label("declaration_status", d.status), d.status === "confirmed" ? "ok" : d.status === "rejected" ? "bad" : "warn"),
      d.reason ? h("small", { class: "muted" }, ` ${d.reason}`) : null) },
    { label: t("declarations.decision"), value: (d) => decider && d.status === "declared" ? h("div", { class: "row-actions" },
      h("button", { type: "button", class: "confirm-declaration", onclick: decide(d, true) }, t("declarations.confirm")),
      h("button", { type: "button", class: "reject-declaration", onclick: decide(d, false) }, t("declarations.reject")))
      : d.decided_by ? `${d.decided_by} · ${formatDateTime(d.decided_at)}` : "—" },
  ], declarations, t("declarations.title"), (d) => d.id) : empty(t("declarations.none"));
  return h("section", { class: "card", id: "agreement-declarations" },
    h("div", { class: "page-header" }, h("h2", {}, t("declarations.title")), h("div", { class: "actions" }, declare)),
    table,
    h("p", { class: "help small" }, t("declarations.help")));
}
