// Now playing, phone first: cover, titles, transport, a seek bar that moves smoothly between
// the 200 ms position ticks, volume up to the parents' maximum, repeat and shuffle.
import { t, duration, errorText, clock } from "../strings.js";
import { store, subscribe, currentPosition } from "../store.js";
import { get, post } from "../api.js";
import { h, icon, toast, ask, replace } from "../dom.js";
import { parent as parentMode } from "../parent.js";
import { firstRun } from "./firstrun.js";

const isParent = () => Boolean(parentMode?.on);

const REPEAT_NEXT = { none: "all", all: "one", one: "none" };

/** "Chapter 2 of 12 · The Storm": a chapter place of `state:player` or a playlist's `continues_at`. */
export function chapterText(place) {
  const of = t("chapter_of", { index: place.index + 1, count: place.count });
  return place.title ? `${of} · ${place.title}` : of;
}

export function nowPlaying(root) {
  const cover = h("img", { class: "cover", alt: "", width: 320, height: 320 });
  const placeholder = h("div", { class: "cover cover-empty", "aria-hidden": "true" }, icon("note"));
  cover.addEventListener("error", () => { cover.hidden = true; placeholder.hidden = false; });
  cover.addEventListener("load", () => { cover.hidden = false; placeholder.hidden = true; });
  const title = h("h2", { class: "track-title", id: "now-title" });
  const artist = h("p", { class: "track-artist" });
  const where = h("p", { class: "track-where" });
  // An audiobook file's chapter: next and previous go by chapter inside it.
  const chapter = h("p", { class: "track-chapter", id: "now-chapter", hidden: true });
  const elapsed = h("span", { class: "time", id: "now-elapsed" }, "0:00");
  const total = h("span", { class: "time" }, "0:00");
  const seek = h("input", { type: "range", class: "seek", id: "seek", min: 0, max: 1000, value: 0, step: 1, "aria-label": t("seek") });
  const play = h("button", { type: "button", class: "round big", id: "play-toggle" });
  const prev = h("button", { type: "button", class: "round", "aria-label": t("previous"), title: t("previous") }, icon("prev"));
  const next = h("button", { type: "button", class: "round", "aria-label": t("next"), title: t("next") }, icon("next"));
  const volume = h("input", { type: "range", class: "volume", id: "volume", min: 0, max: 100, step: 1, "aria-label": t("volume") });
  const volumeCap = h("span", { class: "hint" });
  const mute = h("button", { type: "button", class: "round small" });
  const repeat = h("button", { type: "button", class: "chip", id: "repeat" });
  const shuffle = h("button", { type: "button", class: "chip", id: "shuffle" });
  const sleep = h("button", { type: "button", class: "chip", id: "sleep" });
  const sleepState = h("p", { class: "hint", id: "sleep-state", "aria-live": "polite" });
  // The toddler lock: said to everyone; parents can switch it (the box's own gesture: two buttons held 3 s).
  const lockState = h("p", { class: "hint", id: "lock-state", "aria-live": "polite" });
  // The daily listening limit: said to everyone when used up; parents can add minutes.
  const limitState = h("p", { class: "offline-note", id: "limit-state", role: "status", hidden: true });
  const lock = h("button", { type: "button", class: "chip", id: "toddler-lock", hidden: !isParent() });
  const idle = h("p", { class: "empty" }, t("nothing_playing_hint"));
  // While the box cannot be reached nothing here is true any more: said, controls off, clock still.
  const away = h("p", { class: "offline-note", id: "now-offline", role: "status", hidden: true }, t("now_offline"));

  root.append(h("section", { class: "now", "aria-labelledby": "now-title" },
    away,
    h("div", { class: "cover-wrap" }, cover, placeholder),
    h("div", { class: "now-text" }, title, artist, chapter, where, idle),
    h("div", { class: "seek-row" }, elapsed, seek, total),
    h("div", { class: "transport" }, prev, play, next),
    h("div", { class: "volume-row" }, mute, volume, volumeCap),
    h("div", { class: "modes" }, repeat, shuffle, sleep, lock),
    sleepState, lockState, limitState));

  let seeking = false;
  let coverTrack = null;

  const act = (path, body) => post(`player/${path}`, body).catch((error) => toast(errorText(error), "error"));
  play.addEventListener("click", async () => {
    if (store.player?.is_playing) return act("pause");
    // With nothing loaded the box continues the playlist left last; if there is none, pick one.
    try { await post("player/play", {}); } catch (error) {
      if (error.details?.reason === "nothing_loaded") { toast(t("play_choose_playlist")); location.hash = "#/playlists"; }
      else toast(errorText(error), "error");
    }
  });
  prev.addEventListener("click", () => act("previous"));
  next.addEventListener("click", () => act("next"));
  mute.addEventListener("click", () => act("volume", { muted: !store.player?.muted }));
  repeat.addEventListener("click", () => act("repeat", { mode: REPEAT_NEXT[store.player?.repeat_mode ?? "none"] }));
  shuffle.addEventListener("click", () => act("shuffle", { enabled: !store.player?.shuffle_enabled }));
  sleep.addEventListener("click", chooseSleep);
  lock.addEventListener("click", () => act("toddler_lock", { locked: !store.player?.toddler_lock }));

  async function chooseSleep() {
    const settings = await get("settings").catch(() => ({ sleep_timer_minutes: 30 }));
    const lengths = [...new Set([15, 30, 45, 60, settings.sleep_timer_minutes])].sort((a, b) => a - b);
    const option = (value, label) => h("button", { type: "button", class: "sleep-option", "data-value": value,
      onclick: (event) => event.target.closest("dialog").close(value) }, label);
    const dialog = document.getElementById("dialog");
    const choice = await new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue || null), { once: true });
      dialog.returnValue = "";
      dialog.replaceChildren(h("h2", {}, t("sleep_choose")),
        h("div", { class: "sleep-options" },
          lengths.map((minutes) => option(`minutes:${minutes}`, t("sleep_minutes", { minutes }))),
          option("end_of_track", t("sleep_option_track")), option("end_of_playlist", t("sleep_option_playlist")),
          store.player?.sleep_timer_mode !== "off" && option("off", t("sleep_cancel"))),
        h("div", { class: "dialog-actions" }, h("button", { type: "button", onclick: () => dialog.close("") }, t("cancel"))));
      dialog.showModal();
    });
    if (!choice) return;
    const [mode, minutes] = choice.split(":");
    act("sleep", minutes ? { mode, minutes: Number(minutes) } : { mode });
  }
  seek.addEventListener("input", () => { seeking = true; elapsed.textContent = duration(seekTarget()); });
  seek.addEventListener("change", async () => { await act("seek", { position_ms: Math.round(seekTarget()) }); seeking = false; });
  let volumeTimer = null;
  volume.addEventListener("input", () => {
    clearTimeout(volumeTimer); // one request per pause in the drag, not one per pixel
    volumeTimer = setTimeout(() => act("volume", { volume: Number(volume.value) }), 80);
  });

  function seekTarget() { return (Number(seek.value) / 1000) * (store.position?.duration_ms || 0); }

  function showPlayer(p) {
    const online = store.connection === "connected";
    away.hidden = online;
    const track = p?.active_track;
    idle.hidden = Boolean(track);
    // A live stream shows what it plays now above the station's name.
    title.textContent = track ? (p.stream_title || track.title) : t("nothing_playing");
    artist.textContent = track ? (p.stream_title ? track.title : [track.artist, track.album].filter(Boolean).join(" · ")) : "";
    if (p?.stream_status === "reconnecting") artist.textContent = `${track.title} · ${t("stream_reconnecting")}`;
    where.textContent = track ? `${p.active_playlist_title ?? ""} · ${t("track_of", { index: p.track_index + 1, count: p.track_count })}` : "";
    const part = track ? p.chapter : null;
    chapter.hidden = !part;
    chapter.textContent = part ? chapterText(part) : "";
    const label = (button, key) => { button.setAttribute("aria-label", t(key)); button.title = t(key); };
    label(prev, part ? "previous_chapter" : "previous");
    label(next, part && part.index + 1 < part.count ? "next_chapter" : "next");
    if (track?.id !== coverTrack) {
      coverTrack = track?.id ?? null;
      if (coverTrack) { cover.alt = t("cover_of", { title: track.title }); cover.src = `/api/tracks/${encodeURIComponent(coverTrack)}/cover`; }
      else { cover.hidden = true; placeholder.hidden = false; cover.removeAttribute("src"); }
    }
    const playing = online && Boolean(p?.is_playing);
    play.replaceChildren(icon(playing ? "pause" : "play"));
    play.setAttribute("aria-label", playing ? t("pause") : t("play"));
    play.title = play.getAttribute("aria-label");
    const silentHours = Boolean(p?.quiet_hours_active) && (p?.max_volume ?? 100) === 0;
    play.disabled = !online || silentHours || Boolean(p?.daily_limit_reached && !p?.is_playing) || (!track && !store.playlists?.length);
    prev.disabled = !online || !p?.can_prev;
    next.disabled = !online || !p?.can_next;
    seek.disabled = !online || !track || p.source === "stream";
    for (const control of [volume, mute, repeat, shuffle, sleep, lock]) control.disabled = !online;
    const locked = Boolean(p?.toddler_lock);
    lock.textContent = locked ? t("lock_off") : t("lock_on");
    lock.setAttribute("aria-pressed", String(locked));
    lockState.textContent = locked ? t("lock_active") : "";
    limitState.hidden = !p?.daily_limit_reached;
    if (p?.daily_limit_reached) {
      replace(limitState, t("limit_reached"), isParent() ? [" ", h("button", { type: "button", id: "limit-extend", class: "small",
        onclick: () => post("player/listening/extend", { minutes: 15 }).catch((error) => toast(errorText(error), "error")) }, t("limit_extend"))] : []);
    }
    const max = p?.max_volume ?? 100;
    volume.max = max;
    if (document.activeElement !== volume) volume.value = Math.min(p?.volume ?? 0, max);
    volumeCap.textContent = p?.quiet_hours_active ? (max === 0 ? t("quiet_no_music") : t("quiet_active", { max }))
      : max < 100 ? t("volume_cap", { max }) : "";
    mute.replaceChildren(icon(p?.muted ? "muted" : "speaker"));
    mute.setAttribute("aria-label", p?.muted ? t("unmute") : t("mute"));
    mute.setAttribute("aria-pressed", String(Boolean(p?.muted)));
    const mode = p?.repeat_mode ?? "none";
    repeat.textContent = t(`repeat_${mode}`);
    repeat.setAttribute("aria-pressed", String(mode !== "none"));
    shuffle.textContent = p?.shuffle_enabled ? t("shuffle_on") : t("shuffle_off");
    shuffle.setAttribute("aria-pressed", String(Boolean(p?.shuffle_enabled)));
    const sleepMode = p?.sleep_timer_mode ?? "off";
    sleep.textContent = t("sleep_timer");
    sleep.setAttribute("aria-pressed", String(sleepMode !== "off"));
    sleepState.textContent = sleepMode === "minutes"
      ? t("sleep_ends", { time: clock(p.sleep_timer_ends_at) })
      : sleepMode === "off" ? "" : t(`sleep_${sleepMode}`);
  }

  let frame = 0;
  function tick() {
    const p = currentPosition();
    total.textContent = store.player?.source === "stream" ? t("stream_live") : duration(p.duration_ms);
    if (!seeking) {
      elapsed.textContent = duration(p.position_ms);
      seek.value = p.duration_ms ? Math.round((p.position_ms / p.duration_ms) * 1000) : 0;
      seek.setAttribute("aria-valuetext", `${duration(p.position_ms)} / ${duration(p.duration_ms)}`);
    }
    frame = requestAnimationFrame(tick);
  }

  showPlayer(store.player);
  const stopGuide = firstRun(root);
  const stops = [stopGuide, subscribe("player", showPlayer), subscribe("connection", () => showPlayer(store.player)),
    subscribe("playlists", () => showPlayer(store.player))];
  frame = requestAnimationFrame(tick);
  return () => { stops.forEach((stop) => stop()); cancelAnimationFrame(frame); clearTimeout(volumeTimer); };
}
