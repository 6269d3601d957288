// The shell: routes (#/now, #/playlists, #/playlist/ID, #/settings), connection state, parent
// mode, and the prompt for unknown tags tapped on the box.
import { t, errorText, tagName } from "./strings.js";
import { store, subscribe, start, socket } from "./store.js";
import { h, replace, toast } from "./dom.js";
import { nowPlaying } from "./views/now.js";
import { playlistList, playlistDetail } from "./views/playlists.js";
import { settings } from "./views/settings.js";
import { linkUnknownTag } from "./views/tags.js";
import { makeCommandTag } from "./views/commandtags.js";
import { parent, setParentMode, checkParentMode } from "./parent.js";
import { loadBoxName } from "./boxname.js";

for (const element of document.querySelectorAll("[data-text]")) element.textContent = t(element.dataset.text);

const view = document.getElementById("view");
// The skip link moves focus past the header without touching the route (the hash is the router's).
document.querySelector(".skip").addEventListener("click", (event) => { event.preventDefault(); view.focus(); });
let leave = null;

function route() {
  const [name, id] = location.hash.replace(/^#\/?/, "").split("/");
  if (leave) leave();
  leave = null;
  for (const link of document.querySelectorAll("[data-route]")) {
    const active = link.dataset.route === (name === "playlist" ? "playlists" : name || "now");
    if (active) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  replace(view);
  showParentMode();
  const context = { parent: parent.on };
  if (name === "playlists") leave = playlistList(view, context);
  else if (name === "playlist" && id) leave = playlistDetail(view, decodeURIComponent(id), context);
  else if (name === "settings") leave = settings(view, { ...context, group: id });
  else leave = nowPlaying(view, context);
}

const toggle = document.getElementById("parent-toggle");
function showParentMode() {
  toggle.textContent = parent.on ? t("parent_mode_on") : t("parent_mode");
  toggle.setAttribute("aria-pressed", String(parent.on));
  document.body.classList.toggle("parent", parent.on);
}
toggle.addEventListener("click", async () => {
  toggle.disabled = true;
  try { await setParentMode(!parent.on); } catch (error) { toast(errorText(error), "error"); }
  toggle.disabled = false;
  route();
});
// A refused edit means the parent login ended (PIN changed, logged out elsewhere): leave parent mode.
window.addEventListener("musicbox:unauthorized", () => {
  if (!parent.on) return;
  parent.on = false;
  toast(t("pin_session_ended"), "error");
  route();
});

const connection = document.getElementById("connection");
subscribe("connection", (state) => {
  connection.textContent = t(`connection_${state}`);
  connection.dataset.state = state;
  // Named on another phone meanwhile: the name is read again whenever the box is reached.
  if (state === "connected") loadBoxName();
});

// An unknown tag tapped on the box: offer to link it (parents only; children just tap).
const prompt = document.getElementById("tag-prompt");
subscribe("tag", (tag) => {
  if (tag.action !== "unknown" || !tag.present || !parent.on) return;
  prompt.hidden = false;
  prompt.setAttribute("aria-label", t("tag_unknown_title"));
  replace(prompt,
    h("p", { title: tag.tag_id }, t("tag_unknown_prompt", { tag: tagName(tag.tag_id) })),
    h("button", { type: "button", class: "primary", onclick: () => { prompt.hidden = true; linkUnknownTag(tag.tag_id); } }, t("tag_unknown_link")),
    h("button", { type: "button", id: "make-command-tag", onclick: () => { prompt.hidden = true; makeCommandTag(tag.tag_id); } }, t("command_make")),
    h("button", { type: "button", onclick: () => { prompt.hidden = true; } }, t("close")));
});

window.addEventListener("hashchange", route);
showParentMode();
route();
start();
const wasParent = parent.on;
checkParentMode().then((on) => { if (on !== wasParent) route(); });
window.musicbox = { store, socket }; // for the browser tests and the curious
