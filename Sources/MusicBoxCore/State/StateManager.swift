import Foundation
import Logging

/// The single writer of box state.
///
/// Every command, from any source, enters through ``perform(_:)``. The manager runs it to the end
/// before the next one starts (no `await` inside a command), then numbers each change it made:
/// `server_seq` is global, gap-free and starts at 1 each boot; `playlist_seq` counts per playlist.
/// A failed command changes nothing and takes no number.
public actor StateManager {
    /// Random per boot: clients compare it to notice a restart, after which sequence numbers start again.
    public nonisolated let serverEpoch: String

    private let executor: DedicatedQueueExecutor
    private let store: any LibraryStore
    private let clock: WallClock
    private let logger: Logger

    private var serverSeq: UInt64 = 0
    private var playlistSeqs: [PlaylistID: UInt64] = [:]

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public init(store: any LibraryStore, clock: WallClock = .system, logger: Logger = Logger(label: "musicboxd.state")) {
        self.executor = DedicatedQueueExecutor(label: "musicboxd.state")
        self.store = store
        self.clock = clock
        self.logger = logger
        self.serverEpoch = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16).description
    }

    /// The number of the last committed change (0 before the first).
    public var currentServerSeq: UInt64 { serverSeq }

    /// The number of the last committed change of one playlist (0 before the first this boot).
    public func playlistSeq(_ id: PlaylistID) -> UInt64 { playlistSeqs[id] ?? 0 }

    /// Runs one command and sequences what it changed.
    /// Errors arrive as ``BoxError``; anything else (a storage failure) is logged and reported as `storage_error`.
    public func perform<Command: BoxCommand>(_ command: Command) throws(BoxError) -> Committed<Command.Output> {
        var context = CommandContext(store: store, now: clock.millis)
        let value: Command.Output
        do {
            value = try command.run(in: &context)
        } catch let error as BoxError {
            throw error
        } catch {
            logger.error("command \(Command.self) failed in storage: \(error)")
            throw BoxError(.storageError, "The box could not save this change. Nothing was changed.")
        }
        let sequenced = context.changes.map { sequence($0, at: context.now) }
        return Committed(value: value, serverSeq: serverSeq, changes: sequenced)
    }

    private func sequence(_ change: Change, at time: EpochMillis) -> SequencedChange {
        serverSeq += 1
        var playlistSeq: UInt64?
        if let id = change.playlistID {
            let next = (playlistSeqs[id] ?? 0) + 1
            playlistSeqs[id] = next
            playlistSeq = next
        }
        return SequencedChange(serverSeq: serverSeq, playlistSeq: playlistSeq, change: change, timestamp: time)
    }
}
