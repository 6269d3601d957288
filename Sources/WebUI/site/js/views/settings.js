// Settings: volumes and tag behaviour (parents change them), the button map, health of every
// part of the box, disk space and version.
import { t, bytes } from "../strings.js";
import { get, patch } from "../api.js";
import { h, replace, toast } from "../dom.js";

export function settings(root, { parent }) {
  const form = h("form", { class: "settings", id: "settings-form" });
  const buttons = h("div", { id: "button-map" });
  const health = h("dl", { class: "health", id: "health" });
  const about = h("p", { class: "hint", id: "about" });
  root.append(h("section", { "aria-labelledby": "settings-heading" },
    h("h2", { id: "settings-heading" }, t("settings_title")),
    parent ? null : h("p", { class: "hint" }, t("settings_parent_locked")),
    form,
    h("h3", {}, t("settings_buttons")), buttons,
    h("h3", {}, t("settings_health")), health, about));

  const number = (name, label, min, max) => h("label", { class: "field" }, label,
    h("input", { type: "number", name, min, max, required: true, disabled: !parent, inputMode: "numeric" }));
  const slider = (name, label) => h("label", { class: "field" }, label,
    h("span", { class: "slider-row" }, h("input", { type: "range", name, min: 0, max: 100, disabled: !parent }), h("output", { name: `${name}_value` })));
  replace(form,
    h("fieldset", {}, h("legend", {}, t("settings_volume")),
      slider("max_volume", t("settings_max_volume")), slider("startup_volume", t("settings_startup_volume"))),
    h("fieldset", {}, h("legend", {}, t("settings_tags")),
      h("label", { class: "field" }, t("settings_tag_removal"),
        h("select", { name: "tag_removal", disabled: !parent },
          h("option", { value: "pause" }, t("settings_tag_removal_pause")),
          h("option", { value: "keep_playing" }, t("settings_tag_removal_keep")))),
      number("start_over_after_hours", t("settings_start_over"), 0, 8760)),
    parent && h("button", { type: "submit", class: "primary", id: "save-settings" }, t("save")));
  for (const range of form.querySelectorAll("input[type=range]")) {
    range.addEventListener("input", () => { form.elements[`${range.name}_value`].value = range.value; });
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = {
      max_volume: Number(form.elements.max_volume.value),
      startup_volume: Number(form.elements.startup_volume.value),
      tag_removal: form.elements.tag_removal.value,
      start_over_after_hours: Number(form.elements.start_over_after_hours.value),
    };
    try { fill(await patch("settings", values)); toast(t("settings_saved")); } catch (error) { toast(error.message, "error"); }
  });

  function fill(values) {
    for (const [name, value] of Object.entries(values)) {
      const field = form.elements[name];
      if (field) field.value = value;
      if (form.elements[`${name}_value`]) form.elements[`${name}_value`].value = value;
    }
  }

  get("settings").then(fill).catch((error) => toast(error.message, "error"));
  get("controls").then((map) => {
    if (!map.buttons.length) { replace(buttons, h("p", { class: "hint" }, map.simulated ? t("settings_buttons_simulated") : t("settings_buttons_none"))); return; }
    replace(buttons, h("ul", { class: "plain" }, map.buttons.map((button) => h("li", {},
      t("settings_button_row", { pin: button.pin, action: button.action.replace(/_/g, " ") }),
      button.long_press ? ` (${t("settings_long_press", { action: button.long_press.replace(/_/g, " ") })})` : ""))));
  }).catch(() => {});
  const refresh = () => Promise.all([get("health"), get("system/info")]).then(([report, info]) => {
    replace(health, Object.entries(report.components).map(([name, state]) => [
      h("dt", {}, t(`health_${name}`)),
      h("dd", { class: `health-${state}` }, state, report.problems?.[name] ? ` — ${report.problems[name]}` : ""),
    ]));
    about.textContent = `${t("settings_version", { version: info.version })} · ${t("settings_storage")}: ${t("settings_disk", { free: bytes(info.disk.free_bytes), total: bytes(info.disk.total_bytes) })}`;
  }).catch(() => {});
  refresh();
  const timer = setInterval(refresh, 10000);
  return () => clearInterval(timer);
}
