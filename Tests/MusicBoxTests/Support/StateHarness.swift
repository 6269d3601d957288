@_spi(Simulation) import Audio
import Foundation
import GRDB
import Logging
import MediaLibrary
@_spi(Simulation) import MusicBoxCore
import Synchronization

/// Records what the state manager publishes, in order.
final class EventRecorder: EventPublisher {
    private let events = Mutex<[StateEvent]>([])
    func publish(_ event: StateEvent) { events.withLock { $0.append(event) } }
    var all: [StateEvent] { events.withLock { $0 } }
    var sequenced: [StateEvent] { all.filter { !$0.type.isEphemeral } }
    var ticks: [StateEvent] { all.filter { $0.type == .trackPosition } }
    func clear() { events.withLock { $0.removeAll() } }
}

/// A client as the state manager sees it: the rooms it is in and what was delivered to it alone.
final class RecordingSubscriber: EventSubscriber {
    private struct State {
        var rooms: Set<Room> = []
        var delivered: [StateEvent] = []
        var log: [String] = []
    }
    private let state = Mutex(State())
    func enter(_ room: Room) { state.withLock { $0.rooms.insert(room); $0.log.append("enter \(room)") } }
    func exit(_ room: Room) { state.withLock { $0.rooms.remove(room); $0.log.append("exit \(room)") } }
    var rooms: Set<Room> { state.withLock { $0.rooms } }
    func deliver(_ events: [StateEvent]) {
        state.withLock { state in
            state.delivered += events
            state.log += events.map { "deliver \($0.type.rawValue)" }
        }
    }
    var delivered: [StateEvent] { state.withLock { $0.delivered } }
    /// Deliveries and room changes in the order they happened.
    var history: [String] { state.withLock { $0.log } }
}

/// A state manager on a real SQLite file, with the simulated engine and a recorder.
struct StateHarness {
    let dir: TemporaryDirectory
    let store: GRDBLibraryStore
    let engine: SimulatedPlaybackEngine
    let recorder = EventRecorder()
    /// What the manager logged at warning and above (printed too with `TEST_LOG` set).
    let logs = CapturedLogs()
    let manager: StateManager

    /// `seed` writes rows before the manager loads the library.
    init(
        options: StateManager.Options = StateManager.Options(), speed: Double = 1,
        clock: WallClock = WallClock { Date(timeIntervalSince1970: 1_700_000_000) },
        seed: (GRDBLibraryStore) throws -> Void = { _ in }
    ) throws {
        dir = try TemporaryDirectory()
        let database = try LibraryDatabase(path: dir.file("box.sqlite").path)
        store = GRDBLibraryStore(database: database, media: try MediaFolder(directory: dir.url.appendingPathComponent("media")))
        try seed(store)
        engine = SimulatedPlaybackEngine(speed: speed)
        // Captured, not printed: some tests break storage on purpose, and their expected error
        // logs are noise in CI output; others check that nothing went wrong.
        let logs = self.logs
        manager = try StateManager(
            store: store, engine: engine, publisher: recorder, options: options,
            clock: clock, logger: Logger(label: "test", factory: { _ in CapturingLogHandler(logs: logs) })
        )
    }

    /// A playlist with tracks of the given lengths, written straight to the database.
    @discardableResult
    static func seedPlaylist(_ store: GRDBLibraryStore, title: String, durations: [Int64]) throws -> PlaylistDetail {
        try store.database.pool.write { db in
            let playlist = try PlaylistRepository.create(db, title: title, description: "", now: 1)
            for (index, duration) in durations.enumerated() {
                _ = try TrackRepository.append(db, .sample(title: "\(title) \(index + 1)", durationMs: duration), to: playlist.id, now: 1)
            }
            return try PlaylistRepository.detail(db, id: playlist.id)!
        }
    }
}

/// Messages at warning level and above, in order.
final class CapturedLogs: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// Keeps warnings and errors in ``CapturedLogs``; prints everything when `TEST_LOG` is set.
struct CapturingLogHandler: LogHandler {
    let logs: CapturedLogs
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]
    private let echo = ProcessInfo.processInfo.environment["TEST_LOG"] != nil

    init(logs: CapturedLogs) { self.logs = logs }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        if event.level >= .warning { logs.append("\(event.level): \(event.message)") }
        if echo { print("[\(event.level)] \(event.message)") }
    }
}
