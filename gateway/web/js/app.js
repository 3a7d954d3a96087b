// The console's shell: locale, sign-in state, role-aware navigation and a
// small hash router that mounts one screen module at a time.
import { currentUser, signOut, whenUnauthorized } from "./api.js";
import { preferredLocale, setLocale, t, currentLocale } from "./i18n.js";
import { h } from "./ui.js";
import { ROLES, can } from "./roles.js";
import * as signin from "./screens/signin.js";
import * as dashboard from "./screens/dashboard.js";
import * as students from "./screens/students.js";
import * as enterprises from "./screens/enterprises.js";
import * as programmes from "./screens/programmes.js";
import * as projects from "./screens/projects.js";
import * as placements from "./screens/placements.js";
import * as mentors from "./screens/mentors.js";
import * as certificates from "./screens/certificates.js";
import * as deadLetters from "./screens/dead_letters.js";
import * as subscriptions from "./screens/subscriptions.js";
import * as accounts from "./screens/accounts.js";
import * as me from "./screens/me.js";
import * as verify from "./screens/verify.js";
import * as surveys from "./screens/surveys.js";
import * as competitions from "./screens/competitions.js";
import * as agreements from "./screens/agreements.js";
import * as costs from "./screens/costs.js";
import * as inbox from "./screens/inbox.js";

// pattern, screen, who may open it (null: public), navigation label key
const ROUTES = [
  ["/sign-in", signin, null],
  ["/verify/:number", verify, null],
  ["/dashboard", dashboard, ROLES.staff, "nav.dashboard"],
  ["/students", students, ROLES.staffAndEnterprise, "nav.students"],
  ["/students/:id", students, ROLES.staffAndEnterprise.concat(["student"])],
  ["/enterprises", enterprises, ROLES.partnerReaders, "nav.enterprises"],
  ["/enterprises/:id", enterprises, ROLES.staffAndEnterprise],
  ["/agreements/:id", agreements, ROLES.staffAndEnterprise],
  ["/valuation-rates", costs, ROLES.rateReaders, "nav.valuation_rates"],
  ["/programmes", programmes, ROLES.staffAndEnterprise, "nav.programmes"],
  ["/programmes/:id", programmes, ROLES.staffAndEnterprise],
  ["/applications/:id", programmes, ROLES.applicationReaders],
  ["/surveys", surveys, ROLES.admissionsAndEnterprise, "nav.surveys"],
  ["/projects", projects, ROLES.staffAndEnterprise, "nav.projects"],
  ["/projects/:id", projects, ROLES.all],
  ["/placements", placements, ROLES.all, "nav.placements"],
  ["/mentors", mentors, ROLES.staffAndEnterprise, "nav.mentors"],
  ["/mentors/:id", mentors, ROLES.staffAndEnterprise],
  ["/certificates", certificates, ROLES.all, "nav.certificates"],
  ["/certificates/sessions/:id", certificates, ROLES.all],
  ["/competitions", competitions, ROLES.staff, "nav.competitions"],
  ["/competitions/:id", competitions, ROLES.staff],
  ["/dead-letters", deadLetters, ["admin"], "nav.dead_letters"],
  ["/subscriptions", subscriptions, ["admin", "enterprise_user"], "nav.subscriptions"],
  ["/accounts", accounts, ["admin"], "nav.accounts"],
  ["/verify", verify, null, "nav.verify"],
  ["/inbox", inbox, ROLES.all, "nav.inbox"],
  ["/me", me, ROLES.all, "nav.my_account"],
];

// "/projects?enterprise_id=x": the path routes, the query goes to the screen
function match(address) {
  const [path, search = ""] = address.split("?");
  const query = Object.fromEntries(new URLSearchParams(search));
  for (const [pattern, screen, roles, navKey] of ROUTES) {
    const names = [];
    const regex = new RegExp("^" + pattern.replace(/:(\w+)/g, (_, name) => { names.push(name); return "([^/]+)"; }) + "$");
    const found = path.match(regex);
    if (found) {
      const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
      return { pattern, screen, roles, navKey, params, query };
    }
  }
  return null;
}

export function navigate(path) { window.location.hash = "#" + path; }

