import HTTPTypes

/// Every operation of the box, with who may call it. Route files register their handlers by these
/// values (``OperationRoutes``), the Socket.IO gateway its events (``RealtimeGateway``), the OpenAPI
/// test compares the document with this list, and the access test calls each entry with every
/// kind of wrong credential. A route or event outside this list cannot be registered.
extension APIOperation {
    // MARK: System
    static let health = APIOperation("system.health", .open, .get, "api/health")
    static let systemInfo = APIOperation("system.info", .open, .get, "api/system/info")
    static let systemLogs = APIOperation("system.logs", .parent, .get, "api/system/logs")
    static let trySound = APIOperation("system.sound", .parent, .post, "api/system/sounds/:cue")
    static let shutdown = APIOperation("system.shutdown", .parent, .post, "api/system/shutdown")

    // MARK: Parent PIN and logins (login and the PIN routes check the PIN themselves)
    static let authStatus = APIOperation("auth.status", .open, .get, "api/auth/status")
    static let login = APIOperation("auth.login", .open, .post, "api/auth/login")
    static let logout = APIOperation("auth.logout", .open, .post, "api/auth/logout")
    static let setPIN = APIOperation("auth.pin.set", .open, .post, "api/auth/pin")
    static let removePIN = APIOperation("auth.pin.remove", .open, .delete, "api/auth/pin")
    static let listTokens = APIOperation("auth.tokens.list", .parent, .get, "api/auth/tokens")
    static let revokeToken = APIOperation("auth.tokens.revoke", .parent, .delete, "api/auth/tokens/:token_id")

    // MARK: Playlists and tracks
    static let listPlaylists = APIOperation("playlists.list", .open, .get, "api/playlists")
    static let createPlaylist = APIOperation("playlist.create", .parent, .post, "api/playlists", event: "playlist:create")
    static let getPlaylist = APIOperation("playlist.get", .open, .get, "api/playlists/:id")
    static let replacePlaylist = APIOperation("playlist.replace", .parent, .put, "api/playlists/:id")
    static let updatePlaylist = APIOperation("playlist.update", .parent, .patch, "api/playlists/:id", event: "playlist:update")
    static let deletePlaylist = APIOperation("playlist.delete", .parent, .delete, "api/playlists/:id", event: "playlist:delete")
    static let startPlaylist = APIOperation("playlist.start", .playback, .post, "api/playlists/:id/start", mqtt: "playlist")
    static let moveTrack = APIOperation("track.move", .parent, .post, "api/playlists/move-track")
    static let reorderTracks = APIOperation("playlist.reorder", .parent, .post, "api/playlists/:id/reorder")
    static let deleteTracks = APIOperation("tracks.delete", .parent, .delete, "api/playlists/:id/tracks")
    static let addStream = APIOperation("stream.add", .parent, .post, "api/playlists/:id/streams")
    static let addLink = APIOperation("link.add", .parent, .post, "api/playlists/:id/links")
    static let listLinks = APIOperation("link.list", .parent, .get, "api/playlists/:id/links")
    static let followFeed = APIOperation("feed.follow", .parent, .put, "api/playlists/:id/feed")
    static let getFeed = APIOperation("feed.get", .open, .get, "api/playlists/:id/feed")
    static let refreshFeed = APIOperation("feed.refresh", .parent, .post, "api/playlists/:id/feed/refresh")
    static let unfollowFeed = APIOperation("feed.unfollow", .parent, .delete, "api/playlists/:id/feed")
    static let cancelLink = APIOperation("link.cancel", .parent, .delete, "api/playlists/:id/links/:task_id")
    static let updateTrack = APIOperation("track.update", .parent, .patch, "api/playlists/:id/tracks/:track_id")
    static let trackCover = APIOperation("track.cover", .open, .get, "api/tracks/:track_id/cover")
    static let trackAudio = APIOperation("track.audio", .open, .get, "api/tracks/:track_id/audio")
    static let playlistCover = APIOperation("playlist.cover", .open, .get, "api/playlists/:id/cover")

    // MARK: Uploads (parents add songs)
    static let startUpload = APIOperation("upload.start", .parent, .post, "api/playlists/:id/uploads/session")
    static let putChunk = APIOperation("upload.chunk", .parent, .put, "api/playlists/:id/uploads/:session_id/chunks/:index")
    static let uploadStatus = APIOperation("upload.status", .parent, .get, "api/playlists/:id/uploads/:session_id")
    static let finalizeUpload = APIOperation("upload.finalize", .parent, .post, "api/playlists/:id/uploads/:session_id/finalize")
    static let cancelUpload = APIOperation("upload.cancel", .parent, .delete, "api/playlists/:id/uploads/:session_id")
    static let listUploads = APIOperation("uploads.list", .parent, .get, "api/uploads")
    static let cancelAllUploads = APIOperation("uploads.cancel_all", .parent, .delete, "api/uploads")

