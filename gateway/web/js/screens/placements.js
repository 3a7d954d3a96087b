// Placements with their weekly check-ins and the missed check-in alerts.
import { get, post } from "../api.js";
import { formatDate, formatNumber, label, t } from "../i18n.js";
import { ROLES, can } from "../roles.js";
import { nameOf } from "../lookup.js";
import { badge, dataTable, empty, errorBox, errorText, h, loading, pageHeader, pagedTable, section, toast } from "../ui.js";

export async function render(view, { user }) {
  const alerts = h("div", {}, loading());
  const placements = pagedTable({
    caption: t("placements.title"),
    columns: [
      { label: t("col.student"), value: (p) => nameOf("student", p.student_id, `#/students/${p.student_id}`) },
      { label: t("col.enterprise"), value: (p) => nameOf("partner", p.enterprise_id) },
      { label: t("col.site"), value: (p) => p.site },
      { label: t("col.period"), value: (p) => `${formatDate(p.starts_on)} – ${formatDate(p.ends_on)}` },
      { label: t("col.status"), value: (p) => badge(label("placement_status", p.status), p.status) },
      { label: t("col.checkins"), value: (p) => h("button", { type: "button", onclick: (e) => showCheckins(e.currentTarget, p, user) }, t("placements.show_checkins")) },
    ],
    load: (offset, limit) => get("/v1/placements", { offset, limit }),
  });
  view.append(pageHeader(t("placements.title")), section(t("placements.alerts"), alerts), section(t("placements.list"), placements));
  try {
    const page = await get("/v1/checkin-alerts", { limit: 100 });
    alerts.replaceChildren((page.items || []).length ? dataTable([
      { label: t("col.student"), value: (a) => nameOf("student", a.student_id, `#/students/${a.student_id}`) },
      { label: t("placements.week"), value: (a) => formatDate(a.week_starting) },
      { label: t("col.kind"), value: (a) => badge(label("alert_kind", a.kind), "warn") },
    ], page.items) : empty(t("placements.no_alerts")));
  } catch (error) {
    alerts.replaceChildren(errorBox(error));
  }
}

async function showCheckins(button, placement, user) {
  const row = button.closest("tr");
  const next = row.nextElementSibling;
  if (next && next.classList.contains("detail-row")) { next.remove(); button.setAttribute("aria-expanded", "false"); return; }
  const cell = h("td", { colspan: row.children.length }, loading());
  row.after(h("tr", { class: "detail-row" }, cell));
  button.setAttribute("aria-expanded", "true");
  try {
    const page = await get(`/v1/placements/${placement.id}/checkins`, { limit: 100 });
    cell.replaceChildren((page.items || []).length ? dataTable([
      { label: t("placements.week"), value: (c) => formatDate(c.week_starting) },
      { label: t("placements.hours"), value: (c) => formatNumber(c.hours), numeric: true },
      { label: t("placements.summary"), value: (c) => c.summary },
      { label: t("col.status"), value: (c) => c.confirmed_at || c.confirmation ? badge(t("placements.confirmed"), "ok") : can(user, ROLES.projectEditors)
        ? h("button", { type: "button", onclick: async () => {
          try { await post(`/v1/placements/${placement.id}/checkins/${c.week_starting}/confirmation`, { comment: t("placements.confirm_comment") }); toast(t("msg.saved")); button.click(); button.click(); } catch (error) { toast(errorText(error)); }
        } }, t("placements.confirm")) : t("placements.unconfirmed") },
    ], page.items) : empty());
  } catch (error) {
    cell.replaceChildren(errorBox(error));
  }
}
