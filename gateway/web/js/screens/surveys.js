// Employer surveys (docs/enrollment.md, "Employer surveys"): an enterprise's
// user answers its own once they fall due, rating the graduate 1 to 5 on each
// competency of the survey; admissions staff see every survey, filtered, and
// close an open one with the reason. Also the bars of the results (mean per
// competency, lowest first) that the programme, dashboard and enterprise
// pages show.
import { get, post } from "../api.js";
import { compareNames, formatDate, formatDateTime, formatNumber, label, t } from "../i18n.js";
import { nameOf } from "../lookup.js";
import { badge, confirmAction, dataTable, dialog, empty, clearFormErrors, form, h, loading, pageHeader, pagedTable, ratioBars, section, sendForm, toast, uid } from "../ui.js";
import { fact } from "./verify.js";

const STATUSES = ["open", "answered", "closed"];
const SCALE = [1, 2, 3, 4, 5];
const TONES = { open: "warn", answered: "ok", closed: "" };
const PATH = "/v1/employer-surveys";

export async function render(view, { user, query }) {
  if (user.role === "enterprise_user") return renderEmployer(view);
  return renderStaff(view, query || {});
}

// -- the employer: its open surveys to answer, and those answered or closed -------------

function renderEmployer(view) {
  const common = [
    { label: t("surveys.graduate"), value: (s) => s.student_name || s.student_id },
    { label: t("surveys.survey"), value: (s) => t("surveys.months", { months: formatNumber(s.months) }) },
    { label: t("surveys.due_on"), value: (s) => formatDate(s.due_on) },
  ];
  const settledHeading = h("h2", { tabindex: "-1" }, t("surveys.settled"));
  const open = pagedTable({
    caption: t("surveys.to_answer"),
    rowKey: (s) => s.id,
    columns: [...common,
      { label: t("surveys.reminders"), value: (s) => remindersText(s) },
      { label: t("col.actions"), value: (s) => h("button", {
        type: "button", class: "primary answer-survey",
        onclick: () => answerDialog(s).then((answered) => {
          open.reload();
          settled.reload();
          if (!answered) return;
          toast(t("surveys.answered_done", { name: s.student_name || "" }));
          settledHeading.focus();
        }),
      }, t("surveys.answer")) },
    ],
    load: (offset, limit) => get(PATH, { status: "open", offset, limit }),
  });
  open.id = "open-surveys";
  const settledStatus = h("select", { id: "settled-status" },
    ["answered", "closed"].map((s) => h("option", { value: s }, label("survey_status", s))));
  const settled = pagedTable({
    caption: t("surveys.settled"),
    rowKey: (s) => s.id,
    columns: [...common,
      { label: t("col.status"), value: (s) => statusBadge(s) },
      { label: t("surveys.settled_at"), value: (s) => formatDateTime(s.answered_at) },
      { label: t("col.actions"), value: (s) => h("button", { type: "button", class: "show-survey", onclick: () => detailDialog(s) }, t("surveys.show")) },
    ],
    load: (offset, limit) => get(PATH, { status: settledStatus.value, offset, limit }),
  });
  settled.id = "settled-surveys";
  settledStatus.addEventListener("change", () => settled.reload());
  view.append(pageHeader(t("surveys.title")),
    h("p", { class: "muted" }, t("surveys.employer_intro")),
    section(t("surveys.to_answer"), open),
    h("section", { class: "card" }, settledHeading,
      h("div", { class: "filters" }, h("div", { class: "field" }, h("label", { for: "settled-status" }, t("col.status")), settledStatus)),
      settled));
}

function remindersText(survey) {
  if (!survey.reminders) return t("surveys.no_reminders");
  return t("surveys.reminded", { count: formatNumber(survey.reminders), date: formatDate(survey.last_reminded_on) });
}

function statusBadge(survey) {
  return h("span", { class: "survey-status", "data-status": survey.status },
    badge(label("survey_status", survey.status), TONES[survey.status] ?? ""));
}

