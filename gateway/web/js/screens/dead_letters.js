// Enterprise-system events that were refused (admins only), with replay.
import { get, post } from "../api.js";
import { formatDateTime, formatNumber, t } from "../i18n.js";
import { confirmAction, dataTable, empty, errorBox, h, loading, pageHeader, toast } from "../ui.js";

export async function render(view) {
  const body = h("div", {}, loading());
  const replayAll = h("button", { type: "button", class: "danger", onclick: () => replay([]) }, t("dead_letters.replay_all"));
  view.append(pageHeader(t("dead_letters.title"), replayAll), h("p", { class: "muted" }, t("dead_letters.intro")), body);
  async function load() {
    body.replaceChildren(loading());
    try {
      const page = await get("/v1/admin/inbound/dead-letters", { limit: 100 });
      replayAll.disabled = !(page.items || []).length;
      body.replaceChildren((page.items || []).length ? dataTable([
        { label: t("dead_letters.message"), value: (d) => h("code", {}, d.message_id) },
        { label: t("dead_letters.publisher"), value: (d) => d.publisher },
        { label: t("col.reason"), value: (d) => d.reason },
        { label: t("dead_letters.attempts"), value: (d) => formatNumber(d.attempts), numeric: true },
        { label: t("col.date"), value: (d) => formatDateTime(d.dead_lettered_at) },
        { label: t("col.actions"), value: (d) => h("button", { type: "button", onclick: () => replay([d.message_id]) }, t("dead_letters.replay")) },
      ], page.items) : empty(t("dead_letters.none")));
    } catch (error) {
      body.replaceChildren(errorBox(error));
    }
  }
  async function replay(ids) {
    if (!(await confirmAction(t("dead_letters.confirm_replay", { count: ids.length ? formatNumber(ids.length) : t("dead_letters.all") })))) return;
    try {
      const result = await post("/v1/admin/inbound/dead-letters/replay", { message_ids: ids });
      toast(t("dead_letters.replayed", { count: formatNumber((result.replayed || []).length) }));
      load();
    } catch (error) { toast(error.message); }
  }
  load();
}
