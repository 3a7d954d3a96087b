// Skills competitions (docs/certificates.md, "Skills competitions"): the
// certificate officer creates a competition, enters individual or team
// entrants with their tutors, records the results (an award per entry, with
// the API's report per row), withdraws an award with its reason, and sets the
// credit rules that convert awards in the credit bank. Other staff read it all;
// the awards list goes out as CSV. Also the awards parts the student page and
// the dashboard show.
import { ApiError, download, get, post } from "../api.js";
import { compareNames, formatDate, formatNumber, formatPercent, label, t } from "../i18n.js";
import { CERTIFICATE_LEVELS, certificateRowsEditor } from "../certificate-rows.js";
import { nameOf } from "../lookup.js";
import { ROLES, can } from "../roles.js";
import { badge, confirmAction, dataTable, dialog, empty, clearFormErrors, errorBox, errorText, focusFirstInvalid, form, h, loading, pageHeader, pagedTable, ratioBars, section, showRefusal, toast, uid } from "../ui.js";
import { fact } from "./verify.js";

export const COMPETITION_LEVELS = ["college", "municipal", "provincial", "national", "world"];
export const AWARDS = ["first", "second", "third", "honourable"];
const RESULTS = [...AWARDS, "none"];
const STATUSES = ["open", "results_recorded"];
const AWARD_STATUSES = ["awarded", "withdrawn"];
const MAX_TEAM = 10;
const MAX_TUTORS = 3;
const AWARD_TONES = { first: "ok", second: "ok", third: "ok", honourable: "" };

const competitionPath = (id) => `/v1/competitions/${encodeURIComponent(id)}`;
const awardId = (award) => award.id ?? award.award_id;

export async function render(view, context) {
  if (context.params.id) return renderCompetition(view, context);
  return renderList(view, context);
}

// -- the list: competitions, every award, the award credit rules -------------------------

function choice(id, anyText, options, value) {
  const select = h("select", { id }, h("option", { value: "" }, anyText),
    options.map(([v, text]) => h("option", { value: v }, text)));
  select.value = value || "";
  return select;
}

const filterField = (select, text) => h("div", { class: "field" }, h("label", { for: select.id }, text), select);

function renderList(view, { user, query = {}, navigate }) {
  const manager = can(user, ROLES.certificateOfficers);
  const create = manager ? h("button", {
    type: "button", class: "primary", id: "new-competition",
    onclick: () => competitionDialog().then((created) => {
      if (!created) return;
      toast(t("competitions.created", { name: created.name }));
      navigate(`/competitions/${encodeURIComponent(created.id)}`);
    }),
  }, t("competitions.new")) : null;
  const level = choice("competition-level", t("competitions.any_level"), COMPETITION_LEVELS.map((l) => [l, label("competition_level", l)]), query.level);
  const status = choice("competition-status", t("competitions.any_status"), STATUSES.map((s) => [s, label("competition_status", s)]), query.status);
  const table = pagedTable({
    caption: t("competitions.title"),
    rowKey: (c) => c.id,
    columns: [
      { label: t("competitions.name"), value: (c) => h("a", { href: `#/competitions/${encodeURIComponent(c.id)}` }, c.name) },
      { label: t("competitions.level"), value: (c) => label("competition_level", c.level) },
      { label: t("competitions.organiser"), value: (c) => c.organiser },
      { label: t("competitions.held_on"), value: (c) => formatDate(c.held_on) },
      { label: t("col.status"), value: (c) => competitionStatus(c) },
    ],
    load: (offset, limit) => get("/v1/competitions", { level: level.value, status: status.value, offset, limit }),
  });
  table.id = "competitions";
  for (const select of [level, status]) select.addEventListener("change", () => table.reload());
  view.append(pageHeader(t("competitions.title"), create),
    h("p", { class: "muted" }, t("competitions.intro")),
    h("section", { class: "card" }, h("h2", {}, t("competitions.list")),
      h("div", { class: "filters" }, filterField(level, t("competitions.level")), filterField(status, t("col.status"))),
      table),
    awardsSection(user, {}),
    awardRulesSection(user));
}

function competitionStatus(competition) {
  return h("span", { class: "competition-status", "data-status": competition.status },
    badge(label("competition_status", competition.status), competition.status === "open" ? "warn" : "ok"));
}

