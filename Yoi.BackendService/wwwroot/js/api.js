// The Backend's public REST API (/api, docs/protocol.md). Failures throw ApiError with the problem's code.

const KEY = "yoi.apiKey";

export function apiKey() {
  return sessionStorage.getItem(KEY) || null;
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(`${code}: ${detail}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  // Every state-changing request is typed JSON, also with no body: the Backend refuses untyped ones (docs/security.md).
  if (method !== "GET") headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, "backend_unreachable", "The backend could not be reached.");
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!response.ok) {
    throw new ApiError(response.status, json?.code ?? `http_${response.status}`, json?.detail ?? response.statusText);
  }
  return json;
}

const id = encodeURIComponent;
const worker = (rid, wid) => `/api/runtimes/${id(rid)}/workers/${id(wid)}`;

export const api = {
  session: () => call("GET", "/api/session"),
  runtimes: () => call("GET", "/api/runtimes"),
  runtime: (rid) => call("GET", `/api/runtimes/${id(rid)}`),
  workers: (rid) => call("GET", `/api/runtimes/${id(rid)}/workers`),
  createWorker: (rid) => call("POST", `/api/runtimes/${id(rid)}/workers`, {}),
  worker: (rid, wid) => call("GET", worker(rid, wid)),
  input: (rid, wid, text) => call("POST", `${worker(rid, wid)}/input`, { text }),
  cancel: (rid, wid) => call("POST", `${worker(rid, wid)}/cancel`),
  stop: (rid, wid) => call("POST", `${worker(rid, wid)}/stop`),
};

export const paths = {
  runtimeEvents: (rid) => `/api/runtimes/${id(rid)}/events/ws`,
  workerEvents: (rid, wid) => `${worker(rid, wid)}/events/ws`,
};
