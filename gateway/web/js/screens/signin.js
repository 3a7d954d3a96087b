import { signIn, takeEndReason } from "../api.js";
import { t } from "../i18n.js";
import { form, h } from "../ui.js";
import { afterSignIn } from "../app.js";

export async function render(view) {
  const reason = takeEndReason();
  // why the last session ended, when the console ended it or was asked to
  const notice = {
    session_ended: t("signin.session_ended"),
    signed_out: t("signin.signed_out"),
    signed_out_here: t("signin.signed_out_here"),
  }[reason];
  const signInForm = form({
    fields: [
      { name: "username", label: t("signin.username"), required: true, autocomplete: "username" },
      { name: "password", label: t("signin.password"), type: "password", required: true, autocomplete: "current-password" },
    ],
    submitLabel: t("signin.submit"),
    submit: (values) => signIn(values.username, values.password),
    onDone: afterSignIn,
  });
  view.append(h("div", { class: "narrow card" },
    h("h1", {}, t("signin.title")),
    notice ? h("div", { class: `alert ${reason === "signed_out" ? "info" : "warning"}`, role: "status", "data-reason": reason }, notice) : null,
    h("p", { class: "muted" }, t("signin.intro")),
    signInForm,
    h("p", {}, h("a", { href: "#/verify" }, t("signin.verify_link")))));
  signInForm.controls.username.focus();
}
