// One's own account, for every signed-in user: who the console knows them as,
// the e-mail address notifications are sent to (if they ask for it), changing their password (their other sessions end; this tab carries on with
// the token the change answers) and signing out of every session.
import { ApiError, changeOwnPassword, get, put } from "../api.js";
import { signOutAndLeave } from "../app.js";
import { label, t } from "../i18n.js";
import { nameOf } from "../lookup.js";
import { errorBox, form, h, pageHeader, section, toast } from "../ui.js";
import { fact } from "./verify.js";

// A new password typed twice; `name` is the field the API names in its errors.
export function newPasswordFields(name) {
  return [
    { name, label: t("password.new"), type: "password", required: true, autocomplete: "new-password", help: t("password.help") },
    { name: "confirm_password", label: t("password.confirm"), type: "password", required: true, autocomplete: "new-password" },
  ];
}

// Refuses, beside the confirmation field, a confirmation that differs.
export function checkConfirmation(values, name) {
  if (values[name] !== values.confirm_password) {
    throw new ApiError(400, { detail: t("password.mismatch"), errors: { confirm_password: [t("password.mismatch")] } });
  }
}

export async function render(view, { user }) {
  const passwordForm = form({
    fields: [
      { name: "current_password", label: t("password.current"), type: "password", required: true, autocomplete: "current-password" },
      ...newPasswordFields("new_password"),
    ],
    submitLabel: t("me.change_password"),
    submit: (values) => {
      checkConfirmation(values, "new_password");
      return changeOwnPassword(values.current_password, values.new_password);
    },
    onDone: () => { passwordForm.reset(); toast(t("me.password_changed")); },
  });
  const signOutButton = h("button", {
    type: "button", class: "danger",
    onclick: async () => {
      signOutButton.disabled = true;
      await signOutAndLeave();
    },
  }, t("me.sign_out_everywhere"));
  const mail = h("div", { id: "mail-preferences" });
  get("/v1/me/notifications").then((current) => {
    mail.replaceChildren(form({
      fields: [
        { name: "email", label: t("col.email"), type: "email", value: current.email, keepEmpty: true, autocomplete: "email" },
        { name: "email_notifications", label: t("me.email_notifications"), type: "checkbox", value: current.email_notifications },
      ],
      submitLabel: t("action.save"),
      submit: (values) => put("/v1/me/notifications", { email: values.email || null, email_notifications: values.email_notifications }),
      onDone: () => toast(t("me.mail_saved")),
    }));
  }, (error) => mail.replaceChildren(errorBox(error)));
  view.append(pageHeader(t("me.title")),
    section(t("me.account"), h("dl", { class: "facts" },
      fact(t("col.username"), user.username),
      fact(t("col.name"), user.name),
      fact(t("col.role"), label("role", user.role)),
      user.enterprise_id ? fact(t("col.enterprise"), nameOf("partner", user.enterprise_id)) : null,
      user.student_id ? fact(t("nav.my_record"), nameOf("student", user.student_id, `#/students/${encodeURIComponent(user.student_id)}`)) : null)),
    section(t("me.mail"), h("p", { class: "muted" }, t("me.mail_help")), mail),
    section(t("me.change_password"), h("p", { class: "muted" }, t("me.change_password_help")), passwordForm),
    section(t("me.sign_out"), h("p", { class: "muted" }, t("me.sign_out_help")), signOutButton));
}