    // MARK: Player
    static let playerStatus = APIOperation("player.status", .open, .get, "api/player/status")
    static let play = APIOperation("player.play", .playback, .post, "api/player/play", event: "player:play", mqtt: "play")
    static let pause = APIOperation("player.pause", .playback, .post, "api/player/pause", event: "player:pause", mqtt: "pause")
    static let toggle = APIOperation("player.toggle", .playback, .post, "api/player/toggle", event: "player:toggle", mqtt: "toggle")
    static let stop = APIOperation("player.stop", .playback, .post, "api/player/stop", event: "player:stop", mqtt: "stop")
    static let next = APIOperation("player.next", .playback, .post, "api/player/next", event: "player:next", mqtt: "next")
    static let previous = APIOperation("player.previous", .playback, .post, "api/player/previous", event: "player:previous", mqtt: "previous")
    static let seek = APIOperation("player.seek", .playback, .post, "api/player/seek", event: "player:seek")
    static let volume = APIOperation("player.volume", .playback, .post, "api/player/volume", event: "player:volume", mqtt: "volume")
    static let repeatMode = APIOperation("player.repeat", .playback, .post, "api/player/repeat", event: "player:repeat")
    static let shuffle = APIOperation("player.shuffle", .playback, .post, "api/player/shuffle", event: "player:shuffle")
    static let sleep = APIOperation("player.sleep", .playback, .post, "api/player/sleep", event: "player:sleep", mqtt: "sleep")

    // MARK: Reached by MQTT alone (the smart home: `<base>/cmd/<name>`)
    static let volumeStep = APIOperation("player.volume_step", .playback, mqtt: "volume_step")
    static let stopAfterTrack = APIOperation("player.stop_after_track", .playback, mqtt: "stop_after_track")
    static let playTag = APIOperation("tag.play", .playback, mqtt: "tag")

    // MARK: Settings
    static let getSettings = APIOperation("settings.get", .open, .get, "api/settings")
    static let replaceSettings = APIOperation("settings.replace", .parent, .put, "api/settings")
    static let updateSettings = APIOperation("settings.update", .parent, .patch, "api/settings")
    /// The smart home's broker: parents only, even to read (the broker login is in it).
    static let getMQTTSettings = APIOperation("settings.mqtt.get", .parent, .get, "api/settings/mqtt")
    static let updateMQTTSettings = APIOperation("settings.mqtt.update", .parent, .patch, "api/settings/mqtt")

    // MARK: Tags
    static let linkTag = APIOperation("nfc.link", .parent, .post, "api/nfc/associate")
    static let unlinkTag = APIOperation("nfc.unlink", .parent, .delete, "api/nfc/associate/:tag_id")
    static let readerStatus = APIOperation("nfc.status", .open, .get, "api/nfc/status")
    static let startLinking = APIOperation("nfc.session.start", .parent, .post, "api/nfc/scan", event: "start_nfc_link")
    static let stopLinking = APIOperation("nfc.session.stop", .parent, .delete, "api/nfc/session/:assoc_id", event: "stop_nfc_link")
    static let overrideTag = APIOperation("nfc.override", .parent, event: "override_nfc_tag")
    /// Command tags and the toddler lock: parents only (a child must not unlock from a phone).
    static let listCommandTags = APIOperation("nfc.commands.list", .parent, .get, "api/nfc/commands")
    static let linkCommandTag = APIOperation("nfc.commands.link", .parent, .post, "api/nfc/commands")
    static let unlinkCommandTag = APIOperation("nfc.commands.unlink", .parent, .delete, "api/nfc/commands/:tag_id")
    static let toddlerLock = APIOperation("player.toddler_lock", .parent, .post, "api/player/toddler_lock")
    /// The daily listening limit: anyone may see what is left; parents add minutes.
    static let listening = APIOperation("player.listening", .open, .get, "api/player/listening")
    static let extendListening = APIOperation("player.listening.extend", .parent, .post, "api/player/listening/extend")

    // MARK: Buttons
    static let buttonMap = APIOperation("controls.map", .open, .get, "api/controls")

