// Event subscriptions (enterprise users: their own enterprise's; administrators:
// any): what the college sends an enterprise's systems, to its broker queue or
// a signed webhook (docs/outbound.md). A webhook's secret is shown once, when
// it is made or rotated; each subscription lists its recent and dead
// deliveries, which an administrator replays.
import { ApiError, get, patch, post, request } from "../api.js";
import { formatDateTime, formatNumber, t } from "../i18n.js";
import { badge, confirmAction, dataTable, dialog, empty, errorBox, errorText, form, h, loading, pageHeader, pagedTable, toast } from "../ui.js";

const EVENT_TYPES = [
  "edu.college.application.offered.v1",
  "edu.college.student.enrolled.v1",
  "edu.college.enrolment.changed.v1",
  "edu.college.placement.started.v1",
  "edu.college.placement.ended.v1",
  "edu.college.checkin.missed.v1",
  "edu.college.deliverable.reviewed.v1",
  "edu.college.certificate.issued.v1",
  "edu.college.certificate.revoked.v1",
  "edu.college.clause.at_risk.v1",
];
const STATUSES = ["pending", "delivered", "dead", "cancelled"];

// "edu.college.placement.started.v1" -> its catalogue word
const typeLabel = (type) => t("outbound_event." + type.split(".").slice(2, 4).join("_"));

export async function render(view, { user }) {
  const admin = user.role === "admin";
  const create = h("button", { type: "button", class: "primary", onclick: () => createSubscription(admin).then((made) => made && table.reload()) }, t("subscriptions.create"));
  const table = pagedTable({
    caption: t("subscriptions.title"),
    rowKey: (s) => s.id,
    load: (offset, limit) => get("/v1/enterprise-subscriptions", { offset, limit }),
    columns: [
      admin ? { label: t("col.enterprise"), value: (s) => h("code", {}, s.enterprise_id) } : null,
      { label: t("subscriptions.delivery"), value: (s) => t("subscription_delivery." + s.delivery) },
      { label: t("subscriptions.target"), value: (s) => h("code", {}, s.queue || s.url) },
      { label: t("subscriptions.event_types"), value: (s) => h("div", { class: "event-types" }, s.event_types.map((type) => [badge(typeLabel(type)), " "])) },
      { label: t("col.status"), value: (s) => s.paused ? badge(t("subscriptions.paused"), "warn") : badge(t("subscriptions.running"), "ok") },
      { label: t("col.date"), value: (s) => formatDateTime(s.created_at) },
      { label: t("col.actions"), value: (s) => h("div", { class: "row-actions" },
        h("button", { type: "button", onclick: () => deliveries(s, admin) }, t("subscriptions.deliveries")),
        h("button", { type: "button", onclick: () => setPaused(s, !s.paused) }, s.paused ? t("subscriptions.resume") : t("subscriptions.pause")),
        s.delivery === "webhook" ? h("button", { type: "button", onclick: () => rotate(s) }, t("subscriptions.rotate")) : null,
        h("button", { type: "button", class: "danger", onclick: () => remove(s) }, t("subscriptions.delete"))) },
    ].filter(Boolean),
  });
  view.append(pageHeader(t("subscriptions.title"), create), h("p", { class: "muted" }, t("subscriptions.intro")), table);

  async function setPaused(subscription, paused) {
    try {
      await patch(`/v1/enterprise-subscriptions/${encodeURIComponent(subscription.id)}`, { paused });
      toast(paused ? t("subscriptions.paused_done") : t("subscriptions.resumed_done"));
      table.refresh();
    } catch (error) { toast(errorText(error)); }
  }
  async function rotate(subscription) {
    if (!(await confirmAction(t("subscriptions.confirm_rotate")))) return;
    try {
      const rotated = await post(`/v1/enterprise-subscriptions/${encodeURIComponent(subscription.id)}/secret`);
      await showOnce(rotated);
    } catch (error) { toast(errorText(error)); }
  }
  async function remove(subscription) {
    if (!(await confirmAction(t("subscriptions.confirm_delete"), t("subscriptions.delete")))) return;
    try {
      await request("DELETE", `/v1/enterprise-subscriptions/${encodeURIComponent(subscription.id)}`);
      toast(t("subscriptions.deleted"));
      table.reload();
    } catch (error) { toast(errorText(error)); }
  }
}