// Every award (or one competition's), filtered by level and status, with the
// CSV export of what the filters select and, for managers, the withdrawal.
function awardsSection(user, { competitionId, id = "awards" }) {
  const manager = can(user, ROLES.certificateOfficers);
  const level = competitionId ? null : choice(`${id}-level`, t("competitions.any_level"), COMPETITION_LEVELS.map((l) => [l, label("competition_level", l)]));
  const status = choice(`${id}-status`, t("competitions.any_status"), AWARD_STATUSES.map((s) => [s, label("award_status", s)]));
  const filters = () => ({ competition_id: competitionId, level: level?.value, status: status.value });
  const table = pagedTable({
    caption: t("awards.title"),
    rowKey: awardId,
    columns: [
      { label: t("col.student"), value: (a) => nameOf("student", a.student_id, `#/students/${encodeURIComponent(a.student_id)}`) },
      competitionId ? null : { label: t("awards.competition"), value: (a) => h("a", { href: `#/competitions/${encodeURIComponent(a.competition_id)}` }, a.competition_name) },
      competitionId ? null : { label: t("competitions.level"), value: (a) => label("competition_level", a.level) },
      { label: t("awards.award"), value: (a) => awardBadge(a.award) },
      { label: t("competitions.team_name"), value: (a) => a.team_name || "—" },
      { label: t("col.certificate_number"), value: (a) => (a.certificate_number ? h("a", { href: `#/verify/${encodeURIComponent(a.certificate_number)}` }, a.certificate_number) : "—") },
      { label: t("col.status"), value: (a) => awardStatus(a) },
      manager ? { label: t("col.actions"), value: (a) => (a.status === "awarded" ? h("button", {
        type: "button", class: "danger withdraw-award",
        onclick: () => withdrawDialog(a).then((withdrawn) => {
          if (!withdrawn) return;
          toast(t("awards.withdrawn_done"));
          table.refresh();
        }),
      }, t("awards.withdraw")) : "—") } : null,
    ].filter(Boolean),
    load: (offset, limit) => get("/v1/awards", { ...filters(), offset, limit }),
  });
  table.id = `${id}-table`;
  for (const select of [level, status].filter(Boolean)) select.addEventListener("change", () => table.reload());
  const exportButton = h("button", {
    type: "button", id: `${id}-csv`,
    onclick: async () => {
      exportButton.disabled = true;
      try {
        await download("/v1/awards", filters(), "awards.csv");
      } catch (error) {
        toast(errorText(error));
      } finally {
        exportButton.disabled = false;
      }
    },
  }, t("awards.export_csv"));
  const box = h("section", { class: "card", id },
    h("div", { class: "page-header" }, h("h2", {}, t("awards.title")), h("div", { class: "actions" }, exportButton)),
    h("div", { class: "filters" }, level ? filterField(level, t("competitions.level")) : null, filterField(status, t("col.status"))),
    table);
  box.reload = () => table.reload();
  return box;
}

export function awardBadge(award) {
  return h("span", { class: "award", "data-award": award }, badge(label("award", award), AWARD_TONES[award] ?? ""));
}

function awardStatus(award) {
  return h("span", { class: "award-status", "data-status": award.status },
    badge(label("award_status", award.status), award.status === "withdrawn" ? "bad" : "ok"),
    award.withdrawal_reason ? h("small", { class: "muted" }, " ", award.withdrawal_reason) : null);
}

// Withdrawing an award (a disqualification): the reason, then a confirmation;
// its credits are reversed and a certificate issued on it revoked.
function withdrawDialog(award) {
  const name = award.competition_name || "";
  return dialog(t("awards.withdraw_title", { name }), (close) => form({
    fields: [{ name: "reason", label: t("col.reason"), type: "textarea", required: true, rows: 3, help: t("awards.withdraw_help") }],
    submitLabel: t("awards.withdraw"),
    submit: async (values) => {
      if (!(await confirmAction(t("awards.confirm_withdraw", { award: label("award", award.award), name }), t("awards.withdraw")))) return null;
      return post(`/v1/awards/${encodeURIComponent(awardId(award))}/withdrawal`, values);
    },
    onDone: (result) => { if (result) close(result); },
    cancel: () => close(null),
  }));
}

// -- award credit rules --------------------------------------------------------------------

async function everyPage(path, query = {}) {
  const items = [];
  for (let offset = 0; ; offset += 200) {
    const page = await get(path, { ...query, offset, limit: 200 });
    items.push(...(page.items || []));
    if (!(page.items || []).length || items.length >= page.total) break;
  }
  return items;
}

function awardRulesSection(user) {
  const manager = can(user, ROLES.certificateOfficers);
  const table = pagedTable({
    caption: t("award_rules.title"),
    rowKey: (r) => r.id ?? `${r.programme_id}:${r.competition_level}:${r.award}`,
    columns: [
      { label: t("col.programme"), value: (r) => nameOf("programme", r.programme_id) },
      { label: t("competitions.level"), value: (r) => label("competition_level", r.competition_level) },
      { label: t("awards.award"), value: (r) => label("award", r.award) },
      { label: t("col.credits"), value: (r) => formatNumber(r.credits), numeric: true },
      { label: t("certificates.exemptions"), value: (r) => (r.course_exemptions || []).join("、") || "—" },
      { label: t("award_rules.stand_in"), value: (r) => (r.exam_stand_in ? `${r.exam_stand_in.certificate_code} · ${label("level", r.exam_stand_in.level)}` : "—") },
      { label: t("award_rules.version"), value: (r) => formatNumber(r.version), numeric: true },
    ],
    load: (offset, limit) => get("/v1/award-credit-rules", { offset, limit }),
  });
  table.id = "award-rules-table";
  const button = manager ? h("button", {
    type: "button", id: "set-award-rule",
    onclick: () => awardRuleDialog().then((answer) => {
      if (!answer) return;
      const changed = Array.isArray(answer.changes) ? answer.changes.length : Number(answer.changes || 0);
      toast(t("award_rules.saved", { count: formatNumber(changed) }));
      table.reload();
    }),
  }, t("award_rules.set")) : null;
  return h("section", { class: "card", id: "award-rules" },
    h("div", { class: "page-header" }, h("h2", {}, t("award_rules.title")), h("div", { class: "actions" }, button)),
    h("p", { class: "muted small" }, t("award_rules.help")),
    table);
}