    // MARK: Real-time rooms and utilities (Socket.IO only; what they show, GET shows to anyone too)
    static let joinPlaylists = APIOperation("rooms.join.playlists", .open, event: "join:playlists")
    static let joinNFC = APIOperation("rooms.join.nfc", .open, event: "join:nfc")
    static let joinPlaylist = APIOperation("rooms.join.playlist", .open, event: "join:playlist")
    static let leavePlaylists = APIOperation("rooms.leave.playlists", .open, event: "leave:playlists")
    static let leaveNFC = APIOperation("rooms.leave.nfc", .open, event: "leave:nfc")
    static let leavePlaylist = APIOperation("rooms.leave.playlist", .open, event: "leave:playlist")
    static let syncRequest = APIOperation("rooms.sync", .open, event: "sync:request")
    static let currentState = APIOperation("player.current", .open, event: "client:request_current_state")
    static let clientPing = APIOperation("client.ping", .open, event: "client_ping")
    static let healthCheck = APIOperation("system.health_check", .open, event: "health_check")

    // MARK: Simulated hardware (never on a real box; parents only once a PIN is set)
    static let devStall = APIOperation("dev.stall", .parent, .post, "api/dev/stall", development: true)
    static let devSounds = APIOperation("dev.sounds", .parent, .get, "api/dev/sounds", development: true)
    static let devPlaceTag = APIOperation("dev.nfc.place", .parent, .post, "api/dev/nfc/place", development: true)
    static let devRemoveTag = APIOperation("dev.nfc.remove", .parent, .post, "api/dev/nfc/remove", development: true)
    static let devPress = APIOperation("dev.controls.press", .parent, .post, "api/dev/controls/press", development: true)
}

public enum OperationTable {
    public static let all: [APIOperation] = [
        .health, .systemInfo, .systemLogs, .trySound, .shutdown,
        .authStatus, .login, .logout, .setPIN, .removePIN, .listTokens, .revokeToken,
        .listPlaylists, .createPlaylist, .getPlaylist, .replacePlaylist, .updatePlaylist, .deletePlaylist, .startPlaylist,
        .moveTrack, .reorderTracks, .deleteTracks, .updateTrack, .addStream, .addLink, .listLinks, .cancelLink, .followFeed, .getFeed, .refreshFeed, .unfollowFeed, .trackCover, .trackAudio, .playlistCover,
        .startUpload, .putChunk, .uploadStatus, .finalizeUpload, .cancelUpload, .listUploads, .cancelAllUploads,
        .playerStatus, .play, .pause, .toggle, .stop, .next, .previous, .seek, .volume, .repeatMode, .shuffle, .sleep,
        .volumeStep, .stopAfterTrack, .playTag,
        .getSettings, .replaceSettings, .updateSettings, .getMQTTSettings, .updateMQTTSettings,
        .linkTag, .unlinkTag, .readerStatus, .startLinking, .stopLinking, .overrideTag,
        .listCommandTags, .linkCommandTag, .unlinkCommandTag, .toddlerLock, .listening, .extendListening,
        .buttonMap,
        .joinPlaylists, .joinNFC, .joinPlaylist, .leavePlaylists, .leaveNFC, .leavePlaylist, .syncRequest, .currentState,
        .clientPing, .healthCheck,
        .devStall, .devSounds, .devPlaceTag, .devRemoveTag, .devPress,
    ]

    /// The operation an HTTP route belongs to ("METHOD /path", as the router lists it).
    public static func operation(route: String) -> APIOperation? { all.first { $0.route?.description == route } }

    /// The methods declared for a concrete path (`/api/playlists/3f…`), in the table's order; empty
    /// when no route has that shape. The answer to an undeclared method names them (405, `Allow`).
    /// Simulated hardware's routes are left out: where they are not served they do not exist.
    public static func methods(forPath path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var methods: [String] = []
        for operation in all {
            guard let route = operation.route, !operation.isDevelopment, !methods.contains("\(route.method)") else { continue }
            let pattern = route.path.split(separator: "/", omittingEmptySubsequences: false)
            guard pattern.count == segments.count else { continue }
            if zip(pattern, segments).allSatisfy({ $0.hasPrefix(":") ? !$1.isEmpty : $0 == $1 }) { methods.append("\(route.method)") }
        }
        return methods
    }

    /// The operation a Socket.IO event belongs to.
    public static func operation(event: String) -> APIOperation? { all.first { $0.event == event } }
}