function createSubscription(admin) {
  return dialog(t("subscriptions.create"), (close) => {
    const fields = [
      admin ? { name: "enterprise_id", label: t("col.enterprise"), required: true } : null,
      { name: "delivery", label: t("subscriptions.delivery"), type: "select", value: "queue",
        options: [["queue", t("subscription_delivery.queue")], ["webhook", t("subscription_delivery.webhook")]] },
      { name: "url", label: t("subscriptions.url"), type: "url", help: t("subscriptions.url_help") },
      ...EVENT_TYPES.map((type) => ({ name: type, label: typeLabel(type), type: "checkbox", value: true })),
    ].filter(Boolean);
    const el = form({
      fields,
      submitLabel: t("subscriptions.create"),
      cancel: () => close(null),
      submit: async (values) => {
        const eventTypes = EVENT_TYPES.filter((type) => values[type]);
        if (!eventTypes.length) throw new ApiError(400, { errors: { [EVENT_TYPES[0]]: [t("subscriptions.pick_a_type")] } });
        const body = { event_types: eventTypes, delivery: values.delivery };
        if (values.delivery === "webhook" && values.url) body.url = values.url;
        if (admin) body.enterprise_id = values.enterprise_id;
        return post("/v1/enterprise-subscriptions", body);
      },
      onDone: async (made) => { close(made); await showOnce(made); },
    });
    return el;
  });
}

// The secret (a webhook's) or the queue to read: the secret is never shown again.
function showOnce(subscription) {
  return dialog(t("subscriptions.created_title"), (close) => h("div", {},
    subscription.secret
      ? [h("p", {}, t("subscriptions.secret_once")), h("pre", { class: "letter-body", "data-secret": "" }, subscription.secret),
        h("p", { class: "help" }, t("subscriptions.secret_help"))]
      : [h("p", {}, t("subscriptions.queue_help")), h("pre", { class: "letter-body" }, subscription.queue || "")],
    h("div", { class: "form-actions" }, h("button", { type: "button", autofocus: true, onclick: () => close(null) }, t("action.close")))), { wide: true });
}

// Recent deliveries, or the dead ones with their reason; an administrator replays.
function deliveries(subscription, admin) {
  return dialog(t("subscriptions.deliveries_title"), (close) => {
    const status = h("select", { "aria-label": t("col.status") },
      h("option", { value: "" }, t("subscriptions.any_status")),
      STATUSES.map((value) => h("option", { value }, t("delivery_status." + value))));
    const replayAll = admin ? h("button", { type: "button", class: "danger", onclick: () => replay([]) }, t("subscriptions.replay_all")) : null;
    const body = h("div", {}, loading());
    const path = `/v1/enterprise-subscriptions/${encodeURIComponent(subscription.id)}`;
    async function load() {
      body.replaceChildren(loading());
      try {
        const page = await get(`${path}/deliveries`, { limit: 50, status: status.value });
        const items = page.items || [];
        const shown = page.total > items.length ? h("p", { class: "help" }, t("subscriptions.shown", { shown: formatNumber(items.length), total: formatNumber(page.total) })) : null;
        body.replaceChildren(...(items.length ? [shown, dataTable([
          { label: t("subscriptions.event"), value: (d) => typeLabel(d.type) },
          { label: t("subscriptions.subject"), value: (d) => h("code", {}, d.subject) },
          { label: t("col.status"), value: (d) => badge(t("delivery_status." + d.status), d.status === "dead" ? "bad" : d.status === "delivered" ? "ok" : "") },
          { label: t("subscriptions.attempts"), value: (d) => formatNumber(d.attempts), numeric: true },
          { label: t("col.date"), value: (d) => formatDateTime(d.delivered_at || d.created_at) },
          { label: t("col.reason"), value: (d) => d.reason || d.last_error ? h("span", { lang: "en" }, d.reason || d.last_error) : "—" },
          admin ? { label: t("col.actions"), value: (d) => d.status === "dead" ? h("button", { type: "button", onclick: () => replay([d.id]) }, t("subscriptions.replay")) : null } : null,
        ].filter(Boolean), items)].filter(Boolean) : [empty(t("subscriptions.no_deliveries"))]));
      } catch (error) {
        body.replaceChildren(errorBox(error));
      }
    }
    async function replay(ids) {
      if (!(await confirmAction(t("subscriptions.confirm_replay")))) return;
      try {
        const answer = await post(`${path}/replay`, { delivery_ids: ids });
        toast(t("subscriptions.replayed", { count: formatNumber((answer.replayed || []).length) }));
      } catch (error) { toast(errorText(error)); }
      load();
    }
    status.addEventListener("change", load);
    load();
    return h("div", {},
      h("div", { class: "filters" }, status, replayAll),
      body,
      h("div", { class: "form-actions" }, h("button", { type: "button", onclick: () => close(null) }, t("action.close"))));
  }, { wide: true });
}
