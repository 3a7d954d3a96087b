// Small DOM helpers shared by the screens: elements, paged tables, forms with
// field errors, confirmation, loading and empty states, SVG bar charts.
import { ApiError } from "./api.js";
import { fieldErrorMessage, has, problemMessage, t } from "./i18n.js";

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let ids = 0;
export const uid = (prefix = "f") => `${prefix}-${++ids}`;

export function loading() {
  return h("p", { class: "state loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), t("state.loading"));
}

export function empty(message = t("state.empty")) {
  return h("p", { class: "state empty" }, message);
}

// An error in the console's words: the problem's code picks the catalogue's
// message. The API's own text (English, and it may name ids) stays folded
// away beneath, for support, unless it only repeats a missing id.
export function errorBox(error) {
  if (!(error instanceof ApiError)) {
    return h("div", { class: "alert error", role: "alert" }, h("strong", {}, t("error.generic")), " ", String(error));
  }
  const title = error.status === 403 ? t("error.forbidden")
    : error.status === 404 ? t("error.not_found")
      : error.status === 503 ? t("error.unavailable")
        : t("error.generic");
  const message = problemMessage(error.problem);
  const detail = error.problem.detail;
  const known = has(`problem.${error.problem.code}`);
  return h("div", { class: "alert error", role: "alert", "data-code": error.problem.code || null },
    h("strong", {}, title), " ", message,
    known && detail && error.status !== 404 ? h("details", { class: "api-detail" },
      h("summary", {}, t("error.api_detail")), h("span", { lang: "en" }, detail)) : null);
}

// An error as one line, for a toast; a conflict the catalogue words only in
// general keeps the API's reason beside it, there being nowhere to fold it.
export function errorText(error) {
  if (!(error instanceof ApiError)) return String(error);
  const message = problemMessage(error.problem);
  const { code, detail } = error.problem;
  return code === "conflict" && detail && detail !== message ? `${message} (${detail})` : message;
}

export function toast(message) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.classList.add("shown");
  clearTimeout(box.timer);
  box.timer = setTimeout(() => box.classList.remove("shown"), 4000);
}

export function pageHeader(title, ...actions) {
  return h("div", { class: "page-header" }, h("h1", {}, title), h("div", { class: "actions" }, actions));
}

export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), children);
}

export function badge(text, tone = "") {
  return h("span", { class: `badge ${tone}` }, text);
}

// A paged list: columns are {label, value(row) -> node|string}; load(offset, limit)
// returns {items, total}. Shows loading, empty and error states and pagination.
export function pagedTable({ columns, load, limit = 20, caption, rowKey }) {
  const wrapper = h("div", { class: "paged" });
  let offset = 0;
  let latest = 0;
  async function render() {
    const request = ++latest;
    wrapper.replaceChildren(loading());
    let page;
    try {
      page = await load(offset, limit);
    } catch (error) {
      if (request === latest) wrapper.replaceChildren(errorBox(error));
      return;
    }
    if (request !== latest) return;  // a newer search or page answered first: keep it
    const items = page.items || [];
    if (!items.length) { wrapper.replaceChildren(empty()); return; }
    const table = dataTable(columns, items, caption, rowKey);
    const total = page.total ?? items.length;
    const pages = Math.max(1, Math.ceil(total / limit));
    const current = Math.floor(offset / limit) + 1;
    const nav = h("nav", { class: "pagination", "aria-label": t("pager.label") },
      h("button", { type: "button", disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - limit); render(); } }, t("pager.previous")),
      h("span", {}, t("pager.status", { page: current, pages, total })),
      h("button", { type: "button", disabled: offset + limit >= total, onclick: () => { offset += limit; render(); } }, t("pager.next")));
    wrapper.replaceChildren(table, nav);
  }
  wrapper.reload = () => { offset = 0; return render(); };
  wrapper.refresh = () => render();  // the same page again, after a change in it
  render();
  return wrapper;
}

export function dataTable(columns, rows, caption, rowKey) {
  return h("div", { class: "table-scroll" }, h("table", {},
    caption ? h("caption", { class: "visually-hidden" }, caption) : null,
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.numeric ? "num" : "" }, c.label)))),
    h("tbody", {}, rows.map((row) => h("tr", rowKey ? { "data-key": rowKey(row) } : {},
      columns.map((c) => h("td", { class: c.numeric ? "num" : "", "data-label": c.label }, c.value(row) ?? "—")))))));
}