// The credits (and course exemptions) one award of a level converts to in a
// programme, and the certificate it may stand in for an exam for. The API
// checks the programme and that the certificate is catalogued at that level.
async function awardRuleDialog() {
  const programmes = await everyPage("/v1/programmes").catch(() => []);
  programmes.sort((a, b) => compareNames(a.code, b.code));
  return dialog(t("award_rules.set"), (close) => {
    const el = form({
      fields: [
        { name: "programme_id", label: t("col.programme"), type: "select", required: true, value: "",
          options: [["", t("award_rules.choose_programme")], ...programmes.map((p) => [p.id, `${p.code} ${p.name}`])] },
        { name: "competition_level", label: t("competitions.level"), type: "select", required: true, value: "provincial",
          options: COMPETITION_LEVELS.map((l) => [l, label("competition_level", l)]) },
        { name: "award", label: t("awards.award"), type: "select", required: true, value: "first",
          options: AWARDS.map((a) => [a, label("award", a)]) },
        { name: "credits", label: t("col.credits"), type: "number", required: true, min: 0, step: "any", value: "" },
        { name: "course_exemptions", label: t("certificates.exemptions"), help: t("award_rules.exemptions_help") },
        { name: "exam_stand_in.certificate_code", label: t("award_rules.stand_in_code"), help: t("award_rules.stand_in_help") },
        { name: "exam_stand_in.level", label: t("award_rules.stand_in_level"), type: "select", value: "",
          options: [["", t("award_rules.no_stand_in")], ...CERTIFICATE_LEVELS.map((l) => [l, label("level", l)])] },
      ],
      submitLabel: t("action.save"),
      submit: async (values) => {
        const code = values["exam_stand_in.certificate_code"];
        const body = {
          programme_id: values.programme_id, competition_level: values.competition_level, award: values.award,
          credits: values.credits, course_exemptions: splitList(values.course_exemptions),
          exam_stand_in: code || values["exam_stand_in.level"] ? { certificate_code: code || "", level: values["exam_stand_in.level"] || "" } : null,
        };
        try {
          return await post("/v1/award-credit-rules", body);
        } catch (error) {
          // the stand-in as a whole (not catalogued at that level) is said beside its code
          throw renamedFields(reworded(error, certificateWords), { exam_stand_in: "exam_stand_in.certificate_code" });
        }
      },
      onDone: (answer) => close(answer),
      cancel: () => close(null),
    });
    el.id = "award-rule-form";
    return el;
  }, { wide: true });
}

// course codes typed with commas (ASCII or Chinese) or spaces between them
function splitList(text) {
  return String(text || "").split(/[,，、;\s]+/).map((s) => s.trim()).filter(Boolean);
}

// The API's field errors reworded: ``rule(fieldError)`` answers a replacement
// ({field, message}) for one the console can say better (the API's own
// message is English and names ids), or nothing to leave it as it is.
function reworded(error, rule) {
  if (!(error instanceof ApiError) || !Array.isArray(error.problem.field_errors)) return error;
  error.problem.field_errors = error.problem.field_errors.map((e) => {
    const better = rule(e);
    return better ? { ...e, code: "rule", params: undefined, ...better } : e;
  });
  return error;
}

// An API error whose field errors name a field the form shows under another name.
function renamedFields(error, names) {
  if (!(error instanceof ApiError)) return error;
  const rename = (field) => names[field] ?? field;
  if (Array.isArray(error.problem.field_errors)) {
    error.problem.field_errors = error.problem.field_errors.map((e) => ({ ...e, field: rename(e.field) }));
  }
  error.errors = Object.fromEntries(Object.entries(error.errors || {}).map(([field, messages]) => [rename(field), messages]));
  return error;
}

// -- a new competition ---------------------------------------------------------------------