function home(user) {
  if (!user) return "/sign-in";
  if (user.role === "enterprise_user") return `/enterprises/${user.enterprise_id}`;
  if (user.role === "student") return user.student_id ? `/students/${user.student_id}` : "/certificates";
  return "/dashboard";
}

function renderNav(user, active) {
  const nav = document.getElementById("nav");
  const items = ROUTES.filter(([pattern, , roles, navKey]) => navKey && (roles === null || (user && can(user, roles)))
    && !(pattern === "/enterprises" && user && user.role === "enterprise_user"));
  const links = items.map(([pattern, , , navKey]) => h("li", {}, h("a", {
    href: "#" + pattern, "aria-current": active === pattern ? "page" : null,
  }, t(navKey))));
  if (user && user.role === "enterprise_user") {
    const own = `/enterprises/${user.enterprise_id}`;
    links.unshift(h("li", {}, h("a", { href: "#" + own, "aria-current": active === "/enterprises/:id" ? "page" : null }, t("nav.my_enterprise"))));
  }
  if (user && user.role === "student" && user.student_id) {
    links.unshift(h("li", {}, h("a", { href: `#/students/${user.student_id}` }, t("nav.my_record"))));
  }
  if (!user) links.push(h("li", {}, h("a", { href: "#/sign-in", "aria-current": active === "/sign-in" ? "page" : null }, t("signin.title"))));
  nav.replaceChildren(h("ul", {}, links));
  const who = document.getElementById("who");
  who.textContent = user ? `${user.name || user.username} · ${t("role." + user.role)}` : "";
  document.getElementById("sign-out").hidden = !user;
  inbox.refreshBell(user);
}

// which route() is the latest: a screen still loading when the user went
// elsewhere must not take the focus (or the title) from the screen they went to
let routing = 0;

async function route() {
  const current = ++routing;
  const path = window.location.hash.replace(/^#/, "") || "/";
  const user = currentUser();
  const target = path === "/" ? home(user) : path;
  if (target !== path) { navigate(target); return; }
  const found = match(path);
  const view = document.getElementById("view");
  if (!found) { renderNav(user, null); view.replaceChildren(h("h1", {}, t("error.not_found"))); return; }
  if (found.roles && !user) { navigate("/sign-in"); return; }
  if (found.roles && !can(user, found.roles)) {
    renderNav(user, found.pattern);
    view.replaceChildren(h("h1", {}, t("error.forbidden")));
    return;
  }
  renderNav(user, found.pattern);
  document.getElementById("nav").classList.remove("open");
  document.getElementById("nav-toggle").setAttribute("aria-expanded", "false");
  view.replaceChildren();
  await found.screen.render(view, { params: found.params, query: found.query, pattern: found.pattern, user, navigate });
  if (current !== routing) return;
  const heading = view.querySelector("h1");
  document.title = heading ? `${heading.textContent} · ${t("app.title")}` : t("app.title");
  view.focus({ preventScroll: true });
}

async function start() {
  await setLocale(preferredLocale());
  const picker = document.getElementById("locale");
  picker.value = currentLocale();
  picker.addEventListener("change", async () => { await setLocale(picker.value); route(); });
  const signOutButton = document.getElementById("sign-out");
  signOutButton.addEventListener("click", async () => {
    signOutButton.disabled = true;
    try { await signOutAndLeave(); } finally { signOutButton.disabled = false; }
  });
  const toggle = document.getElementById("nav-toggle");
  toggle.addEventListener("click", () => {
    const open = document.getElementById("nav").classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
  // a session ended by the gateway: no dialog of it stays open over the sign-in screen
  whenUnauthorized(() => {
    for (const open of document.querySelectorAll("dialog")) open.remove();
    navigate("/sign-in");
  });
  window.addEventListener("hashchange", route);
  // the bell's count follows notifications that arrive while a screen stays open
  setInterval(() => { if (currentUser()) inbox.refreshBell(currentUser()); }, 30000);
  route();
}

export const afterSignIn = (user) => navigate(home(user));

// Signs out (every session of the account) and shows the sign-in screen,
// unless the user went elsewhere or signed in again meanwhile.
export async function signOutAndLeave() {
  const from = window.location.hash;
  await signOut();
  if (!currentUser() && window.location.hash === from) navigate("/sign-in");
}

start();
