// The console: a client of the Backend's public API only (docs/console.md). Hash routes:
//   #/                                  runtimes
//   #/runtimes/{rid}                    a runtime's workers, live
//   #/runtimes/{rid}/workers/{wid}      a worker's conversation, live

import { api, apiKey, setApiKey } from "./api.js";
import { h, errorText } from "./dom.js";
import { runtimesView } from "./views/runtimes.js";
import { runtimeView } from "./views/runtime.js";
import { workerView } from "./views/worker.js";

const main = document.getElementById("main");
const crumbs = document.getElementById("crumbs");
const roleEl = document.getElementById("role");
let current = null;
let session = null;

/** What the key may do: {role, authenticated, runtimes:[{runtime_id, commands}]} or null when unknown. */
export function can(rid, command) {
  const grant = session?.runtimes?.find((r) => r.runtime_id === rid);
  return !!grant && grant.commands.includes(command);
}

async function loadSession() {
  try {
    session = await api.session();
    roleEl.textContent = session.authenticated ? `Signed in as ${session.role}` : `Open backend (${session.role})`;
  } catch (e) {
    session = null;
    roleEl.textContent = e.status === 401 ? "This backend needs an API key" : `Session unknown (${errorText(e)})`;
  }
}

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "runtimes" && parts.length === 2) return { view: "runtime", rid: parts[1] };
  if (parts[0] === "runtimes" && parts[2] === "workers" && parts.length === 4) return { view: "worker", rid: parts[1], wid: parts[3] };
  return { view: "runtimes" };
}

function setCrumbs(route) {
  const items = [h("li", {}, h("a", { href: "#/" }, "Runtimes"))];
  if (route.rid) items.push(h("li", {}, h("a", { href: `#/runtimes/${encodeURIComponent(route.rid)}` }, route.rid)));
  if (route.wid) items.push(h("li", {}, h("span", { "aria-current": "page" }, route.wid)));
  crumbs.replaceChildren(...items);
}

async function render(event) {
  if (current) current.dispose();
  current = null;
  const route = parseRoute();
  setCrumbs(route);
  await loadSession();
  const view = route.view === "worker" ? workerView(route, { can })
    : route.view === "runtime" ? runtimeView(route, { can })
    : runtimesView({ can });
  current = view;
  main.replaceChildren(view.element);
  const heading = main.querySelector("h1");
  if (heading) document.title = `${heading.textContent} · Yoi console`;
  // After following a link, start reading (and tabbing) at the new page's content.
  if (event?.type === "hashchange") main.focus({ preventScroll: true });
}

document.getElementById("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = document.getElementById("api-key");
  setApiKey(input.value.trim());
  input.value = "";
  input.placeholder = apiKey() ? "key in use" : "";
  render();
});
document.getElementById("forget-key").addEventListener("click", () => {
  setApiKey(null);
  document.getElementById("api-key").placeholder = "";
  render();
});
if (apiKey()) document.getElementById("api-key").placeholder = "key in use";

window.addEventListener("hashchange", render);
render();
