// Player commands (CONTRACT §7 `/api/player/...`). Each returns the player state after it.
// A command that finds nothing to do (pausing what is paused) succeeds and changes nothing,
// so it publishes no event; one that cannot be done (next after the last track) is a `conflict`.

/// Plays a playlist from one of its tracks (the first by default).
public struct PlayPlaylist: PlayerCommand {
    public var playlistID: PlaylistID
    /// 0-based index in the playlist's own order.
    public var trackIndex: Int?
    public var positionMs: Int64?

    public init(playlistID: PlaylistID, trackIndex: Int? = nil, positionMs: Int64? = nil) {
        self.playlistID = playlistID
        self.trackIndex = trackIndex
        self.positionMs = positionMs
    }

    public func run(in context: inout CommandContext) throws -> PlayerState {
        guard let detail = context.library.playlist(playlistID) else { throw BoxError.playlistNotFound(playlistID) }
        guard !detail.tracks.isEmpty else {
            throw BoxError(.conflict, "The playlist \"\(detail.summary.title)\" has no tracks yet.", details: ["playlist_id": playlistID.description])
        }
        let start = trackIndex ?? 0
        guard detail.tracks.indices.contains(start) else {
            throw BoxError.validation(field: "track_index", "track_index must be from 0 to \(detail.tracks.count - 1).")
        }
        let position = try PositionRule.check(positionMs ?? 0, duration: detail.tracks[start].durationMs)
        context.player.playlist = detail.summary
        context.player.order = detail.tracks
        context.player.index = start
        if context.player.shuffle { context.player.setShuffle(true, tracks: detail.tracks) }
        context.player.load(index: context.player.index, at: position, playing: true, on: context.engine)
        return context.playerState
    }
}

/// Plays: resumes when paused, restarts the loaded track when stopped.
/// Plays what is loaded; with nothing loaded (after a restart, a stop), continues the playlist
/// left most recently, as its tag would, so the play button always does something a child hears.
public struct Play: PlayerCommand {
    public init() {}
    public func run(in context: inout CommandContext) throws -> PlayerState {
        guard context.player.current != nil else {
            if let last = try context.latestResumePoint(), let detail = context.library.playlist(last.playlistID), !detail.tracks.isEmpty {
                _ = try ContinuePlaylist(detail: detail).start(in: &context, behaviour: TagBehaviour.current(context.store))
                return context.playerState
            }
            throw BoxError(.conflict, "Nothing to play: choose a playlist first.", details: ["reason": "nothing_loaded"])
        }
        context.player.resume(on: context.engine)
        return context.playerState
    }
}

public struct Pause: PlayerCommand {
    public init() {}
    public func run(in context: inout CommandContext) throws -> PlayerState {
        context.player.pause(on: context.engine)
        return context.playerState
    }
}

/// Pauses when playing, plays otherwise (the big button).
public struct TogglePlayback: PlayerCommand {
    public init() {}
    public func run(in context: inout CommandContext) throws -> PlayerState {
        if context.player.status == .playing { return try Pause().run(in: &context) }
        return try Play().run(in: &context)
    }
}

public struct Stop: PlayerCommand {
    public init() {}
    public func run(in context: inout CommandContext) throws -> PlayerState {
        context.player.stop(on: context.engine)
        return context.playerState
    }
}

/// Goes to the next chapter of an audiobook file, or (in its last chapter, and in every other
/// file) to the next track.
public struct NextTrack: PlayerCommand {
    public init() {}
    public func run(in context: inout CommandContext) throws -> PlayerState {
        let player = context.player
        let heard = player.status == .playing ? context.engine.position() : player.positionMs
        if let chapter = Chapters.next(in: player.chapters, from: heard) {
            context.player.seek(to: chapter, on: context.engine)
            return context.playerState
        }
        guard let next = player.followingIndex else { throw BoxError(.conflict, "There is no next track.") }
        context.player.load(index: next, at: 0, playing: player.status != .paused, on: context.engine)
        return context.playerState
    }
}

/// Goes to the previous track, or restarts the current one when more than 3 s have played
/// (as every music player does). In an audiobook file the same is done with its chapters; from
/// the start of its first chapter "previous" goes to the previous file's last chapter.
public struct PreviousTrack: PlayerCommand {
    public static let restartThresholdMs: Int64 = 3000
    public init() {}
    public func run(in context: inout CommandContext) throws -> PlayerState {
        let player = context.player
        guard player.current != nil else { throw BoxError(.conflict, "Nothing is playing.") }
        let heard = player.status == .playing ? context.engine.position() : player.positionMs
        if let chapter = Chapters.previous(in: player.chapters, from: heard) {
            context.player.seek(to: chapter, on: context.engine)
        } else if heard <= Self.restartThresholdMs, let previous = player.precedingIndex {
            let lastChapter = player.order[previous].chapters.last?.startMs ?? 0
            context.player.load(index: previous, at: lastChapter, playing: player.status != .paused, on: context.engine)
        } else {
            context.player.seek(to: 0, on: context.engine)
        }
        return context.playerState
    }
}

public struct Seek: PlayerCommand {
    public var positionMs: Int64
    public init(positionMs: Int64) { self.positionMs = positionMs }
    public func run(in context: inout CommandContext) throws -> PlayerState {
        guard let track = context.player.current else { throw BoxError(.conflict, "Nothing is playing.") }
        guard !track.source.isLive else {
            throw BoxError(.conflict, "A live stream cannot be wound forward or back.", details: ["reason": "live_stream"])
        }
        let position = try PositionRule.check(positionMs, duration: track.durationMs)
        context.player.seek(to: position, on: context.engine)
        return context.playerState
    }
}

