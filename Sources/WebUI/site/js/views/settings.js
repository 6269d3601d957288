// Settings: volumes and tag behaviour (parents change them), the button map, health of every
// part of the box, disk space and version.
import { t, bytes, errorText, day, language, LANGUAGES, setLanguage } from "../strings.js";
import { get, patch, post, del } from "../api.js";
import { h, replace, toast } from "../dom.js";
import { access } from "../parent.js";
import { smartHome } from "./smarthome.js";
import { commandTagList } from "./commandtags.js";
import { skipFirstRun } from "./firstrun.js";
import { setBoxName } from "../boxname.js";

// On a phone every group is folded, so the page is a short list of headings to open (it was
// over 4000 px tall); on a wide screen they start open.
const wide = () => window.matchMedia("(min-width: 900px)").matches;

/** A group of settings under a heading that opens and closes it. */
function group(id, title, ...content) {
  return h("details", { class: "group", id: `group-${id}`, open: wide() },
    h("summary", {}, h("h3", {}, title)), h("div", { class: "group-body" }, ...content));
}

/** A form's part: its legend names the fields for screen readers, the group's heading for the eye. */
function fields(legend, ...content) {
  return h("fieldset", {}, h("legend", { class: "visually-hidden" }, legend), ...content);
}

export function settings(root, { parent, group: opened = null }) {
  const form = h("form", { class: "settings", id: "settings-form" });
  const buttons = h("div", { id: "button-map" });
  const health = h("dl", { class: "health", id: "health" });
  const about = h("p", { class: "hint", id: "about" });
  const pin = h("div", { id: "pin-settings" });
  const mqtt = h("div", { id: "mqtt-settings" });
  const commands = h("div", { id: "command-tag-settings" });
  root.append(h("section", { "aria-labelledby": "settings-heading" },
    h("h2", { id: "settings-heading" }, t("settings_title")),
    h("label", { class: "field language" }, t("settings_language"),
      h("select", { id: "language", onchange: (event) => setLanguage(event.target.value) },
        Object.entries(LANGUAGES).map(([code, name]) => h("option", { value: code, selected: code === language, lang: code }, name)))),
    parent ? null : h("p", { class: "hint" }, t("settings_parent_locked")),
    form,
    group("pin", t("pin_title"), pin),
    parent && group("commands", t("command_title"), commands),
    group("mqtt", t("mqtt_title"), mqtt),
    group("buttons", t("settings_buttons"), buttons),
    group("health", t("settings_health"), health, about),
    h("p", {}, h("button", { type: "button", id: "first-run-again", onclick: () => { skipFirstRun(false); location.hash = "#/now"; } }, t("first_again"))),
    parent && h("p", {}, h("button", { type: "button", class: "danger", id: "switch-off", onclick: switchOff }, t("power_off")))));

  async function switchOff() {
    if (!confirm(t("power_off_confirm"))) return;
    try { await post("system/shutdown", {}); toast(t("power_off_started")); } catch (error) { toast(errorText(error), "error"); }
  }

  const number = (name, label, min, max) => h("label", { class: "field" }, label,
    h("input", { type: "number", name, min, max, required: true, disabled: !parent, inputMode: "numeric" }));
  const slider = (name, label) => h("label", { class: "field" }, label,
    h("span", { class: "slider-row" }, h("input", { type: "range", name, min: 0, max: 100, disabled: !parent }), h("output", { name: `${name}_value` })));
  replace(form,
    h("label", { class: "field" }, t("box_name"),
      h("input", { name: "box_name", id: "box-name", maxLength: 40, disabled: !parent, autocomplete: "off", placeholder: t("app_name") })),
    group("volume", t("settings_volume"), fields(t("settings_volume"),
      slider("max_volume", t("settings_max_volume")), slider("min_volume", t("settings_min_volume")),
      slider("startup_volume", t("settings_startup_volume")),
      number("startup_volume_after_idle_minutes", t("settings_startup_after_idle"), 0, 1440))),
    group("tags", t("settings_tags"), fields(t("settings_tags"),
      h("label", { class: "field" }, t("settings_tag_removal"),
        h("select", { name: "tag_removal", disabled: !parent },
          h("option", { value: "pause" }, t("settings_tag_removal_pause")),
          h("option", { value: "keep_playing" }, t("settings_tag_removal_keep")))),
      h("label", { class: "field" }, t("settings_tag_again"),
        h("select", { name: "tag_again", disabled: !parent },
          ["continue", "restart", "next"].map((value) => h("option", { value }, t(`settings_tag_again_${value}`))))),
      number("start_over_after_hours", t("settings_start_over"), 0, 8760))),
    group("sleep", t("sleep_timer"), fields(t("sleep_timer"),
      number("sleep_timer_minutes", t("settings_sleep_minutes"), 1, 720),
      number("daily_limit_minutes", t("settings_daily_limit"), 0, 1440))),
    group("quiet", t("quiet_title"), fields(t("quiet_title"),
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "quiet_hours_enabled", disabled: !parent }), t("quiet_enabled")),
      h("div", { class: "time-row" },
        h("label", { class: "field" }, t("quiet_start"), h("input", { type: "time", name: "quiet_hours_start", required: true, disabled: !parent })),
        h("label", { class: "field" }, t("quiet_end"), h("input", { type: "time", name: "quiet_hours_end", required: true, disabled: !parent }))),
      number("quiet_hours_max_volume", t("quiet_max_volume"), 0, 100))),
    group("sounds", t("sounds_title"), fields(t("sounds_title"),
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "feedback_sounds", disabled: !parent }), t("sounds_enabled")),
      slider("feedback_volume", t("sounds_volume")),
      parent && h("div", { class: "button-row", id: "sound-tries" }, ["ready", "tag_linked", "unknown_tag", "error"].map((cue) =>
        h("button", { type: "button", class: "small", "data-cue": cue, onclick: () => post(`system/sounds/${cue}`, {}).catch((error) => toast(errorText(error), "error")) },
          t(`sound_${cue}`)))))),
    group("playback", t("settings_playback"), fields(t("settings_playback"),
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "playback_requires_token", disabled: !parent }), t("pin_playback"))),
      fields(t("lock_title"), h("h4", {}, t("lock_title")),
      h("label", { class: "field" }, t("lock_mode"),
        h("select", { name: "toddler_lock_mode", disabled: !parent },
          h("option", { value: "all" }, t("lock_mode_all")), h("option", { value: "all_but_volume_down" }, t("lock_mode_volume_down")))))),
    parent && h("button", { type: "submit", class: "primary", id: "save-settings" }, t("save")));
  for (const range of form.querySelectorAll("input[type=range]")) {
    range.addEventListener("input", () => { form.elements[`${range.name}_value`].value = range.value; });
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = {
      max_volume: Number(form.elements.max_volume.value),
      startup_volume: Number(form.elements.startup_volume.value),
      min_volume: Number(form.elements.min_volume.value),
      startup_volume_after_idle_minutes: Number(form.elements.startup_volume_after_idle_minutes.value),
      tag_removal: form.elements.tag_removal.value,
      tag_again: form.elements.tag_again.value,
      toddler_lock_mode: form.elements.toddler_lock_mode.value,
      start_over_after_hours: Number(form.elements.start_over_after_hours.value),
      playback_requires_token: form.elements.playback_requires_token.checked,
      sleep_timer_minutes: Number(form.elements.sleep_timer_minutes.value),
      daily_limit_minutes: Number(form.elements.daily_limit_minutes.value),
      quiet_hours_enabled: form.elements.quiet_hours_enabled.checked,
      quiet_hours_start: form.elements.quiet_hours_start.value,
      quiet_hours_end: form.elements.quiet_hours_end.value,
      quiet_hours_max_volume: Number(form.elements.quiet_hours_max_volume.value),
      feedback_sounds: form.elements.feedback_sounds.checked,
      feedback_volume: Number(form.elements.feedback_volume.value),
      box_name: form.elements.box_name.value.trim(),
    };
    try {
      const saved = await patch("settings", values);
      fill(saved);
      setBoxName(saved.box_name);
      toast(t("settings_saved"));
    } catch (error) { toast(errorText(error), "error"); }
  });

  function fill(values) {
    for (const [name, value] of Object.entries(values)) {
      const field = form.elements[name];
      if (field?.type === "checkbox") field.checked = Boolean(value);
      else if (field) field.value = value;
      if (form.elements[`${name}_value`]) form.elements[`${name}_value`].value = value;
    }
  }

  get("settings").then(fill).catch((error) => toast(errorText(error), "error"));
  // `#/settings/pin`: that group open and in sight (the first steps link there).
  const wanted = opened && document.getElementById(`group-${opened}`);
  if (wanted) { wanted.open = true; requestAnimationFrame(() => wanted.scrollIntoView({ block: "start" })); }
  const commandList = parent ? commandTagList(commands) : null;
  const home = parent ? smartHome(mqtt) : (replace(mqtt, h("p", { class: "hint" }, t("mqtt_parent_only"))), null);
  if (parent) showPIN(); else access().then((status) => replace(pin, h("p", { class: "hint" }, status.pin_set ? t("pin_is_set") : t("pin_none")))).catch(() => {});

  const pinField = (name, label, autocomplete = "new-password") => h("label", { class: "field" }, label,
    h("input", { type: "password", name, inputMode: "numeric", pattern: "[0-9]{4,12}", required: true, autocomplete }));

  async function showPIN() {
    const status = await access().catch(() => null);
    if (!status) return;
    const failure = h("p", { class: "error", role: "alert" });
    const change = h("form", { class: "pin-form", id: "pin-form" },
      status.pin_set && pinField("current_pin", t("pin_current"), "current-password"),
      pinField("pin", t("pin_new")), pinField("repeat", t("pin_repeat")), failure,
      h("button", { type: "submit", class: "primary", id: "save-pin" }, status.pin_set ? t("pin_change") : t("pin_set")));
    change.addEventListener("submit", async (event) => {
      event.preventDefault();
      const fields = change.elements;
      if (fields.pin.value !== fields.repeat.value) { failure.textContent = t("pin_mismatch"); return; }
      try {
        await post("auth/pin", { pin: fields.pin.value, current_pin: fields.current_pin?.value });
        toast(t("pin_saved"));
        showPIN();
      } catch (error) { failure.textContent = errorText(error); }
    });
    const parts = [h("p", { class: "hint", id: "pin-status" }, status.pin_set ? t("pin_is_set") : t("pin_none")), change];
    if (status.pin_set) {
      const removeFailure = h("p", { class: "error", role: "alert" });
      const remove = h("form", { class: "pin-form", id: "pin-remove-form" },
        pinField("current_pin", t("pin_current"), "current-password"), removeFailure,
        h("button", { type: "submit", class: "danger" }, t("pin_remove")));
      remove.addEventListener("submit", async (event) => {
        event.preventDefault();
        try { await del("auth/pin", { current_pin: remove.elements.current_pin.value }); toast(t("pin_removed")); showPIN(); } catch (error) { removeFailure.textContent = errorText(error); }
      });
      const logins = await get("auth/tokens").catch(() => ({ tokens: [] }));
      parts.push(h("h4", {}, t("pin_logins")), h("ul", { class: "plain logins", id: "pin-logins" }, logins.tokens.map((login) => h("li", {},
        `${login.label} · ${t("pin_last_used")} ${day(login.last_used_at || login.created_at)}`, login.current ? ` (${t("pin_this_device")})` : "", " ",
        !login.current && h("button", { type: "button", class: "small", onclick: async () => { await del(`auth/tokens/${login.id}`).catch(() => {}); showPIN(); } }, t("pin_revoke"))))),
        remove);
    }
    replace(pin, parts);
  }
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
  const timer = setInterval(() => { refresh(); home?.refresh(); commandList?.refresh(); }, 10000);
  return () => { clearInterval(timer); home?.stop(); };
}
