// Web radio: a parent pastes a station's address (and, if they like, a name); the box listens
// to it before adding it, so a wrong address is said at once, with the box's reason.
import { t, errorText } from "../strings.js";
import { post } from "../api.js";
import { h, toast } from "../dom.js";

export function streamPanel(parentElement, playlistID) {
  const url = h("input", { type: "url", name: "url", id: "stream-url", required: true, maxLength: 2048, placeholder: "https://", autocomplete: "off" });
  const name = h("input", { name: "title", id: "stream-title", maxLength: 200, autocomplete: "off" });
  const button = h("button", { type: "submit", class: "primary", id: "stream-add" }, t("stream_add"));
  const status = h("p", { class: "hint", id: "stream-status", "aria-live": "polite" });
  const form = h("form", { class: "stream-form", onsubmit: add },
    h("label", { class: "field grow" }, t("stream_url"), url),
    h("label", { class: "field" }, t("stream_name"), name),
    button);
  const panel = h("section", { class: "panel stream-panel", "aria-labelledby": "stream-heading" },
    h("h3", { id: "stream-heading" }, t("stream_title")), h("p", { class: "hint" }, t("stream_explain")), form, status);
  parentElement.append(panel);

  async function add(event) {
    event.preventDefault();
    button.disabled = true;
    status.textContent = t("stream_listening");
    try {
      const body = { url: url.value.trim() };
      if (name.value.trim()) body.title = name.value.trim();
      const track = await post(`playlists/${encodeURIComponent(playlistID)}/streams`, body);
      url.value = "";
      name.value = "";
      status.textContent = "";
      toast(t("stream_added", { title: track.title }));
    } catch (error) {
      status.textContent = errorText(error);
    } finally {
      button.disabled = false;
    }
  }

  return () => panel.remove();
}