// A row-aware form: named controls, each with its error line; rows of
// certificates (code and level) to add and remove; the API's field errors
// placed beside the control or row they name.
function rowsForm(id) {
  const controls = {};
  const general = h("div", { class: "form-errors", role: "alert" });
  const el = h("form", { class: "form", novalidate: true, id });
  function field(name, text, control, { required = false, help } = {}) {
    const controlId = uid(name.replace(/\W/g, "-"));
    control.id = controlId;
    control.name = name;
    control.setAttribute("aria-describedby", `${controlId}-error`);
    if (required) control.required = true;
    controls[name] = control;
    return h("div", { class: "field" },
      h("label", { for: controlId }, text, required ? h("span", { class: "required", "aria-hidden": "true" }, " *") : null),
      control, help ? h("small", { class: "help" }, help) : null, h("p", { class: "field-error", id: `${controlId}-error` }));
  }
  function errorOf(control) { return document.getElementById(control.getAttribute("aria-describedby")); }
  function mark(control, messages) {
    control.setAttribute("aria-invalid", "true");
    const error = errorOf(control);
    error.textContent = [error.textContent, ...messages].filter(Boolean).join(" ");
  }
  const clear = () => clearFormErrors(el, general);
  function requireFilled() {
    for (const control of Object.values(controls)) {
      if (control.required && !control.value.trim()) mark(control, [t("validation.required")]);
    }
  }
  const focusFirst = () => focusFirstInvalid(el);
  // place(path, messages) -> whether the form had somewhere to show it; else
  // the control the path (or its first part) names
  function showErrors(error, place) {
    showRefusal(error, { form: el, general, place: (name, messages) => {
      if (place(name, messages)) return true;
      const control = controls[name] || controls[name.split(".")[0]];
      if (control) mark(control, messages);
      return !!control;
    } });
  }
  return { el, controls, general, field, mark, clear, requireFilled, focusFirst, showErrors };
}

function busy(button, on) {
  button.disabled = on;
  if (on) button.setAttribute("aria-busy", "true");
  else button.removeAttribute("aria-busy");
}

// a certificate not in the catalogue, or not at that level, in the console's words
function certificateWords(fieldError) {
  if (fieldError.code !== "invalid") return null;
  if (/^(certificates\.\d+|exam_stand_in)\.code$|certificate_code$/.test(fieldError.field)) return { message: t("competitions.certificate_unknown") };
  if (/^(certificates\.\d+|exam_stand_in)\.level$/.test(fieldError.field)) return { message: t("competitions.certificate_level_unknown") };
  return null;
}

function competitionDialog() {
  return dialog(t("competitions.new"), (close) => {
    const f = rowsForm("competition-form");
    const input = (attrs = {}) => h("input", { type: "text", autocomplete: "off", ...attrs });
    const level = h("select", {}, COMPETITION_LEVELS.map((l) => h("option", { value: l }, label("competition_level", l))));
    level.value = "provincial";
    const certificates = certificateRowsEditor({
      addId: "add-competition-certificate",
      words: { code: "competitions.certificate_code", level: "competitions.certificate_level",
               remove: "competitions.remove_certificate", add: "competitions.add_certificate" },
    });
    f.el.append(
      f.field("name", t("competitions.name"), input({ maxlength: 200 }), { required: true }),
      h("div", { class: "grid-2" },
        f.field("level", t("competitions.level"), level, { required: true }),
        f.field("held_on", t("competitions.held_on"), h("input", { type: "date" }), { required: true })),
      f.field("organiser", t("competitions.organiser"), input({ maxlength: 200 }), { required: true }),
      f.field("courses", t("competitions.courses"), input(), { help: t("competitions.courses_help") }),
      h("fieldset", { class: "certificates" },
        h("legend", {}, t("competitions.certificates")),
        h("p", { class: "help" }, t("competitions.certificates_help")),
        certificates.list, certificates.error, certificates.add));
    const submit = h("button", { type: "submit", class: "primary" }, t("action.save"));
    f.el.append(f.general, h("div", { class: "form-actions" }, submit, h("button", { type: "button", onclick: () => close(null) }, t("action.cancel"))));
    function place(path, messages) {
      const target = certificates.control(path);
      if (target) {
        f.mark(target[0], messages);
        return true;
      }
      if (path === "certificates") {
        certificates.error.textContent = messages.join(" ");
        return true;
      }
      return false;
    }
    f.el.addEventListener("submit", async (event) => {
      event.preventDefault();
      f.clear();
      f.requireFilled();
      certificates.empty().forEach((row) => f.mark(row.code, [t("validation.required")]));
      if (f.focusFirst()) return;
      const { controls } = f;
      const body = {
        name: controls.name.value.trim(), level: controls.level.value, organiser: controls.organiser.value.trim(),
        held_on: controls.held_on.value, courses: splitList(controls.courses.value),
        certificates: certificates.value(),
      };
      busy(submit, true);
      try {
        close(await post("/v1/competitions", body));
      } catch (error) {
        f.showErrors(reworded(error, certificateWords), place);
      } finally {
        busy(submit, false);
      }
    });
    return f.el;
  }, { wide: true });
}

// -- one competition: its facts, entries, results and awards ------------------------------