// The employer's answer: a choice of 1 to 5 for each competency and a comment.
// The API checks that every competency is rated; its objection shows beside
// each one left unrated.
function answerDialog(survey) {
  return dialog(t("surveys.answer_title", { name: survey.student_name || "" }), (close) => {
    const general = h("div", { class: "form-errors", role: "alert" });
    const el = h("form", { class: "form", novalidate: true, id: "survey-answer-form" });
    const groups = survey.competencies.map((competency, index) => {
      const name = `rating-${index}`;
      const legendId = uid("competency");
      const error = h("p", { class: "field-error", id: `${legendId}-error` });
      const choices = SCALE.map((value) => {
        const id = uid(name);
        return h("label", { class: "rating-choice", for: id },
          h("input", { type: "radio", id, name, value: String(value) }),
          h("span", {}, t("surveys.rating_choice", { value: formatNumber(value), word: label("rating_scale", value) })));
      });
      const fieldset = h("fieldset", { class: "rating-group", role: "radiogroup", "aria-labelledby": legendId, "aria-describedby": error.id, "data-competency": competency },
        h("legend", { id: legendId }, competency), h("div", { class: "rating-choices" }, choices), error);
      return { competency, name, fieldset, error };
    });
    const commentId = uid("comment");
    const comment = h("textarea", { id: commentId, name: "comment", rows: 3, maxlength: 5000, "aria-describedby": `${commentId}-error` });
    const commentError = h("p", { class: "field-error", id: `${commentId}-error` });
    const submit = h("button", { type: "submit", class: "primary" }, t("surveys.submit_answer"));
    el.append(
      h("dl", { class: "facts" },
        fact(t("surveys.graduate"), survey.student_name || survey.student_id),
        fact(t("surveys.survey"), t("surveys.months", { months: formatNumber(survey.months) })),
        fact(t("surveys.due_on"), formatDate(survey.due_on))),
      h("p", { class: "help" }, t("surveys.scale_help")),
      ...groups.map((g) => g.fieldset),
      h("div", { class: "field" }, h("label", { for: commentId }, t("surveys.comment")), comment, commentError),
      general,
      h("div", { class: "form-actions" }, submit, h("button", { type: "button", onclick: () => close(null) }, t("action.cancel"))));

    function mark(control, error, messages) {
      control.setAttribute("aria-invalid", "true");
      error.textContent = [error.textContent, ...messages].filter(Boolean).join(" ");
    }
    el.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearFormErrors(el, general);
      const ratings = {};
      for (const g of groups) {
        const chosen = el.querySelector(`input[name="${g.name}"]:checked`);
        if (chosen) ratings[g.competency] = Number(chosen.value);
      }
      const body = { ratings };
      if (comment.value.trim()) body.comment = comment.value.trim();
      const place = (name, messages) => {
        const unrated = groups.filter((g) => !(g.competency in ratings));
        if ((name === "ratings" || name.startsWith("ratings.")) && unrated.length) {
          // the API names the competency missing; the form knows which ones those are
          for (const g of unrated) mark(g.fieldset, g.error, [t("surveys.not_rated")]);
        } else if (name === "comment") {
          mark(comment, commentError, messages);
        } else {
          return false;
        }
        return true;
      };
      await sendForm({ button: submit, form: el, general, place },
        () => post(`${PATH}/${encodeURIComponent(survey.id)}/answers`, body), close);
    });
    return el;
  }, { wide: true });
}