/// Sets the volume (0–100) and/or mute. Above the parents' `max_volume` the volume is capped, not refused.
public struct SetVolume: PlayerCommand {
    public var volume: Int?
    public var muted: Bool?
    public init(volume: Int? = nil, muted: Bool? = nil) {
        self.volume = volume
        self.muted = muted
    }
    public func run(in context: inout CommandContext) throws -> PlayerState {
        guard volume != nil || muted != nil else { throw BoxError.validation(field: "volume", "Give a volume, muted, or both.") }
        if let volume {
            guard (0...100).contains(volume) else { throw BoxError.validation(field: "volume", "volume must be from 0 to 100.") }
            context.player.volume = context.player.allowedVolume(volume)
        }
        if let muted { context.player.muted = muted }
        context.engine.setVolume(context.player.volume, muted: context.player.muted)
        return context.playerState
    }
}

/// Turns the volume up or down by `step` (a button or the encoder), within `min_volume` and `max_volume`;
/// turning it up also unmutes.
public struct ChangeVolume: PlayerCommand {
    public var step: Int
    public init(by step: Int) { self.step = step }
    public func run(in context: inout CommandContext) throws -> PlayerState {
        context.player.volume = context.player.allowedVolume(context.player.volume + step)
        if step > 0 { context.player.muted = false }
        context.engine.setVolume(context.player.volume, muted: context.player.muted)
        return context.playerState
    }
}

public struct SetRepeatMode: PlayerCommand {
    public var mode: RepeatMode
    public init(mode: RepeatMode) { self.mode = mode }
    public func run(in context: inout CommandContext) throws -> PlayerState {
        context.player.repeatMode = mode
        return context.playerState
    }
}

public struct SetShuffle: PlayerCommand {
    public var enabled: Bool
    public init(enabled: Bool) { self.enabled = enabled }
    public func run(in context: inout CommandContext) throws -> PlayerState {
        guard enabled != context.player.shuffle else { return context.playerState }
        let tracks = context.player.playlist.flatMap { context.library.playlist($0.id)?.tracks } ?? []
        context.player.setShuffle(enabled, tracks: tracks)
        return context.playerState
    }
}

/// The engine played the last frame of a track: go on as the repeat mode says.
/// A report about a track that is no longer current (the child pressed "next" meanwhile) is ignored.
public struct TrackFinished: PlayerCommand {
    public var trackID: TrackID
    public init(trackID: TrackID) { self.trackID = trackID }
    public func run(in context: inout CommandContext) throws -> PlayerState {
        let player = context.player
        guard player.status == .playing, player.current?.id == trackID else { return context.playerState }
        // The decision the engine was given ahead (prepareNext): the same one, made in one place.
        switch player.afterCurrent {
        case .play(let next):
            // Loading at 0 what the engine already went on into changes nothing there.
            context.player.load(index: next, at: 0, playing: true, on: context.engine)
        case .holdPaused(let next):
            context.player.sleepTimer = nil
            context.player.load(index: next, at: 0, playing: false, on: context.engine)
        case .stop:
            context.player.sleepTimer = nil
            context.player.stop(on: context.engine)
            context.player.index = 0
        }
        return context.playerState
    }
}

/// The output device went away: pause where the listener was, to resume when it returns.
public struct OutputLost: PlayerCommand {
    public init() {}
    public func run(in context: inout CommandContext) throws -> PlayerState {
        if context.player.status == .playing {
            context.player.pause(on: context.engine)
            context.player.heldByLostOutput = true
        }
        return context.playerState
    }
}

/// The output device is back: resume what its loss paused (and nothing a person paused).
public struct OutputRestored: PlayerCommand {
    public init() {}
    public func run(in context: inout CommandContext) throws -> PlayerState {
        if context.player.heldByLostOutput { context.player.resume(on: context.engine) }
        return context.playerState
    }
}

enum PositionRule {
    static func check(_ positionMs: Int64, duration: Int64) throws -> Int64 {
        guard positionMs >= 0 else { throw BoxError.validation(field: "position_ms", "position_ms must not be negative.") }
        guard duration <= 0 || positionMs <= duration else {
            throw BoxError.validation(field: "position_ms", "position_ms is past the end of the track (\(duration) ms).")
        }
        return positionMs
    }
}

/// A live stream dropped or came back (the engine's report): `state:player` says so.
struct StreamConnectionChanged: PlayerCommand {
    var trackID: TrackID
    var connected: Bool
    func run(in context: inout CommandContext) throws -> PlayerState {
        context.player.streamConnected(connected, of: trackID)
        return context.playerState
    }
}

/// Playback reached a chapter's start (the state manager's watch, at the time the next chapter
/// was due): `state:player` shows the chapter it is in now. A report about a track no longer
/// playing is ignored.
struct ChapterReached: PlayerCommand {
    var trackID: TrackID
    func run(in context: inout CommandContext) throws -> PlayerState {
        guard context.player.status == .playing, context.player.current?.id == trackID else { return context.playerState }
        context.player.placeChapter(at: context.engine.position())
        return context.playerState
    }
}

/// A live stream's ICY title changed (the engine's report): `state:player` shows it.
struct StreamTitleChanged: PlayerCommand {
    var trackID: TrackID
    var title: String?
    func run(in context: inout CommandContext) throws -> PlayerState {
        context.player.streamSays(title, of: trackID)
        return context.playerState
    }
}
