// The JSON API client: the bearer token lives in sessionStorage (gone when the
// tab closes); every error is an RFC 9457 problem turned into an ApiError.
const TOKEN_KEY = "console.token";
const USER_KEY = "console.user";
const ENDED_KEY = "console.ended";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.errors = problem.errors || {};
  }
}

export function token() { return sessionStorage.getItem(TOKEN_KEY); }

export function currentUser() {
  const raw = sessionStorage.getItem(USER_KEY);
  return raw ? JSON.parse(raw) : null;
}

// Forgets this tab's session; `reason` (why it ended) is told once on the sign-in screen.
function forgetSession(reason) {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
  sessionStorage.setItem(ENDED_KEY, reason);
}

// Why the last session ended ("session_ended", "signed_out", "signed_out_here"), once.
export function takeEndReason() {
  const reason = sessionStorage.getItem(ENDED_KEY);
  sessionStorage.removeItem(ENDED_KEY);
  return reason;
}

// Signing out: this tab forgets its token at once, then the gateway ends every
// session of the account. If the gateway cannot be told, the sign-in screen
// says that the other sessions may still be open.
export async function signOut() {
  const ending = token();
  forgetSession("signed_out");
  if (!ending) return;
  try {
    await request("POST", "/v1/auth/sign-out", { body: {}, bearer: ending });
  } catch (error) {
    // 401: the session had ended already
    if (error.status !== 401 && !token()) sessionStorage.setItem(ENDED_KEY, "signed_out_here");
  }
}

let onUnauthorized = () => {};
export function whenUnauthorized(callback) { onUnauthorized = callback; }

export async function request(method, path, { body, query, auth = true, bearer } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const sent = auth ? bearer || token() : null;
  if (sent) headers.Authorization = `Bearer ${sent}`;
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiError(0, { title: "network", detail: String(error) });
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
  if (!response.ok) {
    // the account was disabled or changed, or signed out elsewhere: sign in again.
    // A token replaced meanwhile (a password change) is not this one's to end.
    if (response.status === 401 && sent && sent === token()) {
      forgetSession("session_ended");
      onUnauthorized();
    }
    throw new ApiError(response.status, data || {});
  }
  return data;
}

export const get = (path, query) => request("GET", path, { query });

// A list as a CSV file (the gateway's ?format=csv), fetched with this tab's
// token, which a plain link could not send, and saved under the name the
// gateway gives it.
export async function download(path, query, fallbackName) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries({ ...(query || {}), format: "csv" })) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const sent = token();
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "text/csv", ...(sent ? { Authorization: `Bearer ${sent}` } : {}) } });
  } catch (error) {
    throw new ApiError(0, { title: "network", detail: String(error) });
  }
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch { /* no body */ }
    if (response.status === 401 && sent && sent === token()) {
      forgetSession("session_ended");
      onUnauthorized();
    }
    throw new ApiError(response.status, problem);
  }
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = named ? named[1] : fallbackName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}
export const post = (path, body) => request("POST", path, { body });
export const put = (path, body) => request("PUT", path, { body });
export const patch = (path, body) => request("PATCH", path, { body });
export const publicGet = (path) => request("GET", path, { auth: false });

export async function signIn(username, password) {
  const issued = await request("POST", "/v1/auth/token", { body: { username, password }, auth: false });
  sessionStorage.setItem(TOKEN_KEY, issued.access_token);
  sessionStorage.removeItem(ENDED_KEY);
  const me = await get("/v1/me");
  sessionStorage.setItem(USER_KEY, JSON.stringify(me));
  return me;
}

// Changes the signed-in user's password; the answer's token replaces this
// tab's, which the change left behind with the account's other sessions.
export async function changeOwnPassword(currentPassword, newPassword) {
  const issued = await post("/v1/me/password", { current_password: currentPassword, new_password: newPassword });
  sessionStorage.setItem(TOKEN_KEY, issued.access_token);
  return issued;
}
