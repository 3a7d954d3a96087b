// User accounts, for administrators: the list with its filters, creating an
// account, changing its role, enterprise, linked records or name, disabling
// and enabling it, resetting its password. Every change but creating and
// enabling ends the account's sessions at once (the API does so), so the
// screen says so before it happens.
import { get, patch, post } from "../api.js";
import { compareNames, label, t } from "../i18n.js";
import { nameOf } from "../lookup.js";
import { ROLES } from "../roles.js";
import { badge, confirmAction, dialog, errorText, fieldMessages, form, h, loading, pageHeader, pagedTable, section, toast } from "../ui.js";
import { checkConfirmation, newPasswordFields } from "./me.js";

const LINKS = ["role", "name", "enterprise_id", "student_id", "mentor_id"];

export async function render(view, { user: me }) {
  const body = h("div", {}, loading());
  view.append(body);
  const { partners, problem } = await allPartners();
  const partnerNames = new Map(partners.map((p) => [p.id, p.legal_name]));
  const enterpriseOf = (id) => (partnerNames.has(id) ? partnerNames.get(id) : nameOf("partner", id));

  const role = select("accounts-role", [["", t("accounts.any_role")], ...roleOptions()]);
  const enterprise = select("accounts-enterprise", [["", t("accounts.any_enterprise")], ...partners.map((p) => [p.id, p.legal_name])]);
  const status = select("accounts-status", [["", t("accounts.any_status")], ["false", t("accounts.only_active")], ["true", t("accounts.only_disabled")]]);

  const table = pagedTable({
    caption: t("accounts.title"),
    rowKey: (u) => u.username,
    columns: [
      { label: t("col.username"), value: (u) => h("span", {}, u.username, u.username === me.username ? [" ", badge(t("accounts.you"))] : null) },
      { label: t("col.name"), value: (u) => u.name || "—" },
      { label: t("col.role"), value: (u) => label("role", u.role) },
      { label: t("col.enterprise"), value: (u) => (u.enterprise_id ? enterpriseOf(u.enterprise_id) : "—") },
      { label: t("accounts.linked"), value: linkedRecord },
      { label: t("col.status"), value: (u) => (u.disabled ? badge(t("accounts.disabled"), "bad") : badge(t("accounts.active"), "ok")) },
      { label: t("col.actions"), value: (u) => h("div", { class: "row-actions" },
        h("button", { type: "button", onclick: () => change(u) }, t("action.edit")),
        h("button", { type: "button", onclick: () => resetPassword(u) }, t("accounts.reset_password")),
        u.disabled
          ? h("button", { type: "button", onclick: () => setDisabled(u, false) }, t("accounts.enable"))
          // the API refuses an administrator's disabling of their own account: not offered
          : u.username === me.username ? null
            : h("button", { type: "button", class: "danger", onclick: () => setDisabled(u, true) }, t("accounts.disable"))) },
    ],
    load: (offset, limit) => get("/v1/users", { role: role.value, enterprise_id: enterprise.value, disabled: status.value, offset, limit }),
  });
  for (const filter of [role, enterprise, status]) filter.addEventListener("change", () => table.reload());

  const create = h("button", { type: "button", class: "primary", onclick: () => dialog(t("accounts.create"), (close) => form({
    fields: [
      { name: "username", label: t("col.username"), required: true, help: t("accounts.username_help") },
      { name: "name", label: t("col.name") },
      { name: "password", label: t("accounts.initial_password"), type: "password", required: true, autocomplete: "new-password", help: t("password.help") },
      { name: "role", label: t("col.role"), type: "select", required: true, options: [["", t("accounts.choose_role")], ...roleOptions()] },
      ...linkFields({}, partners),
      { name: "email", label: t("col.email"), type: "email" },
      { name: "email_notifications", label: t("me.email_notifications"), type: "checkbox", value: false },
    ],
    submitLabel: t("action.save"),
    submit: (values) => post("/v1/users", values),
    onDone: (created) => { close(true); toast(t("accounts.created", { username: created.username })); table.reload(); },
    cancel: () => close(false),
  })) }, t("accounts.create"));

  function change(user) {
    return dialog(t("accounts.change_title", { username: user.username }), (close) => h("div", {},
      h("p", { class: "muted" }, t("accounts.change_ends_sessions")),
      form({
        fields: [
          { name: "role", label: t("col.role"), type: "select", required: true, options: roleOptions(), value: user.role },
          { name: "name", label: t("col.name"), value: user.name },
          ...linkFields(user, partners),
        ],
        submitLabel: t("action.save"),
        submit: async (values) => {
          // only what changed: the API checks it with the rest as it stands
          const changes = {};
          for (const field of LINKS) {
            const value = values[field] ?? null;
            if (value !== (user[field] ?? null)) changes[field] = value;
          }
          if (!Object.keys(changes).length) return null;
          return patch(`/v1/users/${encodeURIComponent(user.username)}`, changes);
        },
        onDone: (changed) => {
          close(true);
          if (!changed) return;
          toast(t("accounts.changed", { username: user.username }));
          table.refresh();
        },
        cancel: () => close(false),
      })));
  }

  function resetPassword(user) {
    return dialog(t("accounts.reset_title", { username: user.username }), (close) => h("div", {},
      h("p", { class: "muted" }, t("accounts.reset_ends_sessions")),
      form({
        fields: newPasswordFields("password"),
        submitLabel: t("action.save"),
        submit: (values) => {
          checkConfirmation(values, "password");
          return post(`/v1/users/${encodeURIComponent(user.username)}/password`, { password: values.password });
        },
        onDone: () => { close(true); toast(t("accounts.password_reset", { username: user.username })); table.refresh(); },
        cancel: () => close(false),
      })));
  }

  async function setDisabled(user, disabled) {
    const question = disabled ? t("accounts.confirm_disable", { username: user.username })
      : t("accounts.confirm_enable", { username: user.username });
    if (!(await confirmAction(question, disabled ? t("accounts.disable") : t("accounts.enable")))) return;
    try {
      await post(`/v1/users/${encodeURIComponent(user.username)}/${disabled ? "disable" : "enable"}`, {});
      toast(disabled ? t("accounts.disabled_done", { username: user.username }) : t("accounts.enabled_done", { username: user.username }));
      table.refresh();
    } catch (error) {
      toast([errorText(error), ...[...fieldMessages(error).values()].flat()].join(" "));
    }
  }

  body.replaceChildren(pageHeader(t("accounts.title"), create),
    ...(problem ? [h("div", { class: "alert warning", role: "status" }, t("accounts.partners_unavailable"))] : []),
    section(t("accounts.list"),
      h("div", { class: "filters" }, field(role, t("col.role")), field(enterprise, t("col.enterprise")), field(status, t("col.status"))),
      table));
}

