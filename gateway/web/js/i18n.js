// Message catalogues, locale-aware formatting and Chinese collation.
const SUPPORTED = ["zh-CN", "en"];
let locale = "zh-CN";
let messages = {};

export function currentLocale() { return locale; }

export async function setLocale(wanted) {
  locale = SUPPORTED.includes(wanted) ? wanted : "zh-CN";
  const response = await fetch(`/console/i18n/${locale}.json`);
  messages = await response.json();
  localStorage.setItem("console.locale", locale);
  document.documentElement.lang = locale;
  translate(document);
}

export function preferredLocale() {
  const saved = localStorage.getItem("console.locale");
  if (saved) return saved;
  return (navigator.language || "zh-CN").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

// t("key", {name: "..."}): the message with {placeholders} filled in; an
// unknown key shows itself so a missing translation is visible, not blank.
export function t(key, params = {}) {
  const text = messages[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? ""));
}

export function has(key) { return key in messages; }

// A value's label when the catalogue has one (statuses, kinds), else the value.
export function label(prefix, value) {
  if (value === null || value === undefined || value === "") return "—";
  const key = `${prefix}.${value}`;
  return key in messages ? messages[key] : String(value);
}

// A problem in the console's words, by its code (RFC 9457 `code`): the
// catalogue's message, else the API's own text for a code it does not know.
export function problemMessage(problem) {
  const code = problem?.code;
  if (code && has(`problem.${code}`)) return t(`problem.${code}`);
  return problem?.detail || problem?.title || t("error.generic");
}

// One field error ({field, code, message, params}) in the console's words.
export function fieldErrorMessage(error) {
  const params = error.params || {};
  let key = `field_error.${error.code}`;
  if (error.code === "length") {
    key += params.equal !== undefined ? ".equal" : params.min !== undefined && params.max !== undefined ? ".between" : params.min !== undefined ? ".min" : ".max";
  } else if (error.code === "range") {
    const low = params.min !== undefined ? (params.min_exclusive ? "gt" : "gte") : "";
    const high = params.max !== undefined ? (params.max_exclusive ? "lt" : "lte") : "";
    key += "." + [low, high].filter(Boolean).join("_");
  } else if (error.code === "one_of" && params.choices) {
    key += ".choices";
  }
  if (!has(key)) return error.message;
  return t(key, { ...params, choices: (params.choices || []).join(", ") });
}

export function translate(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
  }
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder));
  }
}

export function formatNumber(value, options = {}) {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(locale, options).format(value);
}

export function formatPercent(ratio) {
  if (ratio === null || ratio === undefined) return "—";
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(ratio);
}

export function formatDate(value) {
  if (!value) return "—";
  // a bare date is a calendar day: read it as such, not as UTC midnight
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00`) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(date);
}

export function formatDateTime(value) {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

// Chinese names sort by pinyin, whatever the interface language.
const nameCollator = new Intl.Collator("zh-CN", { sensitivity: "base", numeric: true });
export function compareNames(a, b) { return nameCollator.compare(a ?? "", b ?? ""); }