async function renderCompetition(view, context) {
  const { params, user } = context;
  const body = h("div", {}, loading());
  view.replaceChildren(body);
  let competition;
  try {
    competition = await get(competitionPath(params.id));
  } catch (error) {
    body.replaceChildren(pageHeader(t("competitions.title")), errorBox(error));
    return;
  }
  const manager = can(user, ROLES.certificateOfficers);
  const again = () => renderCompetition(view, context);
  const addEntrant = manager && competition.status === "open" ? h("button", {
    type: "button", class: "primary", id: "add-entrant",
    onclick: () => entryDialog(competition).then((entry) => {
      if (!entry) return;
      toast(t("entries.added"));
      again();
    }),
  }, t("entries.add")) : null;
  const certificates = (competition.certificates || []).map((c) => `${c.code} · ${label("level", c.level)}`).join(t("entries.separator"));
  const statusCell = h("span", {}, competitionStatus(competition));
  // results recorded: the competition takes no more entries
  function recorded() {
    awards.reload();
    competition.status = "results_recorded";
    document.getElementById("competition-facts").dataset.status = competition.status;
    statusCell.replaceChildren(competitionStatus(competition));
    addEntrant?.remove();
  }
  const nodes = [
    pageHeader(competition.name, addEntrant),
    h("p", { class: "muted" }, h("a", { href: "#/competitions" }, t("competitions.back"))),
    section(t("competitions.facts"), h("dl", { class: "facts", id: "competition-facts", "data-status": competition.status },
      fact(t("competitions.level"), label("competition_level", competition.level)),
      fact(t("competitions.organiser"), competition.organiser),
      fact(t("competitions.held_on"), formatDate(competition.held_on)),
      fact(t("col.status"), statusCell),
      fact(t("competitions.entries_count"), formatNumber(competition.entries ?? 0)),
      fact(t("competitions.courses"), (competition.courses || []).join("、") || "—"),
      fact(t("competitions.certificates"), certificates || "—"))),
  ];
  const entriesBox = h("section", { class: "card", id: "entries" }, h("h2", {}, t("entries.title")), loading());
  nodes.push(entriesBox);
  const awards = awardsSection(user, { competitionId: competition.id, id: "competition-awards" });
  nodes.push(awards);
  body.replaceChildren(...nodes);

  let entries;
  try {
    entries = await everyPage(`${competitionPath(competition.id)}/entries`);
  } catch (error) {
    entriesBox.replaceChildren(h("h2", {}, t("entries.title")), errorBox(error));
    return;
  }
  entriesBox.replaceChildren(h("h2", {}, t("entries.title")),
    entries.length ? (manager ? resultsForm(competition, entries, recorded) : entriesTable(entries)) : empty(t("entries.none")));
}

function entrantNames(entry) {
  const names = (entry.student_ids || []).map((id) => nameOf("student", id, `#/students/${encodeURIComponent(id)}`));
  return h("span", { class: "entrants" }, names.flatMap((node, index) => (index ? [t("entries.separator"), node] : [node])));
}

function tutorNames(entry) {
  const names = (entry.tutor_ids || []).map((id) => nameOf("mentor", id, `#/mentors/${encodeURIComponent(id)}`));
  return names.length ? h("span", {}, names.flatMap((node, index) => (index ? [t("entries.separator"), node] : [node]))) : "—";
}

function resultText(result) {
  if (!result) return h("span", { class: "entry-result", "data-award": "" }, t("entries.no_result"));
  return h("span", { class: "entry-result", "data-award": result.award },
    result.award === "none" ? label("award", "none") : awardBadge(result.award),
    result.rank ? ` ${t("entries.rank_n", { rank: formatNumber(result.rank) })}` : "");
}

const entryColumns = () => [
  { label: t("entries.entrants"), value: (e) => entrantNames(e) },
  { label: t("col.kind"), value: (e) => label("entry_kind", e.kind) },
  { label: t("competitions.team_name"), value: (e) => e.team_name || "—" },
  { label: t("entries.tutors"), value: (e) => tutorNames(e) },
];

function entriesTable(entries) {
  return dataTable([...entryColumns(), { label: t("entries.result"), value: (e) => resultText(e.result) }],
    entries, t("entries.title"), (e) => e.id);
}

