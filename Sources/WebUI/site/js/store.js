// What the page knows of the box, kept current from Socket.IO. Views subscribe to the parts
// they show. State events carry `server_seq`: one older than what a part already shows (a replay
// after a reconnect that a fresh snapshot has overtaken) is ignored, so nothing jumps back.

import { BoxSocket } from "./socket.js";
import { useSocketID } from "./api.js";

const listeners = new Map();
export const store = {
  connection: "connecting",
  player: null,
  position: null, // {position_ms, track_id, is_playing, duration_ms, at}
  playlists: null,
  playlist: new Map(), // id → full playlist
  nfc: null, // the current linking session's nfc_status (+ existing_playlist on duplicate)
  lastTag: null, // the last nfc:tag
  uploads: new Map(), // session_id → latest upload:progress
  epoch: null,
  serverSeq: 0,
  seen: new Map(), // part → server_seq it was last set at
};

export function subscribe(part, listener) {
  if (!listeners.has(part)) listeners.set(part, new Set());
  listeners.get(part).add(listener);
  return () => listeners.get(part).delete(listener);
}

function notify(part, value) {
  for (const listener of listeners.get(part) ?? []) {
    try { listener(value); } catch (error) { console.error(part, error); }
  }
}

export const socket = new BoxSocket();
const rooms = new Set(["playlists"]);

/** Keeps the page in the room of one playlist (or none), as the views need. */
export function watchPlaylist(id) {
  for (const room of rooms) {
    if (room.startsWith("playlist:") && room !== `playlist:${id}`) {
      rooms.delete(room);
      socket.emit("leave:playlist", { playlist_id: room.slice(9) }).catch(() => {});
    }
  }
  if (id && !rooms.has(`playlist:${id}`)) {
    rooms.add(`playlist:${id}`);
    return socket.emit("join:playlist", { playlist_id: id }).catch(() => {});
  }
  return Promise.resolve();
}

export function watchNFC(on) {
  if (on && !rooms.has("nfc")) { rooms.add("nfc"); socket.emit("join:nfc", {}).catch(() => {}); }
  if (!on && rooms.has("nfc")) { rooms.delete("nfc"); socket.emit("leave:nfc", {}).catch(() => {}); }
}

/** Applies a `state:*` envelope unless that part already shows something newer. */
function fresh(part, envelope) {
  if (envelope.server_epoch && envelope.server_epoch !== store.epoch) {
    store.epoch = envelope.server_epoch;
    store.seen.clear();
  }
  const seq = envelope.server_seq ?? 0;
  store.serverSeq = Math.max(store.serverSeq, seq);
  if ((store.seen.get(part) ?? -1) > seq) return false;
  store.seen.set(part, seq);
  return true;
}

function setConnection(value) {
  store.connection = value;
  notify("connection", value);
}

socket.on("connect", async ({ reconnected }) => {
  useSocketID(socket.id);
  setConnection("connected");
  const lastSeq = store.serverSeq, lastEpoch = store.epoch;
  for (const room of rooms) {
    // Deltas: a change of one playlist comes as that playlist alone (state:playlist_updated).
    if (room === "playlists") await socket.emit("join:playlists", { deltas: true }).catch(() => {});
    else if (room === "nfc") await socket.emit("join:nfc", {}).catch(() => {});
    else await socket.emit("join:playlist", { playlist_id: room.slice(9) }).catch(() => {});
  }
  if (reconnected && lastEpoch) {
    // Events missed while away (the joins brought snapshots; replays older than them are skipped).
    socket.emit("sync:request", { last_global_seq: lastSeq, server_epoch: lastEpoch, deltas: true }).catch(() => {});
  }
});
socket.on("disconnect", () => {
  // The clock stops where the box was last known to be (currentPosition, still connected).
  if (store.position) { store.position = { ...currentPosition(), is_playing: false, at: performance.now() }; notify("position", store.position); }
  setConnection("offline");
});
socket.on("connection_status", (status) => {
  if (status.server_epoch && status.server_epoch !== store.epoch && store.epoch) store.seen.clear();
});

socket.on("state:player", (envelope) => {
  if (!fresh("player", envelope)) return;
  store.player = envelope.data;
  const p = envelope.data;
  store.position = { position_ms: p.position_ms, track_id: p.active_track_id, is_playing: p.is_playing, duration_ms: p.duration_ms, at: performance.now() };
  notify("player", store.player);
  notify("position", store.position);
});
socket.on("state:track_position", (envelope) => {
  const data = envelope.data ?? envelope;
  store.position = { ...data, at: performance.now() };
  notify("position", store.position);
});
socket.on("state:playlists", (envelope) => {
  if (!fresh("playlists", envelope)) return;
  store.playlists = envelope.data.playlists;
  notify("playlists", store.playlists);
});
/** The box's order: by position, then by when they were made. */
function sortPlaylists(list) {
  return list.sort((a, b) => a.position - b.position || a.created_at - b.created_at);
}
socket.on("state:playlist_updated", (envelope) => {
  const playlist = envelope.data.playlist;
  if (!store.playlists || !fresh("playlists", envelope)) return;
  store.playlists = sortPlaylists([...store.playlists.filter((p) => p.id !== playlist.id), playlist]);
  notify("playlists", store.playlists);
});
socket.on("state:playlist", (envelope) => {
  const playlist = envelope.data;
  if (!fresh(`playlist:${playlist.id}`, envelope)) return;
  store.playlist.set(playlist.id, playlist);
  notify("playlist", playlist);
});
socket.on("state:track", (envelope) => {
  const track = envelope.data;
  const playlist = store.playlist.get(track.playlist_id);
  if (!playlist || !fresh(`playlist:${track.playlist_id}`, envelope)) return;
  playlist.tracks = playlist.tracks.map((t) => (t.id === track.id ? track : t));
  notify("playlist", playlist);
});
socket.on("state:playlist_deleted", (envelope) => {
  const id = (envelope.data ?? envelope).playlist_id;
  store.playlist.delete(id);
  // Out of the collection too, closing the gap in positions as the box does.
  const removed = store.playlists?.find((p) => p.id === id);
  if (removed && fresh("playlists", envelope)) {
    store.playlists = store.playlists.filter((p) => p.id !== id)
      .map((p) => (p.position > removed.position ? { ...p, position: p.position - 1 } : p));
    notify("playlists", store.playlists);
  }
  notify("playlist_deleted", id);
});
socket.on("nfc_status", (status) => {
  store.nfc = { ...store.nfc, ...status };
  if (status.state !== "duplicate") delete store.nfc.existing_playlist;
  notify("nfc", store.nfc);
});
socket.on("nfc_association_state", (state) => {
  if (!store.nfc || state.existing_playlist === undefined) return;
  store.nfc = { ...store.nfc, existing_playlist: state.existing_playlist };
  notify("nfc", store.nfc);
});
socket.on("nfc:tag", (envelope) => {
  store.lastTag = envelope.data ?? envelope;
  notify("tag", store.lastTag);
});
for (const name of ["upload:progress", "upload:complete", "upload:error", "youtube:progress", "youtube:complete", "youtube:error"]) {
  socket.on(name, (event) => notify(name, event));
}

/** The position now: the last tick moved on by the time since, while playing. */
export function currentPosition() {
  const p = store.position;
  if (!p) return { position_ms: 0, duration_ms: 0 };
  const moved = p.is_playing ? performance.now() - p.at : 0;
  return { ...p, position_ms: Math.min(p.duration_ms || Infinity, p.position_ms + moved) };
}

export function start() {
  setConnection("connecting");
  socket.connect();
}
