// The signed-in user's inbox (docs/notifications.md): what waits on them, worded
// here from each notification's kind and parameters, newest first; opening one
// marks it read and goes to its object; read/unread per notification and all
// read at once. Also the bell in the header with the unread count.
import { get, post } from "../api.js";
import { formatDate, formatDateTime, formatNumber, label, t } from "../i18n.js";
import { badge, errorText, h, pageHeader, pagedTable, section, toast } from "../ui.js";

const PATH = "/v1/inbox";

// the notification in the reader's language
export function message(notification) {
  const p = notification.params || {};
  switch (notification.kind) {
    case "timesheet_to_decide":
      return t("inbox.timesheet_to_decide", { hours: formatNumber(p.hours), date: formatDate(p.work_date) });
    case "checkin_missed":
      return p.missed === "not_confirmed"
        ? t("inbox.checkin_not_confirmed", { week: formatDate(p.week_starting) })
        : t("inbox.checkin_not_logged", { week: formatDate(p.week_starting) });
    case "clause_at_risk": {
      const values = { metric: label("clause_metric", p.metric), progress: formatNumber(p.progress), target: formatNumber(p.target), date: formatDate(p.due_on) };
      return p.status === "missed" ? t("inbox.clause_missed", values) : t("inbox.clause_at_risk", values);
    }
    case "offer_to_approve":
      return t("inbox.offer_to_approve");
    case "declaration_to_confirm":
      return t("inbox.declaration_to_confirm", { amount: formatNumber(p.amount, { maximumFractionDigits: 2 }), date: formatDate(p.on) });
    case "survey_due":
      return t("inbox.survey_due", { months: formatNumber(p.months), date: formatDate(p.due_on) });
    default:
      return t("inbox.other");
  }
}

// the header's bell: the unread count, refreshed on every screen and now and then
export async function refreshBell(user) {
  const bell = document.getElementById("inbox-bell");
  if (!bell) return;
  bell.hidden = !user;
  if (!user) return;
  let count = 0;
  try {
    count = (await get(`${PATH}/unread-count`)).unread;
  } catch {
    return;  // the bell keeps its last count; the screen says what went wrong
  }
  const shown = document.getElementById("inbox-count");
  shown.textContent = count ? formatNumber(count) : "";
  shown.hidden = !count;
  bell.setAttribute("aria-label", t("inbox.bell", { count: formatNumber(count) }));
  bell.dataset.unread = String(count);
}

export async function render(view, { user, navigate }) {
  const filter = h("select", { id: "inbox-filter" },
    h("option", { value: "" }, t("inbox.filter_all")),
    h("option", { value: "unread" }, t("inbox.filter_unread")),
    h("option", { value: "open" }, t("inbox.filter_open")));
  const query = () => (filter.value === "unread" ? { unread: "true" } : filter.value === "open" ? { open: "true" } : {});

  async function mark(notification, read) {
    try {
      await post(`${PATH}/${encodeURIComponent(notification.id)}/${read ? "read" : "unread"}`);
    } catch (error) {
      toast(errorText(error));
    }
    list.refresh();
    refreshBell(user);
  }

  async function open(notification) {
    if (!notification.read) {
      try {
        await post(`${PATH}/${encodeURIComponent(notification.id)}/read`);
      } catch (error) {
        toast(errorText(error));
      }
    }
    refreshBell(user);
    navigate(notification.subject.link);
  }

  const list = pagedTable({
    caption: t("inbox.title"),
    rowKey: (n) => n.id,
    columns: [
      { label: t("col.status"), value: (n) => h("span", { class: "inbox-state", "data-read": String(n.read) },
        n.read ? badge(t("inbox.read")) : badge(t("inbox.unread"), "warn"),
        n.reminder ? [" ", badge(t("inbox.reminder"), "warn")] : null,
        n.done ? [" ", badge(t("inbox.done"), "ok")] : null) },
      { label: t("inbox.what"), value: (n) => h("a", {
        href: "#" + n.subject.link, class: "inbox-open" + (n.read ? "" : " unread"),
        onclick: (event) => { event.preventDefault(); open(n); },
      }, message(n)) },
      { label: t("inbox.due"), value: (n) => (n.due_at ? formatDateTime(n.due_at) : "—") },
      { label: t("inbox.raised_at"), value: (n) => formatDateTime(n.raised_at) },
      { label: t("col.actions"), value: (n) => h("button", {
        type: "button", class: n.read ? "mark-unread" : "mark-read", onclick: () => mark(n, !n.read),
      }, n.read ? t("inbox.mark_unread") : t("inbox.mark_read")) },
    ],
    load: (offset, limit) => get(PATH, { ...query(), offset, limit }),
  });
  list.id = "inbox-list";
  filter.addEventListener("change", () => list.reload());
  const readAll = h("button", { type: "button", id: "inbox-read-all", onclick: async () => {
    try {
      const { marked } = await post(`${PATH}/read-all`);
      toast(t("inbox.marked_all", { count: formatNumber(marked) }));
    } catch (error) {
      toast(errorText(error));
    }
    list.reload();
    refreshBell(user);
  } }, t("inbox.mark_all_read"));
  view.append(pageHeader(t("inbox.title"), readAll),
    h("p", { class: "muted" }, t("inbox.intro")),
    section(t("inbox.list"),
      h("div", { class: "filters" }, h("div", { class: "field" }, h("label", { for: "inbox-filter" }, t("inbox.show")), filter)),
      list));
}
