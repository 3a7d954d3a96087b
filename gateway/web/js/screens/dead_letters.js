// Enterprise-system events that were refused (admins only): each with its
// reason, one letter's body on request, and replay. Replaying all goes a page
// at a time (each call works a couple of seconds at most): the screen sends
// the answer's cursor back until nothing remains.
import { get, post } from "../api.js";
import { formatDateTime, formatNumber, t } from "../i18n.js";
import { confirmAction, dataTable, dialog, empty, errorBox, errorText, h, loading, pageHeader, toast } from "../ui.js";
import { fact } from "./verify.js";

const LIMIT = 100;
const MAX_PAGES = 1000; // a safeguard: every page moves letters or ends the replay

export async function render(view) {
  const body = h("div", {}, loading());
  const progress = h("p", { class: "help", role: "status", "aria-live": "polite" });
  const replayAll = h("button", { type: "button", class: "danger", onclick: () => replay([]) }, t("dead_letters.replay_all"));
  view.append(pageHeader(t("dead_letters.title"), replayAll), h("p", { class: "muted" }, t("dead_letters.intro")), progress, body);
  let busy = false;
  async function load() {
    body.replaceChildren(loading());
    try {
      const page = await get("/v1/admin/inbound/dead-letters", { limit: LIMIT });
      const items = page.items || [];
      replayAll.disabled = busy || !items.length;
      const shown = page.total > items.length
        ? h("p", { class: "help" }, t("dead_letters.shown", { shown: formatNumber(items.length), total: formatNumber(page.total) }))
        : null;
      body.replaceChildren(...(items.length ? [shown, dataTable([
        { label: t("dead_letters.message"), value: (d) => h("code", {}, d.message_id) },
        { label: t("dead_letters.publisher"), value: (d) => d.publisher || t("dead_letters.no_publisher") },
        { label: t("col.reason"), value: (d) => d.reason },
        { label: t("dead_letters.size"), value: (d) => formatNumber(d.size), numeric: true },
        { label: t("dead_letters.attempts"), value: (d) => formatNumber(d.attempts), numeric: true },
        { label: t("col.date"), value: (d) => formatDateTime(d.dead_lettered_at) },
        { label: t("col.actions"), value: (d) => h("div", { class: "row-actions" },
          h("button", { type: "button", onclick: () => show(d) }, t("dead_letters.view")),
          h("button", { type: "button", disabled: busy, onclick: () => replay([d.message_id]) }, t("dead_letters.replay"))) },
      ], items)].filter(Boolean) : [empty(t("dead_letters.none"))]));
    } catch (error) {
      body.replaceChildren(errorBox(error));
    }
  }
  async function replay(ids) {
    if (busy) return;
    if (!(await confirmAction(t("dead_letters.confirm_replay", { count: ids.length ? formatNumber(ids.length) : t("dead_letters.all") })))) return;
    busy = true;
    replayAll.disabled = true;
    let replayed = 0;
    try {
      let cursor = null;
      for (let pages = 0; pages < MAX_PAGES; pages += 1) {
        const page = await post("/v1/admin/inbound/dead-letters/replay", cursor ? { message_ids: ids, cursor } : { message_ids: ids });
        replayed += (page.replayed || []).length;
        cursor = page.cursor;
        if (!cursor) break;
        progress.textContent = t("dead_letters.replaying", { count: formatNumber(replayed), remaining: formatNumber(page.remaining) });
      }
      toast(t("dead_letters.replayed", { count: formatNumber(replayed) }));
    } catch (error) {
      toast(replayed ? `${t("dead_letters.replayed", { count: formatNumber(replayed) })} ${errorText(error)}` : errorText(error));
    } finally {
      busy = false;
      progress.textContent = "";
      load();
    }
  }
  load();
}

// One letter: what the listing says of it and its body (the first 64 KiB,
// from GET .../dead-letters/<id>; the listing holds only the first 4 KiB).
function show(letter) {
  return dialog(t("dead_letters.letter"), (close) => {
    const body = h("div", {}, loading());
    get(`/v1/admin/inbound/dead-letters/${encodeURIComponent(letter.message_id)}`)
      .then((found) => body.replaceChildren(...bodyOf(found)))
      .catch((error) => body.replaceChildren(errorBox(error), ...bodyOf(letter)));
    return h("div", {},
      h("dl", { class: "facts" },
        fact(t("dead_letters.message"), h("code", {}, letter.message_id)),
        fact(t("dead_letters.publisher"), letter.publisher || t("dead_letters.no_publisher")),
        fact(t("col.date"), formatDateTime(letter.dead_lettered_at)),
        fact(t("dead_letters.attempts"), formatNumber(letter.attempts)),
        fact(t("dead_letters.size"), formatNumber(letter.size)),
        fact(t("dead_letters.content_type"), letter.content_type || "—")),
      h("h3", {}, t("col.reason")), h("p", { lang: "en" }, letter.reason || "—"),
      h("h3", {}, t("dead_letters.body")), body,
      h("div", { class: "form-actions" }, h("button", { type: "button", autofocus: true, onclick: () => close(null) }, t("action.close"))));
  }, { wide: true });
}

function bodyOf(letter) {
  let text = letter.body ?? "";
  if (!letter.body_truncated) {
    try { text = JSON.stringify(JSON.parse(text), null, 2); } catch { /* shown as it came */ }
  }
  return [letter.body_truncated ? h("p", { class: "help" }, t("dead_letters.truncated", { shown: formatNumber(text.length), size: formatNumber(letter.size) })) : null,
    h("pre", { class: "letter-body" }, text || "—")].filter(Boolean);
}
