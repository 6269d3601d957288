// Songs from a link: a parent pastes an address; the box fetches it in the background and says
// how far it got (youtube:progress), what it added (youtube:complete) or why not (youtube:error).
// The list is read from the box on opening, so a reload finds running tasks again.
import { t, errorText } from "../strings.js";
import { subscribe } from "../store.js";
import { get, post, del } from "../api.js";
import { h, replace } from "../dom.js";

export function linkPanel(parentElement, playlistID) {
  const url = h("input", { type: "url", name: "url", id: "link-url", required: true, maxLength: 2048, placeholder: "https://", autocomplete: "off" });
  const button = h("button", { type: "submit", class: "primary", id: "link-add" }, t("link_add"));
  const status = h("p", { class: "hint", id: "link-status", "aria-live": "polite" });
  const list = h("ul", { class: "upload-list", id: "link-list" });
  const form = h("form", { class: "stream-form", onsubmit: add }, h("label", { class: "field grow" }, t("link_url"), url), button);
  const panel = h("section", { class: "panel link-panel", "aria-labelledby": "link-heading" },
    h("h3", { id: "link-heading" }, t("link_title")), h("p", { class: "hint" }, t("link_explain")), form, status, list);
  parentElement.append(panel);
  const tasks = new Map(); // task_id → latest state

  async function add(event) {
    event.preventDefault();
    button.disabled = true;
    status.textContent = "";
    try {
      const task = await post(`playlists/${encodeURIComponent(playlistID)}/links`, { url: url.value.trim() });
      url.value = "";
      merge(task);
    } catch (error) {
      status.textContent = errorText(error);
    } finally {
      button.disabled = false;
    }
  }

  function merge(task) {
    if (task.playlist_id && task.playlist_id !== playlistID) return;
    tasks.set(task.task_id, { ...tasks.get(task.task_id), ...task });
    render();
  }

  function label(task) {
    switch (task.status) {
      case "downloading": return t("link_downloading", { percent: Math.round(task.progress_percent ?? 0) });
      case "processing": return t("link_processing");
      case "completed": return t("link_completed");
      case "error": return t("link_error", { message: task.message ?? "" });
      default: return t("link_pending");
    }
  }

  function render() {
    const shown = [...tasks.values()].sort((a, b) => (b.created_at ?? 0) - (a.created_at ?? 0)).slice(0, 10);
    replace(list, shown.map((task) => h("li", { class: `upload-item link-${task.status}`, "data-task": task.task_id },
      h("span", { class: "grow upload-name" }, task.title ?? task.url),
      h("progress", { max: 100, value: task.status === "completed" ? 100 : task.progress_percent ?? 0, "aria-label": task.url }),
      h("span", { class: `upload-state${task.status === "error" ? " error" : ""}` }, label(task)),
      ["pending", "downloading"].includes(task.status) && h("button", {
        type: "button", class: "small", onclick: () => del(`playlists/${encodeURIComponent(playlistID)}/links/${encodeURIComponent(task.task_id)}`).catch(() => {}),
      }, t("link_cancel")))));
  }

  get(`playlists/${encodeURIComponent(playlistID)}/links`).then((data) => data.tasks.forEach(merge)).catch(() => {});
  const stops = [
    subscribe("youtube:progress", merge),
    subscribe("youtube:complete", (event) => merge({ task_id: event.task_id, playlist_id: event.playlist_id, status: "completed", title: event.track?.title })),
    subscribe("youtube:error", (event) => merge({ task_id: event.task_id, playlist_id: event.playlist_id, status: "error", message: event.message })),
  ];
  return () => { stops.forEach((stop) => stop()); panel.remove(); };
}
