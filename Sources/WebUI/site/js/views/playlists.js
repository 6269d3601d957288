// Playlists: the list with covers (tap to play), and one playlist with its songs. In parent mode
// songs can be renamed, deleted, dragged (or moved with buttons) into order, moved to another
// playlist, and added by upload; the playlist's tag can be linked or unlinked.
import { t, duration, errorText } from "../strings.js";
import { store, subscribe, watchPlaylist } from "../store.js";
import { api, get, post, patch, del } from "../api.js";
import { firstRun } from "./firstrun.js";
import { h, icon, replace, toast, confirmAction, promptText, ask } from "../dom.js";
import { uploadPanel } from "./uploads.js";
import { streamPanel } from "./streams.js";
import { linkPanel } from "./links.js";
import { feedPanel } from "./feeds.js";
import { tagPanel } from "./tags.js";
import { chapterText } from "./now.js";

const fail = (error) => toast(errorText(error), "error");

function coverImage(url, title, className = "thumb") {
  if (!url) return h("div", { class: `${className} cover-empty`, "aria-hidden": "true" }, icon("note"));
  return h("img", { class: className, src: url, alt: t("cover_of", { title }), loading: "lazy", width: 64, height: 64 });
}

function countText(playlist) {
  const length = duration(playlist.total_duration_ms);
  return t("playlist_tracks", { count: playlist.track_count, duration: length });
}

export function playlistList(root, { parent }) {
  const list = h("ul", { class: "playlists", id: "playlist-list" });
  const form = parent ? h("form", { class: "inline-form", onsubmit: create },
    h("label", { class: "field grow" }, t("new_playlist_name"), h("input", { name: "title", required: true, maxLength: 200, id: "new-playlist" })),
    h("button", { type: "submit", class: "primary" }, t("create"))) : null;
  root.append(h("section", { "aria-labelledby": "playlists-heading" },
    h("h2", { id: "playlists-heading" }, t("playlists_title")), list, form));
  const stopGuide = firstRun(root);

  async function create(event) {
    event.preventDefault();
    const input = form.querySelector("input");
    try {
      const playlist = await post("playlists", { title: input.value.trim() });
      input.value = "";
      location.hash = `#/playlist/${encodeURIComponent(playlist.id)}`;
    } catch (error) { fail(error); }
  }

  function show(playlists) {
    if (!playlists) { replace(list, h("li", { class: "empty" }, t("loading"))); return; }
    if (!playlists.length) {
      replace(list, h("li", { class: "empty" }, t("playlists_empty"), parent ? ` ${t("playlists_empty_parent")}` : ""));
      return;
    }
    const playing = store.player?.active_playlist_id;
    replace(list, playlists.map((playlist) => h("li", { class: `playlist-row${playlist.id === playing ? " playing" : ""}`, "data-id": playlist.id },
      coverImage(playlist.cover_url, playlist.title),
      h("a", { class: "grow", href: `#/playlist/${encodeURIComponent(playlist.id)}` },
        h("strong", {}, playlist.title), h("span", { class: "hint" }, countText(playlist))),
      h("button", {
        type: "button", class: "round", "aria-label": t("play_playlist", { title: playlist.title }), title: t("play"),
        disabled: playlist.track_count === 0,
        onclick: () => post(`playlists/${encodeURIComponent(playlist.id)}/start`).then(() => { location.hash = "#/now"; }).catch(fail),
      }, icon("play")))));
  }

  show(store.playlists);
  const stops = [subscribe("playlists", show), subscribe("player", () => show(store.playlists)), stopGuide];
  return () => stops.forEach((stop) => stop());
}