// The entries with an award to choose for each (and a rank), recorded in one
// call; the API's report of each row shows beside it: awarded, unchanged,
// corrected, no award, or rejected with its reasons. Recording again corrects.
function resultsForm(competition, entries, onRecorded) {
  const el = h("form", { class: "form", novalidate: true, id: "results-form" });
  const general = h("div", { class: "form-errors", role: "alert" });
  const rows = entries.map((entry) => {
    const award = h("select", { id: uid("award"), name: "award" },
      h("option", { value: "" }, t("entries.not_recorded")),
      RESULTS.map((a) => h("option", { value: a }, label("award", a))));
    award.value = entry.result?.award || "";
    const rank = h("input", { type: "number", id: uid("rank"), name: "rank", min: 1, step: 1, class: "rank-input", autocomplete: "off" });
    rank.value = entry.result?.rank ?? "";
    const error = h("p", { class: "field-error", id: uid("result-error") });
    award.setAttribute("aria-describedby", error.id);
    rank.setAttribute("aria-describedby", error.id);
    const outcome = h("span", { class: "result-outcome", "data-outcome": "" });
    return { entry, award, rank, error, outcome };
  });
  rows.forEach((row, index) => {
    const n = formatNumber(index + 1);
    row.award.setAttribute("aria-label", t("entries.award_for", { n }));
    row.rank.setAttribute("aria-label", t("entries.rank_for", { n }));
  });
  const columns = entryColumns();
  const table = h("div", { class: "table-scroll" }, h("table", {},
    h("caption", { class: "visually-hidden" }, t("entries.title")),
    h("thead", {}, h("tr", {}, [...columns.map((c) => h("th", { scope: "col" }, c.label)),
      h("th", { scope: "col" }, t("entries.result")), h("th", { scope: "col" }, t("entries.rank")), h("th", { scope: "col" }, t("entries.report"))])),
    h("tbody", {}, rows.map((row) => h("tr", { "data-key": row.entry.id },
      columns.map((c) => h("td", { "data-label": c.label }, c.value(row.entry) ?? "—")),
      h("td", { "data-label": t("entries.result") }, row.award, row.error),
      h("td", { "data-label": t("entries.rank") }, row.rank),
      h("td", { "data-label": t("entries.report") }, row.outcome))))));
  const submit = h("button", { type: "submit", class: "primary", id: "record-results" }, t("entries.record_results"));
  el.append(h("p", { class: "help" }, t("entries.results_help")), table, general, h("div", { class: "form-actions" }, submit));
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    general.replaceChildren();
    for (const row of rows) {
      row.award.removeAttribute("aria-invalid");
      row.rank.removeAttribute("aria-invalid");
      row.error.textContent = "";
      row.outcome.textContent = "";
      row.outcome.dataset.outcome = "";
    }
    const chosen = rows.filter((row) => row.award.value);
    if (!chosen.length) {
      general.append(h("p", {}, t("entries.choose_an_award")));
      rows[0].award.focus();
      return;
    }
    const body = { results: chosen.map((row) => ({
      entry_id: row.entry.id, award: row.award.value, rank: row.rank.value === "" ? null : Number(row.rank.value),
    })) };
    busy(submit, true);
    try {
      const answer = await post(`${competitionPath(competition.id)}/results`, body);
      const report = answer.rows || [];
      const byEntry = new Map(report.map((line) => [line.entry_id, line]));
      let rejected = 0;
      for (const row of rows) {
        const line = byEntry.get(row.entry.id);
        if (!line) continue;
        row.outcome.dataset.outcome = line.outcome;
        row.outcome.replaceChildren(badge(label("result_outcome", line.outcome.replace(/\s+/g, "_")), line.outcome === "rejected" ? "bad" : line.outcome === "no award" ? "" : "ok"));
        if (line.outcome === "rejected") {
          rejected += 1;
          row.award.setAttribute("aria-invalid", "true");
          row.error.textContent = reportErrors(line.errors).join(" ");
        }
      }
      toast(rejected ? t("entries.recorded_with_rejections", { count: formatNumber(rejected) }) : t("entries.recorded"));
      if (rejected) el.querySelector("[aria-invalid]")?.focus();
      onRecorded();
    } catch (error) {
      showRefusal(error, { form: el, general, place: (name, messages) => {
        const found = /^results\.(\d+)(?:\.(\w+))?/.exec(name);
        const row = found ? chosen[Number(found[1])] : null;
        if (!row) return false;
        (found[2] === "rank" ? row.rank : row.award).setAttribute("aria-invalid", "true");
        row.error.textContent = [row.error.textContent, ...messages].filter(Boolean).join(" ");
        return true;
      } });
    } finally {
      busy(submit, false);
    }
  });
  return el;
}

// a report row's errors ({field: [messages]} or a list) as lines of text
function reportErrors(errors) {
  if (!errors) return [];
  if (Array.isArray(errors)) return errors.map((e) => (typeof e === "string" ? e : e.message || JSON.stringify(e)));
  return Object.entries(errors).flatMap(([field, messages]) => [].concat(messages).map((m) => `${field}: ${typeof m === "string" ? m : JSON.stringify(m)}`));
}

// -- an entrant: one student, or a team of 2 to 10 with its name; 0 to 3 tutors -----------

async function teachers() {
  return (await everyPage("/v1/mentors", { kind: "teacher" }).catch(() => []))
    .filter((m) => m.status !== "left")
    .sort((a, b) => compareNames(a.name, b.name));
}

