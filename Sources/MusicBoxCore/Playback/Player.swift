/// The player as the state manager keeps it: what is loaded, in which order, and how it plays.
///
/// A plain value owned by the state manager. Player commands change it and drive the
/// ``PlaybackEngine`` to match; the manager compares it before and after each command and
/// publishes `state:player` when it changed. `positionMs` is where playback stood at the last
/// change; the live position comes from the engine.
public struct Player: Sendable, Equatable {
    public var status: PlaybackStatus = .stopped
    public var playlist: PlaylistSummary?
    /// The playlist's tracks in play order (shuffled when `shuffle` is on).
    public var order: [Track] = []
    public var index = 0
    public var positionMs: Int64 = 0
    public var volume = 50
    /// The parents' cap (`max_volume`).
    public var parentMaxVolume = 100
    /// The quiet-hours cap while the window lasts (0: no playback).
    public var quietCap: Int?
    /// The volume the window turned down, to give back when it ends.
    public var quietVolume: QuietVolume?
    /// The cap in force: the parents', lowered during quiet hours. Setting it sets the parents'.
    public var maxVolume: Int {
        get { min(parentMaxVolume, quietCap ?? 100) }
        set { parentMaxVolume = newValue }
    }
    /// The parents' floor (`min_volume`): kids turn the box to 0 and think it is broken. The cap
    /// wins where they meet (quiet hours at 0 mean silence).
    public var parentMinVolume = 0
    /// The lowest volume allowed now.
    public var minVolume: Int { min(parentMinVolume, maxVolume) }
    /// `volume` within the floor and the cap: the one rule every volume change goes through.
    public func allowedVolume(_ volume: Int) -> Int { min(max(volume, minVolume), maxVolume) }
    /// When it last stopped playing (`nil` while playing); kept by the state manager, for
    /// ``VolumeGuard/resetAfterIdleMs``.
    public var silentSince: EpochMillis?
    public var muted = false
    /// The buttons are locked (``ToddlerLock``).
    public var toddlerLocked = false
    /// Today's listening minutes are used up (``DailyLimit``): nothing starts.
    public var dailyLimitReached = false
    public var repeatMode = RepeatMode.none
    public var shuffle = false
    public var sleepTimer: SleepTimer?
    /// Paused because the output device went away, so its return resumes playback. Any other
    /// transition (a person pressing play, pause or stop meanwhile) clears it: their choice wins.
    public internal(set) var heldByLostOutput = false
    /// What the live stream playing says it plays (its ICY title); cleared by any load.
    public internal(set) var streamTitle: String?
    /// The live stream playing dropped and is being reconnected; cleared by any load.
    public internal(set) var streamReconnecting = false
    /// The chapter of the current file playback was in at the last change (`nil`: a file without
    /// chapters). Playing on into the next chapter is a change the state manager makes when the
    /// chapter's start is reached (``ChapterReached``), so clients hear of it.
    public internal(set) var chapterIndex: Int?

    public init() {}

    public var current: Track? { order.indices.contains(index) ? order[index] : nil }

    /// Where playback goes when the current track ends, decided here once: the engine is told
    /// the track ahead of time (``PlaybackEngine/prepareNext(_:)``, gapless) and ``TrackFinished``
    /// follows the same decision.
    public enum Continuation: Sendable, Equatable {
        /// Play the track at this index of the order.
        case play(Int)
        /// The sleep timer ends it here: hold this track paused at its start.
        case holdPaused(Int)
        /// Stop, back at the first track (end of the playlist, or the sleep timer).
        case stop
    }

    /// What happens after the current track, by the repeat mode and the sleep timer.
    public var afterCurrent: Continuation {
        guard current != nil else { return .stop }
        switch sleepTimer {
        case .endOfTrack?:
            if repeatMode == .one { return .holdPaused(index) }
            return followingIndex.map(Continuation.holdPaused) ?? .stop
        case .endOfPlaylist? where index + 1 >= order.count || repeatMode == .one:
            return .stop
        default:
            if repeatMode == .one { return .play(index) }
            return followingIndex.map(Continuation.play) ?? .stop
        }
    }

    /// What plays after the current track ends without a pause (`nil`: playback does not go on).
    public var upcoming: Track? {
        if case .play(let next) = afterCurrent { return order[next] }
        return nil
    }

    /// The track "next" goes to: the following one, or the first after the last with repeat all.
    public var followingIndex: Int? {
        guard !order.isEmpty else { return nil }
        if index + 1 < order.count { return index + 1 }
        return repeatMode == .all ? 0 : nil
    }

    /// The track "previous" goes to: the one before, or the last before the first with repeat all.
    public var precedingIndex: Int? {
        guard !order.isEmpty else { return nil }
        if index > 0 { return index - 1 }
        return repeatMode == .all ? order.count - 1 : nil
    }

    /// Whether "next" has somewhere to go: a later chapter of this file, or a following track.
    public var canNext: Bool {
        if let chapterIndex, let current, chapterIndex + 1 < current.chapters.count { return true }
        return followingIndex != nil
    }

    /// The current file's chapters (empty for most files and every stream).
    public var chapters: [Chapter] { current?.chapters ?? [] }

    /// Brings ``chapterIndex`` in line with a position of the current track.
    mutating func placeChapter(at positionMs: Int64) {
        chapterIndex = Chapters.index(in: chapters, at: positionMs)
    }
    /// Whether "previous" does something: it goes to the track before, or restarts the current
    /// one (on the first track too, so a child can start the first song again).
    public var canPrev: Bool { current != nil }

