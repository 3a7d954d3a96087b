// Mentors and teachers, secondments both ways, double-qualified status.
import { get, post } from "../api.js";
import { compareNames, formatDate, formatNumber, label, t } from "../i18n.js";
import { ROLES, can } from "../roles.js";
import { nameOf } from "../lookup.js";
import { badge, confirmAction, dataTable, empty, errorBox, errorText, h, loading, pageHeader, pagedTable, section, toast } from "../ui.js";
import { fact } from "./verify.js";

export async function render(view, context) {
  if (context.params.id) return renderMentor(view, context);
  const { user } = context;
  const kind = h("select", { id: "mentor-kind" }, h("option", { value: "" }, t("mentors.any_kind")),
    ["teacher", "industry"].map((k) => h("option", { value: k }, label("mentor_kind", k))));
  const mentors = pagedTable({
    caption: t("mentors.title"),
    columns: [
      { label: t("col.name"), value: (m) => h("a", { href: `#/mentors/${m.id}` }, m.name) },
      { label: t("col.kind"), value: (m) => label("mentor_kind", m.kind) },
      { label: t("mentors.expertise"), value: (m) => (m.expertise || []).join("、") || "—" },
      { label: t("mentors.double_qualified"), value: (m) => m.kind === "teacher" ? (m.double_qualified ? badge(t("msg.yes"), "ok") : badge(t("msg.no"))) : "—" },
      { label: t("col.status"), value: (m) => badge(label("mentor_status", m.status), m.status) },
    ],
    load: async (offset, limit) => {
      const page = await get("/v1/mentors", { kind: kind.value, offset, limit });
      page.items.sort((a, b) => compareNames(a.name, b.name));
      return page;
    },
  });
  kind.addEventListener("change", () => mentors.reload());
  const nodes = [pageHeader(t("mentors.title")),
    section(t("mentors.list"), h("div", { class: "filters" }, h("div", { class: "field" }, h("label", { for: "mentor-kind" }, t("col.kind")), kind)), mentors)];
  if (can(user, ROLES.secondmentReaders)) {
    nodes.push(section(t("mentors.secondments"), pagedTable({
      caption: t("mentors.secondments"),
      columns: [
        { label: t("col.name"), value: (s) => s.mentor_name || nameOf("mentor", s.mentor_id, `#/mentors/${s.mentor_id}`) },
        { label: t("mentors.direction"), value: (s) => label("direction", s.direction) },
        { label: t("col.enterprise"), value: (s) => nameOf("partner", s.enterprise_id) },
        { label: t("col.position"), value: (s) => s.role },
        { label: t("col.period"), value: (s) => `${formatDate(s.starts_on)} – ${formatDate(s.ends_on)}` },
        { label: t("mentors.hours"), value: (s) => `${formatNumber(s.approved_hours ?? s.hours_approved ?? 0)} / ${formatNumber(s.agreed_hours)}`, numeric: true },
        { label: t("col.status"), value: (s) => badge(label("secondment_status", s.status), s.status) },
        { label: t("col.actions"), value: (s) => can(user, ROLES.mentorCoordinators) && ["planned", "active"].includes(s.status) ? h("button", {
          type: "button", class: "danger",
          onclick: async () => {
            if (!(await confirmAction(t("mentors.confirm_cancel")))) return;
            try { await post(`/v1/secondments/${s.id}/cancellation`, { reason: t("mentors.cancel_reason") }); toast(t("msg.saved")); view.replaceChildren(); render(view, context); } catch (error) { toast(errorText(error)); }
          },
        }, t("action.cancel_secondment")) : "—" },
      ],
      load: (offset, limit) => get("/v1/secondments", { offset, limit }),
    })));
  }
  view.append(...nodes);
}

async function renderMentor(view, { params, user }) {
  const body = h("div", {}, loading());
  view.append(body);
  let mentor;
  try {
    mentor = await get(`/v1/mentors/${encodeURIComponent(params.id)}`);
  } catch (error) {
    body.replaceChildren(pageHeader(t("mentors.title")), errorBox(error));
    return;
  }
  const nodes = [pageHeader(mentor.name), section(t("mentors.detail"), h("dl", { class: "facts" },
    fact(t("col.kind"), label("mentor_kind", mentor.kind)),
    fact(t("col.status"), label("mentor_status", mentor.status)),
    fact(t("mentors.expertise"), (mentor.expertise || []).join("、")),
    fact(t("mentors.load_limit"), formatNumber(mentor.load_limit))))];
  if (mentor.kind === "teacher" && ["admin", "mentor_coordinator", "teacher", "enterprise_user"].includes(user.role)) {
    try {
      const status = await get(`/v1/mentors/${mentor.id}/double-qualified`);
      nodes.push(section(t("mentors.double_qualified"),
        h("p", {}, status.double_qualified ? badge(t("mentors.is_double_qualified"), "ok") : badge(t("mentors.not_double_qualified"))),
        h("dl", { class: "facts" },
          fact(t("col.reason"), status.reason),
          fact(t("mentors.practice_days"), formatNumber(status.practice_days))),
        (status.history || []).length ? dataTable([
          { label: t("col.date"), value: (e) => formatDate(e.changed_at) },
          { label: t("mentors.double_qualified"), value: (e) => e.double_qualified ? t("msg.yes") : t("msg.no") },
          { label: t("col.reason"), value: (e) => e.reason },
          { label: t("mentors.trigger"), value: (e) => e.trigger },
        ], status.history) : empty()));
    } catch (error) {
      nodes.push(errorBox(error));
    }
  }
  body.replaceChildren(...nodes);
}