// A form: fields are {name, label, type, options, required, value, help};
// submit(values) may throw an ApiError whose `errors` map is shown next to
// the fields it names (RFC 9457 extension), the rest above the buttons.
export function form({ fields, submitLabel, submit, onDone, cancel }) {
  const controls = {};
  const general = h("div", { class: "form-errors", role: "alert" });
  const el = h("form", { class: "form", novalidate: true });
  for (const field of fields) {
    const id = uid(field.name);
    const errorId = `${id}-error`;
    let control;
    if (field.type === "select") {
      control = h("select", { id, name: field.name, required: field.required, "aria-describedby": errorId },
        field.options.map(([value, text]) => h("option", { value, selected: String(field.value ?? "") === String(value) }, text)));
    } else if (field.type === "textarea") {
      control = h("textarea", { id, name: field.name, required: field.required, rows: field.rows || 4, "aria-describedby": errorId });
      control.value = field.value ?? "";
    } else if (field.type === "checkbox") {
      control = h("input", { id, name: field.name, type: "checkbox", checked: !!field.value, "aria-describedby": errorId });
    } else {
      control = h("input", { id, name: field.name, type: field.type || "text", required: field.required, step: field.step, min: field.min, max: field.max, autocomplete: field.autocomplete || "off", "aria-describedby": errorId });
      control.value = field.value ?? "";
    }
    controls[field.name] = control;
    el.append(h("div", { class: `field ${field.type === "checkbox" ? "check" : ""}` },
      h("label", { for: id }, field.label, field.required ? h("span", { class: "required", "aria-hidden": "true" }, " *") : null),
      control,
      field.help ? h("small", { class: "help" }, field.help) : null,
      h("p", { class: "field-error", id: errorId })));
  }
  const submitButton = h("button", { type: "submit", class: "primary" }, submitLabel);
  el.append(general, h("div", { class: "form-actions" }, submitButton,
    cancel ? h("button", { type: "button", onclick: cancel }, t("action.cancel")) : null));
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    general.replaceChildren();
    for (const [name, control] of Object.entries(controls)) {
      control.removeAttribute("aria-invalid");
      control.closest(".field").querySelector(".field-error").textContent = "";
      if (control.required && !control.value.trim()) {
        showFieldError(controls, name, [t("validation.required")]);
      }
    }
    if (el.querySelector("[aria-invalid]")) { el.querySelector("[aria-invalid]").focus(); return; }
    const values = {};
    for (const field of fields) {
      const control = controls[field.name];
      let value = field.type === "checkbox" ? control.checked : control.value.trim();
      if (field.type === "number" && value !== "") value = Number(value);
      if (value === "" && !field.keepEmpty) continue;
      values[field.name] = value;
    }
    const place = (name, messages) => {
      const top = name.split(".")[0];
      if (!controls[name] && !controls[top]) return false;
      showFieldError(controls, controls[name] ? name : top, messages);
      return true;
    };
    await sendForm({ button: submitButton, form: el, general, place }, () => submit(values),
      (result) => onDone?.(result));
  });
  el.controls = controls;
  return el;
}

// field path -> its messages in the console's words: by each field error's
// code (the problem's `field_errors`), else the API's own messages.
export function fieldMessages(error) {
  const byField = new Map();
  const coded = error.problem?.field_errors;
  if (Array.isArray(coded) && coded.length) {
    for (const fieldError of coded) {
      if (!byField.has(fieldError.field)) byField.set(fieldError.field, []);
      byField.get(fieldError.field).push(fieldErrorMessage(fieldError));
    }
    return byField;
  }
  for (const [name, messages] of Object.entries(error.errors || {})) byField.set(name, flatten(messages));
  return byField;
}

