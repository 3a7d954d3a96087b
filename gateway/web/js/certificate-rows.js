// The editor of a list of certificates at a level (a programme's graduation
// requirements, a competition's alignment): one row per certificate, added
// and removed at will, each labelled with its number so a screen reader says
// which row a control or an error belongs to. The API answers errors on
// `certificates.<n>.code|level`; `control(path)` finds the row's control and
// its error element for them.
import { formatNumber, label, t } from "./i18n.js";
import { h, uid } from "./ui.js";

export const CERTIFICATE_LEVELS = ["junior", "intermediate", "senior"];

// words: the i18n keys of the row's labels ({ code, level, remove }, each
// taking {n}) and of the add button (add); addId: the add button's id
export function certificateRowsEditor({ words, addId, initial = [] }) {
  const rows = [];
  const list = h("div", { class: "certificate-rows" });
  const error = h("p", { class: "field-error", id: uid("certificates-error") });
  function renumber() {
    rows.forEach((row, index) => {
      const n = formatNumber(index + 1);
      row.codeLabel.textContent = t(words.code, { n });
      row.levelLabel.textContent = t(words.level, { n });
      row.remove.textContent = t(words.remove, { n });
    });
  }
  function addRow(certificate = {}) {
    const code = h("input", { type: "text", autocomplete: "off", name: "certificate-code", maxlength: 40, id: uid("certificate-code") });
    code.value = certificate.code || "";
    const level = h("select", { name: "certificate-level", id: uid("certificate-level") },
      CERTIFICATE_LEVELS.map((l) => h("option", { value: l, selected: (certificate.level || "junior") === l }, label("level", l))));
    const row = { code, level, codeLabel: h("label", { for: code.id }), levelLabel: h("label", { for: level.id }) };
    row.codeError = h("p", { class: "field-error", id: `${code.id}-error` });
    row.levelError = h("p", { class: "field-error", id: `${level.id}-error` });
    code.setAttribute("aria-describedby", row.codeError.id);
    level.setAttribute("aria-describedby", row.levelError.id);
    row.remove = h("button", { type: "button", class: "remove-certificate", onclick: () => {
      rows.splice(rows.indexOf(row), 1);
      row.el.remove();
      renumber();
      add.focus();
    } });
    row.el = h("div", { class: "certificate-row" },
      h("div", { class: "field" }, row.codeLabel, code, row.codeError),
      h("div", { class: "field" }, row.levelLabel, level, row.levelError),
      row.remove);
    rows.push(row);
    list.append(row.el);
    renumber();
    return row;
  }
  const add = h("button", { type: "button", id: addId, onclick: () => addRow().code.focus() }, t(words.add));
  for (const certificate of initial) addRow(certificate);
  return {
    rows, list, error, add,
    // [control, its error element] for an error on `certificates.<n>[.code|.level]`
    control(path) {
      const found = /^certificates\.(\d+)(?:\.(code|level))?$/.exec(path);
      const row = found && rows[Number(found[1])];
      if (!row) return null;
      return found[2] === "level" ? [row.level, row.levelError] : [row.code, row.codeError];
    },
    empty: () => rows.filter((row) => !row.code.value.trim()),
    value: () => rows.map((row) => ({ code: row.code.value.trim(), level: row.level.value })),
  };
}