    /// The contract's `state:player`, with the position given (live from the engine while playing).
    public func state(positionMs live: Int64) -> PlayerState {
        PlayerState(
            status: status, activePlaylistID: playlist?.id, activePlaylistTitle: playlist?.title,
            activeTrack: current.map(ActiveTrack.init), trackIndex: index, trackCount: order.count,
            positionMs: current == nil ? 0 : live, volume: volume, maxVolume: maxVolume, muted: muted,
            repeatMode: repeatMode, shuffleEnabled: shuffle, canNext: canNext, canPrev: canPrev,
            sleepTimerEndsAt: sleepTimer?.endsAt, sleepTimerMode: sleepTimer?.mode ?? "off", quietHoursActive: quietCap != nil, toddlerLock: toddlerLocked, dailyLimitReached: dailyLimitReached,
            chapter: chapterIndex.flatMap { index in chapters.indices.contains(index) ? ChapterPlace(chapters, index: index) : nil },
            streamTitle: current?.source.isLive == true ? streamTitle : nil,
            streamStatus: current?.source.isLive == true ? (status != .playing ? nil : streamReconnecting ? "reconnecting" : "live") : nil
        )
    }

    /// `state:player` now: while playing the position is the engine's, otherwise where it was held.
    public func liveState(on engine: any PlaybackEngine) -> PlayerState {
        state(positionMs: status == .playing ? engine.position() : positionMs)
    }

    // MARK: Changes, each mirrored on the engine

    /// Loads the track at `index` of the order and plays it (or holds it paused) from `positionMs`.
    mutating func load(index: Int, at positionMs: Int64, playing: Bool, on engine: any PlaybackEngine) {
        self.index = index
        // A live stream is joined where it is now: there is no place in it to start from.
        self.positionMs = order.indices.contains(index) && order[index].source.isLive ? 0 : positionMs
        heldByLostOutput = false
        streamTitle = nil
        streamReconnecting = false
        status = playing ? .playing : .paused
        placeChapter(at: self.positionMs)
        guard let track = current else { return stop(on: engine) }
        engine.load(PlaybackItem(track: track), at: self.positionMs, playing: playing)
    }

    /// Pauses. A live stream is let go of (the engine closes the connection) and joined live
    /// again on resume: it holds no position.
    mutating func pause(on engine: any PlaybackEngine) {
        heldByLostOutput = false
        guard status == .playing else { return }
        positionMs = current?.source.isLive == true ? 0 : engine.position()
        engine.pause()
        status = .paused
        placeChapter(at: positionMs)
        if current?.source.isLive == true { streamTitle = nil }
    }

    /// A live stream dropped (`false`) or flows again (`true`); ignored for a stream no longer playing.
    mutating func streamConnected(_ connected: Bool, of track: TrackID) {
        guard current?.id == track, current?.source.isLive == true else { return }
        streamReconnecting = !connected
    }

    /// A live stream's new title (ignored when that stream is no longer the one playing).
    mutating func streamSays(_ title: String?, of track: TrackID) {
        guard current?.id == track, current?.source.isLive == true else { return }
        streamTitle = title
    }

    mutating func resume(on engine: any PlaybackEngine) {
        heldByLostOutput = false
        guard current != nil else { return }
        switch status {
        case .playing: return
        case .paused where order[index].source.isLive: engine.load(PlaybackItem(track: order[index]), at: 0, playing: true)
        case .paused: engine.resume()
        case .stopped: engine.load(PlaybackItem(track: order[index]), at: positionMs, playing: true)
        }
        status = .playing
    }

    /// Stops, keeping the playlist and track so that "play" starts that track again.
    mutating func stop(on engine: any PlaybackEngine) {
        heldByLostOutput = false
        if status != .stopped { engine.stop() }
        status = .stopped
        positionMs = 0
        placeChapter(at: 0)
    }

    /// Forgets the playlist entirely (it was deleted, or emptied).
    mutating func unload(on engine: any PlaybackEngine) {
        stop(on: engine)
        playlist = nil
        order = []
        index = 0
        chapterIndex = nil
    }

    mutating func seek(to positionMs: Int64, on engine: any PlaybackEngine) {
        self.positionMs = positionMs
        placeChapter(at: positionMs)
        if status != .stopped { engine.seek(to: positionMs) }
    }

    /// Turns shuffle on or off. The current track stays current and first in the new order.
    mutating func setShuffle(_ enabled: Bool, tracks: [Track]) {
        shuffle = enabled
        let currentID = current?.id
        if enabled {
            var rest = tracks.filter { $0.id != currentID }
            rest.shuffle()
            order = (tracks.first { $0.id == currentID }.map { [$0] } ?? []) + rest
            index = 0
        } else {
            order = tracks
            index = tracks.firstIndex { $0.id == currentID } ?? 0
        }
    }

    /// Follows an edit of the active playlist: new title, tracks added or removed.
    mutating func follow(_ detail: PlaylistDetail, on engine: any PlaybackEngine) {
        playlist = detail.summary
        let currentID = current?.id
        guard !detail.tracks.isEmpty else { return unload(on: engine) }
        if shuffle {
            let known = Set(order.map(\.id))
            let byID = Dictionary(uniqueKeysWithValues: detail.tracks.map { ($0.id, $0) })
            order = order.compactMap { byID[$0.id] } + detail.tracks.filter { !known.contains($0.id) }
        } else {
            order = detail.tracks
        }
        if let currentID, let stillThere = order.firstIndex(where: { $0.id == currentID }) {
            index = stillThere
            placeChapter(at: status == .playing ? engine.position() : positionMs)
        } else if currentID != nil {
            // The active track was removed: what now sits at its place takes over.
            let replacement = min(index, order.count - 1)
            if status == .stopped {
                index = replacement
                positionMs = 0
            } else {
                load(index: replacement, at: 0, playing: status == .playing, on: engine)
            }
        }
    }
}
