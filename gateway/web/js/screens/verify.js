// The public verification page: anyone checks a certificate number, no sign-in.
import { ApiError, publicGet } from "../api.js";
import { formatDate, label, t } from "../i18n.js";
import { badge, errorBox, form, h, loading } from "../ui.js";

export async function render(view, { params, navigate }) {
  const result = h("div", { class: "verify-result", "aria-live": "polite" });
  const lookup = form({
    fields: [{ name: "number", label: t("verify.number"), required: true, value: params.number || "", help: t("verify.number_help") }],
    submitLabel: t("verify.submit"),
    submit: async (values) => navigate(`/verify/${encodeURIComponent(values.number)}`),
  });
  view.append(h("div", { class: "narrow" },
    h("h1", {}, t("verify.title")), h("p", { class: "muted" }, t("verify.intro")),
    h("div", { class: "card" }, lookup), result));
  if (!params.number) return;
  result.replaceChildren(loading());
  try {
    const found = await publicGet(`/v1/public/certificates/${encodeURIComponent(params.number)}`);
    const valid = found.status === "valid" && found.proof_verified !== false;
    result.replaceChildren(h("section", { class: `card verdict ${valid ? "ok" : "bad"}`, "data-status": found.status },
      h("h2", {}, valid ? t("verify.valid") : t("verify.not_valid")),
      h("dl", { class: "facts" },
        fact(t("verify.status"), badge(label("certificate_status", found.status), valid ? "ok" : "bad")),
        fact(t("col.certificate_number"), found.certificate_number),
        fact(t("col.holder"), found.holder_name),
        fact(t("col.certificate"), `${found.title || ""} (${found.certificate_code || ""})`),
        fact(t("col.level"), label("level", found.level)),
        fact(t("col.issued_on"), formatDate(found.issued_on)),
        found.revocation_reason ? fact(t("verify.revocation_reason"), found.revocation_reason) : null,
        fact(t("verify.proof"), found.proof_verified ? t("verify.proof_ok") : t("verify.proof_bad"))),
      (found.problems || []).length ? h("ul", {}, found.problems.map((p) => h("li", {}, p))) : null));
  } catch (error) {
    result.replaceChildren(error instanceof ApiError && error.status === 404
      ? h("div", { class: "card verdict bad", role: "alert" }, h("h2", {}, t("verify.unknown")), h("p", {}, t("verify.unknown_help")))
      : errorBox(error));
  }
}

export function fact(term, value) {
  return h("div", {}, h("dt", {}, term), h("dd", {}, value ?? "—"));
}