function entryDialog(competition) {
  return teachers().then((tutors) => dialog(t("entries.add_title", { name: competition.name }), (close) => {
    const f = rowsForm("entry-form");
    const kind = h("select", {}, ["individual", "team"].map((k) => h("option", { value: k }, label("entry_kind", k))));
    const teamName = h("input", { type: "text", autocomplete: "off", maxlength: 100 });
    const teamField = f.field("team_name", t("competitions.team_name"), teamName, { required: true });
    const studentRows = h("div", { class: "student-rows" });
    const tutorRows = h("div", { class: "tutor-rows" });
    const students = [];
    const tutorsChosen = [];
    const found = new Map();  // "<number> <name>" offered by a search -> student id
    const listId = uid("student-options");
    const options = h("datalist", { id: listId });
    let searching = 0;
    async function suggest(text) {
      const asked = ++searching;
      if (text.trim().length < 1) return;
      try {
        const page = await get("/v1/students", { q: text.trim(), status: "active", limit: 8 });
        if (asked !== searching) return;
        options.replaceChildren(...(page.items || []).map((s) => {
          const value = `${s.student_number} ${s.name}`;
          found.set(value, s.id);
          return h("option", { value });
        }));
      } catch { /* suggestions only */ }
    }
    function renumber() {
      students.forEach((row, index) => {
        row.label.textContent = t("entries.student_n", { n: formatNumber(index + 1) });
        row.remove.textContent = t("entries.remove_student", { n: formatNumber(index + 1) });
        row.remove.hidden = kind.value !== "team" || students.length <= 1;
      });
      tutorsChosen.forEach((row, index) => {
        row.label.textContent = t("entries.tutor_n", { n: formatNumber(index + 1) });
        row.remove.textContent = t("entries.remove_tutor", { n: formatNumber(index + 1) });
      });
      addStudent.hidden = kind.value !== "team" || students.length >= MAX_TEAM;
      addTutor.hidden = tutorsChosen.length >= MAX_TUTORS;
    }
    function addStudentRow() {
      const control = h("input", { type: "text", autocomplete: "off", list: listId, id: uid("entry-student"), name: "student" });
      const error = h("p", { class: "field-error", id: `${control.id}-error` });
      control.setAttribute("aria-describedby", error.id);
      let timer;
      control.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => suggest(control.value), 250); });
      const row = { control, error, label: h("label", { for: control.id }) };
      row.remove = h("button", { type: "button", class: "remove-student", onclick: () => {
        students.splice(students.indexOf(row), 1);
        row.el.remove();
        renumber();
        addStudent.focus();
      } });
      row.el = h("div", { class: "entrant-row" }, h("div", { class: "field grow" }, row.label, control, error), row.remove);
      students.push(row);
      studentRows.append(row.el);
      renumber();
      return row;
    }
    function addTutorRow() {
      const control = h("select", { id: uid("entry-tutor"), name: "tutor" },
        h("option", { value: "" }, t("entries.choose_tutor")),
        tutors.map((m) => h("option", { value: m.id }, m.name)));
      const error = h("p", { class: "field-error", id: `${control.id}-error` });
      control.setAttribute("aria-describedby", error.id);
      const row = { control, error, label: h("label", { for: control.id }) };
      row.remove = h("button", { type: "button", class: "remove-tutor", onclick: () => {
        tutorsChosen.splice(tutorsChosen.indexOf(row), 1);
        row.el.remove();
        renumber();
        addTutor.focus();
      } });
      row.el = h("div", { class: "entrant-row" }, h("div", { class: "field grow" }, row.label, control, error), row.remove);
      tutorsChosen.push(row);
      tutorRows.append(row.el);
      renumber();
      return row;
    }
    const addStudent = h("button", { type: "button", id: "add-entry-student", onclick: () => addStudentRow().control.focus() }, t("entries.add_student"));
    const addTutor = h("button", { type: "button", id: "add-entry-tutor", onclick: () => addTutorRow().control.focus() }, t("entries.add_tutor"));
    addStudentRow();
    function showKind() {
      const team = kind.value === "team";
      teamField.hidden = !team;
      teamName.required = team;
      if (!team) while (students.length > 1) students.pop().el.remove();
      if (team && students.length < 2) addStudentRow();
      renumber();
    }
    kind.addEventListener("change", showKind);
    f.el.append(
      f.field("kind", t("col.kind"), kind, { required: true }),
      teamField,
      h("fieldset", { class: "entrants" }, h("legend", {}, t("entries.entrants")),
        h("p", { class: "help" }, t("entries.students_help")), studentRows, options, addStudent),
      h("fieldset", { class: "tutors" }, h("legend", {}, t("entries.tutors")),
        h("p", { class: "help" }, tutors.length ? t("entries.tutors_help") : t("entries.no_teachers")), tutorRows, addTutor));
    const submit = h("button", { type: "submit", class: "primary" }, t("entries.add"));
    f.el.append(f.general, h("div", { class: "form-actions" }, submit, h("button", { type: "button", onclick: () => close(null) }, t("action.cancel"))));
    showKind();
    function place(path, messages) {
      const match = /^(student_ids|tutor_ids)\.(\d+)/.exec(path);
      const list = match ? (match[1] === "student_ids" ? students : tutorsChosen) : null;
      if (list && list[Number(match[2])]) {
        f.mark(list[Number(match[2])].control, messages);
        return true;
      }
      if (path === "student_ids" && students.length) { f.mark(students[0].control, messages); return true; }
      if (path === "tutor_ids") {
        if (tutorsChosen.length) f.mark(tutorsChosen[0].control, messages);
        else f.general.append(h("p", {}, messages.join(" ")));
        return true;
      }
      return false;
    }
    // a student typed as a number or a name: the suggestion picked, else the one
    // student a search finds; none, or several, is said beside the row
    async function studentId(row) {
      const text = row.control.value.trim();
      if (found.has(text)) return found.get(text);
      const page = await get("/v1/students", { q: text, limit: 2 });
      const items = page.items || [];
      const exact = items.filter((s) => s.student_number === text || s.id === text);
      if (exact.length === 1) return exact[0].id;
      if (items.length === 1) return items[0].id;
      f.mark(row.control, [items.length ? t("entries.several_students") : t("entries.no_such_student")]);
      return null;
    }
    f.el.addEventListener("submit", async (event) => {
      event.preventDefault();
      f.clear();
      if (kind.value === "team") f.requireFilled();
      for (const row of students) if (!row.control.value.trim()) f.mark(row.control, [t("validation.required")]);
      for (const row of tutorsChosen) if (!row.control.value) f.mark(row.control, [t("entries.choose_or_remove_tutor")]);
      if (f.focusFirst()) return;
      busy(submit, true);
      let sent = null;
      try {
        const ids = [];
        for (const row of students) ids.push(await studentId(row));
        if (f.focusFirst()) return;
        const body = {
          kind: kind.value, team_name: kind.value === "team" ? teamName.value.trim() : null,
          student_ids: ids, tutor_ids: tutorsChosen.map((row) => row.control.value),
        };
        sent = body;
        close(await post(`${competitionPath(competition.id)}/entries`, body));
      } catch (error) {
        const named = (text, ids) => ids.findIndex((id) => id && String(text || "").includes(id));
        // a student entered already: said beside each one the API names
        const already = error instanceof ApiError && error.status === 409
          ? (sent?.student_ids || []).map((id, index) => [id, index]).filter(([id]) => String(error.problem.detail || "").includes(id)) : [];
        if (already.length) {
          for (const [, index] of already) f.mark(students[index].control, [t("entries.already_entered")]);
          f.focusFirst();
        } else if (error instanceof ApiError && error.status === 409) {
          f.general.append(errorBox(error));  // the results are recorded: no more entries
        } else {
          // the API names the student or tutor it does not know: said beside that row
          f.showErrors(reworded(error, (e) => {
            if (e.code !== "invalid") return null;
            if (e.field === "student_ids" && named(e.message, sent?.student_ids || []) >= 0) {
              return { field: `student_ids.${named(e.message, sent.student_ids)}`, message: t("entries.not_active_student") };
            }
            if (e.field === "tutor_ids" && named(e.message, sent?.tutor_ids || []) >= 0) {
              return { field: `tutor_ids.${named(e.message, sent.tutor_ids)}`, message: t("entries.not_a_teacher") };
            }
            return null;
          }), place);
        }
      } finally {
        busy(submit, false);
      }
    });
    return f.el;
  }, { wide: true }));
}