function roleOptions() {
  return ROLES.all.map((role) => [role, label("role", role)]);
}

function select(id, options) {
  return h("select", { id }, options.map(([value, text]) => h("option", { value }, text)));
}

function field(control, text) {
  return h("div", { class: "field" }, h("label", { for: control.id }, text), control);
}

// The enterprise and the linked records, as the role admits them (the API says which).
function linkFields(user, partners) {
  const options = [["", t("accounts.no_enterprise")], ...partners.map((p) => [p.id, p.legal_name])];
  if (user.enterprise_id && !partners.some((p) => p.id === user.enterprise_id)) options.push([user.enterprise_id, user.enterprise_id]);
  return [
    { name: "enterprise_id", label: t("col.enterprise"), type: "select", options, value: user.enterprise_id ?? "", help: t("accounts.enterprise_help") },
    { name: "student_id", label: t("accounts.student_id"), value: user.student_id, help: t("accounts.student_id_help") },
    { name: "mentor_id", label: t("accounts.mentor_id"), value: user.mentor_id, help: t("accounts.mentor_id_help") },
  ];
}

function linkedRecord(user) {
  if (user.student_id) return nameOf("student", user.student_id, `#/students/${encodeURIComponent(user.student_id)}`);
  if (user.mentor_id) return nameOf("mentor", user.mentor_id, `#/mentors/${encodeURIComponent(user.mentor_id)}`);
  return "—";
}

// Every partner enterprise, for the filter and the forms, in pinyin order.
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
