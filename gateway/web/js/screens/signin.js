import { signIn } from "../api.js";
import { t } from "../i18n.js";
import { form, h } from "../ui.js";
import { afterSignIn } from "../app.js";

export async function render(view) {
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
    h("p", { class: "muted" }, t("signin.intro")),
    signInForm,
    h("p", {}, h("a", { href: "#/verify" }, t("signin.verify_link")))));
  signInForm.controls.username.focus();
}