// One survey as it stands: its facts, the ratings and comment once answered,
// the reason once closed.
function detailDialog(survey) {
  return dialog(t("surveys.detail_title", { name: survey.student_name || "" }), (close) => {
    const ratings = survey.ratings || {};
    const rated = survey.competencies.filter((c) => c in ratings);
    return h("div", { id: "survey-detail", "data-status": survey.status },
      h("dl", { class: "facts" },
        fact(t("surveys.graduate"), survey.student_name || survey.student_id),
        fact(t("col.enterprise"), nameOf("partner", survey.enterprise_id)),
        fact(t("surveys.survey"), t("surveys.months", { months: formatNumber(survey.months) })),
        fact(t("surveys.due_on"), formatDate(survey.due_on)),
        fact(t("col.status"), statusBadge(survey)),
        fact(t("surveys.reminders"), remindersText(survey)),
        survey.answered_at ? fact(t("surveys.answered_by"), `${survey.answered_by || "—"} · ${formatDateTime(survey.answered_at)}`) : null,
        survey.closed_reason ? fact(t("surveys.closed_reason"), survey.closed_reason) : null),
      rated.length ? dataTable([
        { label: t("surveys.competency"), value: (c) => c },
        { label: t("surveys.rating"), value: (c) => t("surveys.rating_choice", { value: formatNumber(ratings[c]), word: label("rating_scale", ratings[c]) }) },
      ], rated, t("surveys.ratings"), (c) => c) : null,
      survey.comment ? h("div", {}, h("h3", {}, t("surveys.comment")), h("p", { class: "survey-comment" }, survey.comment)) : null,
      h("div", { class: "form-actions" }, h("button", { type: "button", autofocus: true, onclick: () => close(null) }, t("action.close"))));
  }, { wide: true });
}

// -- the college: every survey, filtered; an open one closed with its reason -------------

async function everyPage(path, query = {}) {
  const items = [];
  for (let offset = 0; ; offset += 200) {
    const page = await get(path, { ...query, offset, limit: 200 });
    items.push(...(page.items || []));
    if (!(page.items || []).length || items.length >= page.total) break;
  }
  return items;
}

async function renderStaff(view, query) {
  view.append(pageHeader(t("surveys.title")));
  const body = h("div", {}, loading());
  view.append(body);
  const [programmes, partners] = await Promise.all([
    everyPage("/v1/programmes").catch(() => []),
    everyPage("/v1/partners").catch(() => []),
  ]);
  partners.sort((a, b) => compareNames(a.legal_name, b.legal_name));
  const choice = (id, anyText, options, value) => {
    const select = h("select", { id }, h("option", { value: "" }, anyText),
      options.map(([v, text]) => h("option", { value: v }, text)));
    if (value && !options.some(([v]) => v === value)) select.append(h("option", { value }, value));
    select.value = value || "";
    return select;
  };
  const status = choice("survey-status", t("surveys.any_status"), STATUSES.map((s) => [s, label("survey_status", s)]), query.status);
  const programme = choice("survey-programme", t("surveys.any_programme"), programmes.map((p) => [p.id, `${p.code} ${p.name}`]), query.programme_id);
  const enterprise = choice("survey-enterprise", t("surveys.any_enterprise"), partners.map((p) => [p.id, p.legal_name]), query.enterprise_id);
  const table = pagedTable({
    caption: t("surveys.title"),
    rowKey: (s) => s.id,
    columns: [
      { label: t("surveys.graduate"), value: (s) => h("a", { href: `#/students/${encodeURIComponent(s.student_id)}` }, s.student_name || s.student_id) },
      { label: t("col.programme"), value: (s) => nameOf("programme", s.programme_id, `#/programmes/${encodeURIComponent(s.programme_id)}`) },
      { label: t("col.enterprise"), value: (s) => nameOf("partner", s.enterprise_id, `#/enterprises/${encodeURIComponent(s.enterprise_id)}`) },
      { label: t("surveys.survey"), value: (s) => t("surveys.months", { months: formatNumber(s.months) }) },
      { label: t("surveys.due_on"), value: (s) => formatDate(s.due_on) },
      { label: t("col.status"), value: (s) => statusBadge(s) },
      { label: t("surveys.reminders"), value: (s) => remindersText(s) },
      { label: t("col.actions"), value: (s) => h("div", { class: "row-actions" },
        h("button", { type: "button", class: "show-survey", onclick: () => detailDialog(s) }, t("surveys.show")),
        s.status === "open" ? h("button", {
          type: "button", class: "danger close-survey",
          onclick: () => closeDialog(s).then((closed) => {
            if (!closed) return;
            toast(t("surveys.closed_done", { name: s.student_name || "" }));
            table.refresh();
          }),
        }, t("surveys.close")) : null) },
    ],
    load: (offset, limit) => get(PATH, { status: status.value, programme_id: programme.value, enterprise_id: enterprise.value, offset, limit }),
  });
  table.id = "surveys";
  for (const select of [status, programme, enterprise]) select.addEventListener("change", () => table.reload());
  const field = (select, text) => h("div", { class: "field" }, h("label", { for: select.id }, text), select);
  body.replaceChildren(
    h("p", { class: "muted" }, t("surveys.staff_intro")),
    h("div", { class: "filters" }, field(status, t("col.status")), field(programme, t("col.programme")), field(enterprise, t("col.enterprise"))),
    table);
}

