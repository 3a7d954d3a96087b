// The JSON API client: the bearer token lives in sessionStorage (gone when the
// tab closes); every error is an RFC 9457 problem turned into an ApiError.
const TOKEN_KEY = "console.token";
const USER_KEY = "console.user";

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

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
}

let onUnauthorized = () => {};
export function whenUnauthorized(callback) { onUnauthorized = callback; }

export async function request(method, path, { body, query, auth = true } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth && token()) headers.Authorization = `Bearer ${token()}`;
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
    if (response.status === 401 && auth) { signOut(); onUnauthorized(); }
    throw new ApiError(response.status, data || {});
  }
  return data;
}

export const get = (path, query) => request("GET", path, { query });
export const post = (path, body) => request("POST", path, { body });
export const put = (path, body) => request("PUT", path, { body });
export const publicGet = (path) => request("GET", path, { auth: false });

export async function signIn(username, password) {
  const issued = await request("POST", "/v1/auth/token", { body: { username, password }, auth: false });
  sessionStorage.setItem(TOKEN_KEY, issued.access_token);
  const me = await get("/v1/me");
  sessionStorage.setItem(USER_KEY, JSON.stringify(me));
  return me;
}
