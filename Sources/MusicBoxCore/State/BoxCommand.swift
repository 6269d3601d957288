/// One thing somebody asks the box to do, whatever its source (HTTP, Socket.IO, tag, button, timer).
/// A command validates its input, writes through the store or drives the player, and records the
/// changes it made; the state manager runs commands one at a time and sequences those changes.
public protocol BoxCommand: Sendable {
    associatedtype Output: Sendable
    func run(in context: inout CommandContext) throws -> Output
}

/// What a running command may use, and where it records what it changed.
public struct CommandContext {
    public let store: any LibraryStore
    /// The library as it stood when the command started.
    public let library: LibraryView
    /// The player; player commands change it, and the state manager publishes the difference.
    public var player: Player
    public let engine: any PlaybackEngine
    /// The time of this command; every timestamp it writes uses this one value.
    public let now: EpochMillis
    public private(set) var changes: [Change] = []

    init(store: any LibraryStore, library: LibraryView, player: Player, engine: any PlaybackEngine, now: EpochMillis) {
        self.store = store
        self.library = library
        self.player = player
        self.engine = engine
        self.now = now
    }

    public mutating func record(_ change: Change) { changes.append(change) }

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