// A form's errors cleared before it is checked again: its general box, every
// control marked invalid and every field's error line.
export function clearFormErrors(formEl, general) {
  general.replaceChildren();
  for (const control of formEl.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  for (const error of formEl.querySelectorAll(".field-error")) error.textContent = "";
}

// The first control marked invalid takes the focus (a group's first input,
// for a group marked as a whole); else `fallback`. Whether one was marked.
export function focusFirstInvalid(formEl, fallback = null) {
  const first = formEl.querySelector("[aria-invalid]");
  const target = first ? (first.querySelector("input, select, textarea") || first) : fallback;
  target?.focus?.();
  return !!first;
}

// A refused request shown in its form: each field error where
// `place(path, messages)` puts it (false: it had nowhere, so it goes to the
// general box with its path), any other failure in the general box; then the
// first invalid control takes the focus, else `fallback`.
export function showRefusal(error, { form: formEl, general, place, fallback }) {
  if (error instanceof ApiError && Object.keys(error.errors).length) {
    const unplaced = [];
    for (const [name, messages] of fieldMessages(error)) {
      if (!place(name, messages)) unplaced.push(`${name}: ${messages.join(" ")}`);
    }
    if (unplaced.length) general.append(h("p", {}, unplaced.join("; ")));
    focusFirstInvalid(formEl, fallback);
  } else {
    general.append(errorBox(error));
  }
}

// The button busy (disabled, aria-busy) while `work` runs.
export async function whileBusy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

// A form's request sent with its button busy: `done(answer)` on success, the
// refusal shown in the form (showRefusal) otherwise.
export async function sendForm({ button, ...where }, send, done) {
  await whileBusy(button, async () => {
    let answer;
    try {
      answer = await send();
    } catch (error) {
      showRefusal(error, where);
      return;
    }
    await done(answer);
  });
}

function flatten(messages) {
  if (Array.isArray(messages)) return messages.flatMap(flatten);
  if (messages && typeof messages === "object") return Object.entries(messages).flatMap(([k, v]) => flatten(v).map((m) => `${k}: ${m}`));
  return [String(messages)];
}

function showFieldError(controls, name, messages) {
  const control = controls[name];
  control.setAttribute("aria-invalid", "true");
  control.closest(".field").querySelector(".field-error").textContent = messages.join(" ");
}

// A modal dialog with a form in it; resolves when done or cancelled.
export function dialog(title, buildBody, { wide = false } = {}) {
  return new Promise((resolve) => {
    const box = h("dialog", { class: wide ? "dialog wide" : "dialog", "aria-labelledby": uid("dlg") });
    const heading = h("h2", { id: box.getAttribute("aria-labelledby") }, title);
    const close = (value) => { box.close(); box.remove(); resolve(value); };
    box.append(heading, buildBody(close));
    box.addEventListener("cancel", () => close(null));
    document.body.append(box);
    box.showModal();
  });
}

// Asks before anything that cannot be undone.
export function confirmAction(message, confirmLabel = t("action.confirm")) {
  return dialog(t("confirm.title"), (close) => h("div", {},
    h("p", {}, message),
    h("div", { class: "form-actions" },
      h("button", { type: "button", class: "danger", onclick: () => close(true) }, confirmLabel),
      h("button", { type: "button", autofocus: true, onclick: () => close(false) }, t("action.cancel")))));
}

// Horizontal bars for ratios (0..1) with an optional target line, as HTML:
// each label has the room it needs and wraps in any language, and no chart
// library (nor any other host) is needed. Widths are set through the DOM,
// which the Content-Security-Policy allows (style attributes it does not).
export function ratioBars(title, rows, formatValue) {
  const list = h("ul", { class: "chart", "aria-label": title }, rows.map((row) => {
    const ratio = row.value === null || row.value === undefined ? 0 : Math.max(0, Math.min(1, row.value));
    const bar = h("span", { class: `chart-bar ${row.tone || ""}` });
    bar.style.width = `${ratio * 100}%`;
    const track = h("span", { class: "chart-track", "aria-hidden": "true" }, bar);
    if (row.target !== undefined && row.target !== null) {
      const target = h("span", { class: "chart-target" });
      target.style.left = `${Math.max(0, Math.min(1, row.target)) * 100}%`;
      track.append(target);
    }
    return h("li", { class: "chart-row" }, h("span", { class: "chart-label" }, row.label), track,
      h("span", { class: "chart-value" }, formatValue(row.value)));
  }));
  return h("figure", { class: "chart-figure" }, list, h("figcaption", {}, title));
}