// The college stops asking: the reason, then a confirmation.
function closeDialog(survey) {
  const months = formatNumber(survey.months);
  return dialog(t("surveys.close_title", { name: survey.student_name || "", months }), (close) => form({
    fields: [{ name: "reason", label: t("col.reason"), type: "textarea", required: true, rows: 3, help: t("surveys.close_help") }],
    submitLabel: t("surveys.close"),
    submit: async (values) => {
      if (!(await confirmAction(t("surveys.confirm_close", { name: survey.student_name || "", months }), t("surveys.close")))) return null;
      return post(`${PATH}/${encodeURIComponent(survey.id)}/close`, values);
    },
    onDone: (result) => { if (result) close(result); },
    cancel: () => close(null),
  }));
}

// -- results, for the programme, dashboard and enterprise pages ---------------------------

// The mean rating (1 to 5) of each competency as bars, lowest first; the
// lowest rated marked in words as well as colour. rows: [{competency, mean,
// ratings}]; the box carries the lowest competency and the count answered.
export function satisfactionView(rows, { id, answered, table = false } = {}) {
  const sorted = [...(rows || [])].filter((row) => row.mean !== null && row.mean !== undefined)
    .sort((a, b) => (a.mean - b.mean) || (a.competency < b.competency ? -1 : a.competency > b.competency ? 1 : 0));
  const box = h("div", { id, class: "satisfaction", "data-answered": answered ?? "", "data-lowest": sorted.length ? sorted[0].competency : "" });
  if (answered !== undefined && answered !== null) {
    box.append(h("p", { class: "kpi-label" }, t("satisfaction.answered", { count: formatNumber(answered) })));
  }
  if (!sorted.length) {
    box.append(empty(t("satisfaction.none")));
    return box;
  }
  const lowest = sorted[0].mean;
  const isLowest = (row) => row.mean === lowest;
  box.append(...[
    ratioBars(t("satisfaction.chart"), sorted.map((row) => ({
      label: isLowest(row) ? h("span", { class: "lowest-competency" }, row.competency, " ", badge(t("satisfaction.lowest"), "warn")) : row.competency,
      value: row.mean / 5,
      tone: isLowest(row) ? "warn" : "",
    })), (ratio) => formatNumber(ratio * 5, { maximumFractionDigits: 2 })),
    table ? dataTable([
      { label: t("surveys.competency"), value: (row) => (isLowest(row) ? h("strong", {}, row.competency) : row.competency) },
      { label: t("satisfaction.mean"), value: (row) => formatNumber(row.mean, { maximumFractionDigits: 2 }), numeric: true },
      { label: t("satisfaction.ratings"), value: (row) => formatNumber(row.ratings), numeric: true },
    ], sorted, t("satisfaction.chart"), (row) => row.competency) : null,
    h("p", { class: "muted small" }, t("satisfaction.note"))].filter(Boolean));
  return box;
}