export function playlistDetail(root, id, { parent }) {
  const heading = h("h2", { id: "playlist-heading" });
  const summary = h("p", { class: "hint" });
  // Where the playlist's tag would continue it (`continues_at` of GET /api/playlists/{id}).
  const continues = h("p", { class: "continues", id: "continues-at", hidden: true });
  const tracks = h("ol", { class: "tracks", id: "track-list" });
  const actions = h("div", { class: "toolbar" });
  const section = h("section", { "aria-labelledby": "playlist-heading" },
    h("a", { href: "#/playlists", class: "back" }, "‹ ", t("back_to_playlists")),
    h("div", { class: "playlist-head" }, h("div", {}, heading, summary, continues), actions));
  // Adding songs is what a parent comes here for: the upload area sits above the songs.
  const uploads = h("div", { id: "upload-slot" });
  section.append(uploads, tracks);
  root.append(section);
  const panels = [];
  if (parent) {
    panels.push(uploadPanel(uploads, id));
    panels.push(tagPanel(section, id));
    panels.push(linkPanel(section, id));
    panels.push(streamPanel(section, id));
    panels.push(feedPanel(section, id));
  }
  let current = null;

  const start = (index, positionMs) => post(`playlists/${encodeURIComponent(id)}/start`,
    index === undefined ? {} : positionMs ? { track_index: index, position_ms: positionMs } : { track_index: index }).catch(fail);
  let place = null;
  let placeTimer = null;

  // Asked again when playback stops or pauses (that is when a place is kept), not on every tick.
  function loadPlace() {
    clearTimeout(placeTimer);
    placeTimer = setTimeout(() => get(`playlists/${encodeURIComponent(id)}`).then((playlist) => {
      place = playlist.continues_at ?? null;
      if (current) showPlace(current);
    }).catch(() => {}), 300);
  }

  // Only the line and its button change: the songs are not drawn again (that would take the
  // keyboard's place away from a parent in the middle of an edit).
  const continueButton = h("button", { type: "button", id: "continue", hidden: true, onclick: () => place && start(place.track_index, place.position_ms) },
    icon("play"), t("continue"));
  function showPlace(playlist) {
    const track = place && playlist.tracks[place.track_index];
    const here = store.player?.active_playlist_id === id && store.player?.is_playing;
    continues.hidden = continueButton.hidden = !track || here;
    if (continues.hidden) return;
    const at = [track.title, place.chapter && chapterText(place.chapter), duration(place.position_ms)].filter(Boolean).join(" · ");
    replace(continues, t("continues_at", { place: at }));
  }

  function show(playlist) {
    if (playlist.id !== id) return;
    current = playlist;
    heading.textContent = playlist.title;
    summary.textContent = countText({ ...playlist, track_count: playlist.tracks.length });
    showPlace(playlist);
    replace(actions,
      continueButton,
      h("button", { type: "button", class: "primary", id: "play-all", disabled: !playlist.tracks.length, onclick: () => start(undefined) }, icon("play"), t("play_all")),
      parent && h("button", { type: "button", onclick: renamePlaylist }, t("rename")),
      parent && h("button", { type: "button", class: "danger", onclick: deletePlaylist }, t("delete_playlist")));
    if (!playlist.tracks.length) { replace(tracks, h("li", { class: "empty" }, t("tracks_empty"))); return; }
    const playingID = store.player?.active_track_id;
    // Re-drawn rows would drop the keyboard's place (after ↑/↓ it fell to the page): the same
    // control of the same track gets the focus back, or its other arrow when at an end now.
    const focused = document.activeElement?.closest?.("#track-list .track") ? document.activeElement : null;
    const place = focused && { id: focused.closest(".track").dataset.id, tool: focused.dataset.tool };
    replace(tracks, playlist.tracks.map((track, index) => trackRow(track, index, playlist.tracks.length, track.id === playingID)));
    if (place) {
      const row = [...tracks.children].find((item) => item.dataset.id === place.id);
      const tools = place.tool === "up" ? ["up", "down"] : place.tool === "down" ? ["down", "up"] : [place.tool];
      const target = tools.map((tool) => row?.querySelector(`[data-tool="${tool}"]`)).find((button) => button && !button.disabled);
      (target ?? row?.querySelector(".track-play"))?.focus();
    }
  }

  function trackRow(track, index, count, playing) {
    const row = h("li", { class: `track${playing ? " playing" : ""}`, "data-id": track.id, draggable: parent ? "true" : null },
      parent && h("span", { class: "handle", "aria-hidden": "true", title: t("drag_handle", { title: track.title }) }, "⋮⋮"),
      h("button", { type: "button", class: "track-play", "data-tool": "play", "aria-label": t("play_track", { title: track.title }), onclick: () => start(index) },
        // Its cover where it has one (the number is its place in the list either way).
        track.cover_url ? h("img", { class: "track-thumb", src: track.cover_url, alt: "", loading: "lazy", width: 40, height: 40 })
          : h("span", { class: "track-number" }, String(track.track_number)),
        h("span", { class: "grow track-name" }, h("strong", {}, track.title), track.artist ? h("span", { class: "hint" }, track.artist) : null),
        h("span", { class: track.kind === "stream" ? "time live" : "time" }, track.kind === "stream" ? t("stream_live") : duration(track.duration_ms))),
      parent && h("span", { class: "track-tools" },
        h("button", { type: "button", class: "small", "data-tool": "up", disabled: index === 0, "aria-label": t("move_up", { title: track.title }), onclick: () => moveWithin(track.id, index - 1) }, "↑"),
        h("button", { type: "button", class: "small", "data-tool": "down", disabled: index === count - 1, "aria-label": t("move_down", { title: track.title }), onclick: () => moveWithin(track.id, index + 1) }, "↓"),
        // The rarer edits fold behind one button, so a phone keeps each song on one row.
        h("details", { class: "track-more" },
          h("summary", { "data-tool": "more", "aria-label": t("track_more", { title: track.title }), title: t("track_more", { title: track.title }) }, "⋯"),
          h("span", { class: "track-more-menu" },
            h("button", { type: "button", class: "small", onclick: () => renameTrack(track) }, t("rename")),
            h("button", { type: "button", class: "small", onclick: () => moveElsewhere(track) }, t("move_to")),
            h("button", { type: "button", class: "small danger", onclick: () => deleteTrack(track) }, t("delete"))))),
      track.chapters?.length ? chapterList(track, index) : null);
    if (parent) {
      row.addEventListener("dragstart", (event) => { event.dataTransfer.setData("text/x-track", track.id); row.classList.add("dragging"); });
      row.addEventListener("dragend", () => row.classList.remove("dragging"));
      row.addEventListener("dragover", (event) => { if (event.dataTransfer.types.includes("text/x-track")) event.preventDefault(); });
      row.addEventListener("drop", (event) => {
        const dragged = event.dataTransfer.getData("text/x-track");
        if (!dragged) return;
        event.preventDefault();
        moveWithin(dragged, index);
      });
    }
    return row;
  }

  // An audiobook file's chapters, folded: tap one to play from its start.
  function chapterList(track, index) {
    return h("details", { class: "chapters" },
      h("summary", {}, t("chapters_count", { count: track.chapters.length })),
      h("ol", {}, track.chapters.map((part, number) => h("li", {},
        h("button", { type: "button", class: "chapter-play", "aria-label": t("play_chapter", { chapter: chapterText({ ...part, index: number, count: track.chapters.length }) }),
          onclick: () => start(index, part.start_ms) },
          h("span", { class: "grow" }, part.title || t("chapter_number", { index: number + 1 })),
          h("span", { class: "time" }, duration(part.start_ms)))))));
  }

  async function moveWithin(trackID, target) {
    const order = current.tracks.map((track) => track.id).filter((other) => other !== trackID);
    order.splice(target, 0, trackID);
    await post(`playlists/${encodeURIComponent(id)}/reorder`, { track_ids: order }).catch(fail);
  }

  async function renameTrack(track) {
    const title = await promptText(t("rename_track"), t("new_name"), track.title);
    if (title && title !== track.title) await patch(`playlists/${encodeURIComponent(id)}/tracks/${encodeURIComponent(track.id)}`, { title }).catch(fail);
  }

  async function deleteTrack(track) {
    if (await confirmAction(t("delete"), t("delete_track_confirm", { title: track.title }), t("delete"))) {
      await del(`playlists/${encodeURIComponent(id)}/tracks`, { track_ids: [track.id] }).catch(fail);
    }
  }

  async function moveElsewhere(track) {
    const others = (store.playlists ?? []).filter((playlist) => playlist.id !== id);
    const target = await ask({
      title: t("move_track_to", { title: track.title }),
      body: [h("label", { class: "field" }, t("nav_playlists"),
        h("select", { name: "target" }, others.map((playlist) => h("option", { value: playlist.id }, playlist.title))))],
      actions: [{ label: t("cancel") }, { label: t("move_to"), default: true, value: (d) => d.querySelector("select").value || null }],
    });
    if (target) await post("playlists/move-track", { track_id: track.id, target_playlist_id: target }).catch(fail);
  }

  async function renamePlaylist() {
    const title = await promptText(t("rename_playlist"), t("new_name"), current.title);
    if (title && title !== current.title) await patch(`playlists/${encodeURIComponent(id)}`, { title }).catch(fail);
  }

  async function deletePlaylist() {
    if (await confirmAction(t("delete_playlist"), t("delete_playlist_confirm", { title: current.title, count: current.tracks.length }), t("delete"))) {
      try { await api("DELETE", `playlists/${encodeURIComponent(id)}`); location.hash = "#/playlists"; } catch (error) { fail(error); }
    }
  }

  const stops = [
    subscribe("playlist", show),
    subscribe("player", (player) => { if (current) show(current); if (!player?.is_playing) loadPlace(); }),
    subscribe("playlist_deleted", (deleted) => { if (deleted === id) { toast(t("not_found")); location.hash = "#/playlists"; } }),
  ];
  if (store.playlist.has(id)) show(store.playlist.get(id));
  else get(`playlists/${encodeURIComponent(id)}`).then((playlist) => { if (!store.playlist.has(id)) show(playlist); }).catch((error) => {
    replace(tracks, h("li", { class: "empty" }, error.code === "not_found" ? t("not_found") : errorText(error)));
  });
  watchPlaylist(id);
  loadPlace();
  // One "⋯" menu open at a time; a tap elsewhere (or on one of its items) closes it.
  const closeMenus = (event) => {
    for (const menu of tracks.querySelectorAll(".track-more[open]")) {
      if (!menu.contains(event.target) || event.target.closest(".track-more-menu button")) menu.open = false;
    }
  };
  document.addEventListener("click", closeMenus);
  return () => {
    stops.forEach((stop) => stop()); panels.forEach((leave) => leave && leave()); watchPlaylist(null); clearTimeout(placeTimer);
    document.removeEventListener("click", closeMenus);
  };
}
