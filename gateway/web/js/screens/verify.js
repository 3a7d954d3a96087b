// The public verification page: anyone checks a certificate number, no sign-in.
// The answer says what the certificate proves, never who holds it: a name the
// verifier types is checked by the API and answered as a match or not. The name
// goes in a POST body, never in the page's address (history, shared links, logs).
import { ApiError, publicGet, request } from "../api.js";
import { formatDate, label, t } from "../i18n.js";
import { badge, errorBox, form, h, loading } from "../ui.js";

export async function render(view, { params }) {
  const result = h("div", { class: "verify-result", "aria-live": "polite" });
  const lookup = form({
    fields: [
      { name: "number", label: t("verify.number"), required: true, value: params.number || "", help: t("verify.number_help") },
      { name: "holder_name", label: t("verify.holder_name"), help: t("verify.holder_name_help") },
    ],
    submitLabel: t("verify.submit"),
    submit: async (values) => {
      history.replaceState(null, "", `#/verify/${encodeURIComponent(values.number)}`);
      await show(result, values.number, values.holder_name);
    },
  });
  view.append(h("div", { class: "narrow" },
    h("h1", {}, t("verify.title")), h("p", { class: "muted" }, t("verify.intro")),
    h("div", { class: "card" }, lookup), result));
  if (params.number) await show(result, params.number);
}

async function show(result, number, holderName) {
  result.replaceChildren(loading());
  const path = `/v1/public/certificates/${encodeURIComponent(number)}`;
  let found;
  try {
    found = holderName
      ? await request("POST", `${path}/holder-check`, { body: { holder_name: holderName }, auth: false })
      : await publicGet(path);
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) { result.replaceChildren(); throw error; } // shown beside the field
    result.replaceChildren(error instanceof ApiError && error.status === 404
      ? h("div", { class: "card verdict bad", role: "alert" }, h("h2", {}, t("verify.unknown")), h("p", {}, t("verify.unknown_help")))
      : error instanceof ApiError && error.status === 429
        ? h("div", { class: "alert error", role: "alert" }, t("verify.too_many"))
        : errorBox(error));
    return;
  }
  const valid = found.status === "valid" && found.proof_verified !== false;
  const heading = valid ? t("verify.valid") : found.status === "expired" ? t("verify.expired") : t("verify.not_valid");
  result.replaceChildren(h("section", { class: `card verdict ${valid ? "ok" : "bad"}`, "data-status": found.status },
    h("h2", {}, heading),
    nameCheck(found.holder_name_matches),
    h("dl", { class: "facts" },
      fact(t("verify.status"), badge(label("certificate_status", found.status), valid ? "ok" : "bad")),
      fact(t("col.certificate_number"), found.certificate_number),
      fact(t("col.certificate"), `${found.title || ""} (${found.certificate_code || ""})`),
      fact(t("col.level"), label("level", found.level)),
      fact(t("verify.issuer"), found.issuer && found.issuer.name),
      fact(t("verify.organisation"), found.organisation),
      fact(t("col.issued_on"), formatDate(found.issued_on)),
      fact(t("verify.valid_until"), found.valid_until ? formatDate(found.valid_until) : t("verify.for_life")),
      fact(t("verify.proof"), found.proof_verified ? t("verify.proof_ok") : t("verify.proof_bad"))),
    (found.problems || []).length ? h("ul", {}, found.problems.map((p) => h("li", {}, p))) : null,
    holderName ? null : h("p", { class: "muted" }, t("verify.no_holder"))));
}

function nameCheck(matches) {
  if (matches === null || matches === undefined) return null;
  return h("p", { class: "name-check", "data-name-matches": String(matches) },
    badge(matches ? t("verify.name_matches") : t("verify.name_differs"), matches ? "ok" : "bad"));
}

export function fact(term, value) {
  return h("div", {}, h("dt", {}, term), h("dd", {}, value ?? "—"));
}