// -- the awards a student page shows (from the 360) ----------------------------------------

export function studentAwardsSection(awards) {
  const rows = awards || [];
  const held = rows.filter((a) => a.status !== "withdrawn").length;
  return h("section", { class: "card", id: "student-awards", "data-awarded": String(held) },
    h("h2", {}, t("awards.student_title")),
    rows.length ? dataTable([
      { label: t("awards.competition"), value: (a) => a.competition_name },
      { label: t("competitions.level"), value: (a) => label("competition_level", a.level) },
      { label: t("awards.award"), value: (a) => awardBadge(a.award) },
      { label: t("competitions.held_on"), value: (a) => formatDate(a.held_on) },
      { label: t("col.certificate_number"), value: (a) => (a.certificate_number ? h("a", { href: `#/verify/${encodeURIComponent(a.certificate_number)}` }, a.certificate_number) : "—") },
      { label: t("col.status"), value: (a) => awardStatus(a) },
    ], rows, t("awards.student_title"), awardId) : empty(t("awards.none")));
}

// -- the dashboard's awards by level --------------------------------------------------------

export function awardsByLevelSection(awards) {
  const byLevel = (awards || {}).by_level || [];
  const total = (awards || {}).total ?? 0;
  return h("section", { class: "card", id: "dashboard-awards", "data-total": String(total) },
    h("h2", {}, t("dashboard.awards")),
    h("p", {}, h("span", { class: "kpi-value" }, formatNumber(total)), " ", h("span", { class: "kpi-label" }, t("ind.awards"))),
    byLevel.length ? [
      ratioBars(t("dashboard.awards_chart"), byLevel.map((row) => ({
        label: label("competition_level", row.level), value: total ? row.awards / total : null,
      })), formatPercent),
      dataTable([
        { label: t("competitions.level"), value: (row) => label("competition_level", row.level) },
        { label: t("ind.awards"), value: (row) => formatNumber(row.awards), numeric: true },
      ], byLevel, t("dashboard.awards"), (row) => row.level),
    ] : empty(t("awards.none_on_dashboard")),
    h("p", { class: "muted small" }, t("dashboard.awards_note")));
}

