// The first steps, for a family that just plugged the box in: parent mode, naming the box, a
// PIN, the first playlist, its songs, a tag. Each step shows done from the box's live state, so the guide picks
// up where the family left it (a reload, another phone); it can be skipped, and brought back
// from Settings. It goes away by itself once every step is done.
import { t } from "../strings.js";
import { store, subscribe } from "../store.js";
import { access, parent } from "../parent.js";
import { h, replace, toast } from "../dom.js";
import { patch } from "../api.js";
import { box, setBoxName, onBoxName } from "../boxname.js";
import { errorText } from "../strings.js";

const SKIPPED = "musicbox.first_run_skipped";

export function skipFirstRun(skipped) { localStorage.setItem(SKIPPED, skipped ? "1" : "0"); }

export function firstRun(root) {
  const card = h("section", { class: "panel first-run", id: "first-run", "aria-labelledby": "first-run-heading", hidden: true });
  root.prepend(card);
  let pinSet = null;

  function show() {
    const playlists = store.playlists;
    if (localStorage.getItem(SKIPPED) === "1" || !playlists || pinSet === null) { card.hidden = true; return; }
    const withSongs = playlists.find((playlist) => playlist.track_count > 0);
    const first = withSongs ?? playlists[0];
    const steps = [
      { done: parent.on, text: t("first_parent"), hint: t("first_parent_hint"), action: null },
      { done: Boolean(box.name), text: t("first_name"), hint: t("first_name_hint"), form: nameForm },
      { done: pinSet, text: t("first_pin"), hint: t("first_pin_hint"), href: "#/settings/pin" },
      { done: playlists.length > 0, text: t("first_playlist"), href: "#/playlists" },
      { done: Boolean(withSongs), text: t("first_songs"), href: first ? `#/playlist/${encodeURIComponent(first.id)}` : "#/playlists" },
      { done: playlists.some((playlist) => playlist.nfc_tag_id), text: t("first_tag"), href: first ? `#/playlist/${encodeURIComponent(first.id)}` : "#/playlists" },
    ];
    if (steps.every((step) => step.done)) { card.hidden = true; return; }
    const next = steps.findIndex((step) => !step.done);
    card.hidden = false;
    replace(card,
      h("h2", { id: "first-run-heading" }, t("first_title")),
      h("p", { class: "hint" }, t("first_intro")),
      h("ol", { class: "first-steps" }, steps.map((step, index) => h("li", { class: step.done ? "done" : index === next ? "next" : "", "data-step": index },
        h("span", { class: "step-mark", "aria-hidden": "true" }, step.done ? "✓" : String(index + 1)),
        h("span", { class: "grow" }, step.text, step.done ? h("span", { class: "visually-hidden" }, ` (${t("first_done")})`) : "",
          !step.done && step.hint ? h("span", { class: "hint step-hint" }, step.hint) : ""),
        !step.done && index === next && step.href ? h("a", { class: "button primary", href: step.href }, t("first_go")) : "",
        !step.done && index === next && step.form ? step.form() : ""))),
      h("button", { type: "button", id: "first-run-skip", onclick: () => { skipFirstRun(true); show(); } }, t("first_skip")));
  }

  // Named right here, in one step: the header shows it at once.
  function nameForm() {
    const input = h("input", { id: "first-box-name", name: "box_name", maxLength: 40, required: true, autocomplete: "off", placeholder: t("first_name_example") });
    return h("form", { class: "inline-form first-name", id: "first-name-form", onsubmit: async (event) => {
      event.preventDefault();
      try { setBoxName((await patch("settings", { box_name: input.value.trim() })).box_name); } catch (error) { toast(errorText(error), "error"); }
    } }, h("label", { class: "field grow" }, t("box_name"), input), h("button", { type: "submit", class: "primary" }, t("save")));
  }

  const refresh = () => access().then((status) => { pinSet = Boolean(status.pin_set); show(); }).catch(() => {});
  refresh();
  const stops = [subscribe("playlists", show), subscribe("connection", refresh), onBoxName(show)];
  return () => stops.forEach((stop) => stop());
}
