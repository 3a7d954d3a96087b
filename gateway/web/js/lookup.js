// Names for the ids other services' records carry (a placement's student and
// enterprise, a secondment's host): fetched once per id and cached for the
// session's page, shown as the id until (or unless) the name arrives.
import { currentUser, get } from "./api.js";
import { ROLES, can } from "./roles.js";
import { h } from "./ui.js";

const cache = new Map();
// who may read each kind of record (the API's roles): others keep the id
const READERS = {
  partner: ROLES.partnerReaders.concat(["enterprise_user"]),
  student: ROLES.all,
  programme: ROLES.staffAndEnterprise,
  mentor: ROLES.staffAndEnterprise,
};

const SOURCES = {
  partner: (id) => get(`/v1/partners/${encodeURIComponent(id)}`).then((p) => p.legal_name),
  student: (id) => get(`/v1/students/${encodeURIComponent(id)}`).then((s) => `${s.name} · ${s.student_number}`),
  programme: (id) => get(`/v1/programmes/${encodeURIComponent(id)}`).then((p) => `${p.code} ${p.name}`),
  mentor: (id) => get(`/v1/mentors/${encodeURIComponent(id)}`).then((m) => m.name),
};

export function nameOf(kind, id, href) {
  if (!id) return "—";
  const key = `${kind}:${id}`;
  if (!cache.has(key)) {
    cache.set(key, can(currentUser(), READERS[kind]) ? SOURCES[kind](id).catch(() => null) : Promise.resolve(null));
  }
  const target = href ? h("a", { href }, id) : h("span", {}, id);
  cache.get(key).then((name) => { if (name) target.textContent = name; });
  return target;
}
