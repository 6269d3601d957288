/// One thing somebody asks the box to do, whatever its source (HTTP, Socket.IO, tag, button, timer).
/// A command validates its input, writes through the store or drives the player, and records the
/// changes it made; the state manager runs commands one at a time and sequences those changes.
public protocol BoxCommand: Sendable {
    associatedtype Output: Sendable
    /// Whether the command writes the library. One that does runs in a write transaction of its
    /// own; one that does not (``PlayerCommand``) never waits for the database's writer, so a tap
    /// or a pause is not held up by a write (a resume point, an upload) that is committing.
    static var writesLibrary: Bool { get }
    func run(in context: inout CommandContext) throws -> Output
}

extension BoxCommand {
    public static var writesLibrary: Bool { true }
}

/// A command that drives the player and only reads the library (play, pause, a tag tap, the
/// engine's reports). Its context's store refuses writes.
public protocol PlayerCommand: BoxCommand {}

extension PlayerCommand {
    public static var writesLibrary: Bool { false }
}

/// What a running command may use, and where it records what it changed.
public struct CommandContext {
    /// The command's transaction: reads see its own writes; it commits when the command returns.
    public let store: any LibraryTransaction
    /// The library as it stood when the command started.
    public let library: LibraryView
    /// The player; player commands change it, and the state manager publishes the difference.
    public var player: Player
    public let engine: any PlaybackEngine
    /// The time of this command; every timestamp it writes uses this one value.
    public let now: EpochMillis
    public private(set) var changes: [Change] = []

    /// The state manager's resume decisions this boot, consulted before the store.
    let resumeDecisions: [PlaylistID: ResumeDecision]
    /// The state manager's latest places of podcast episodes this boot, consulted before the store.
    let episodePlaces: [TrackID: EpisodeProgress]

    init(
        store: any LibraryTransaction, library: LibraryView, player: Player, engine: any PlaybackEngine, now: EpochMillis,
        resumeDecisions: [PlaylistID: ResumeDecision] = [:], episodePlaces: [TrackID: EpisodeProgress] = [:]
    ) {
        self.resumeDecisions = resumeDecisions
        self.episodePlaces = episodePlaces
        self.store = store
        self.library = library
        self.player = player
        self.engine = engine
        self.now = now
    }

    public mutating func record(_ change: Change) { changes.append(change) }

    /// Where a playlist was left: the state manager's latest decision, which may not be on disk
    /// yet (resume points are written behind), else the stored one.
    public func resumePoint(for playlist: PlaylistID) throws -> ResumePoint? {
        if let decided = resumeDecisions[playlist] { return decided.point }
        return try store.resumePoint(for: playlist)
    }

    /// The playlist left most recently and where (this boot's decisions over the stored points;
    /// one played to its end since is not offered).
    public func latestResumePoint() throws -> ResumePoint? {
        let decided = resumeDecisions.values.compactMap(\.point).max { $0.updatedAt < $1.updatedAt }
        let stored = try store.latestResumePoint().flatMap { point in
            resumeDecisions[point.playlistID].map { $0.point } ?? point
        }
        return [decided, stored].compactMap { $0 }.max { $0.updatedAt < $1.updatedAt }
    }

    /// The place of each downloaded episode of the playlist's podcast, the manager's latest
    /// over the stored one (`nil`: the playlist follows no podcast).
    public func episodeProgress(in playlist: PlaylistID) throws -> [TrackID: EpisodeProgress]? {
        guard var places = try store.episodeProgress(in: playlist) else { return nil }
        for track in places.keys { if let decided = episodePlaces[track] { places[track] = decided } }
        return places
    }

    /// The player as `state:player` shows it now, with the engine's live position.
    public var playerState: PlayerState {
        player.liveState(on: engine)
    }
}

/// A command's result together with the sequence number of the last change it made
/// (the current one when it changed nothing), so a response can say where it stands in the event order.
public struct Committed<Value: Sendable>: Sendable {
    public var value: Value
    public var serverSeq: UInt64
    public var changes: [SequencedChange]
    /// True when this is the remembered result of an earlier request with the same `client_op_id`:
    /// nothing was applied again.
    public var replayed = false
}
