import Synchronization

/// When each part of the box came up, in milliseconds since the process started: what
/// `/api/system/info` reports as `boot_timeline_ms`, and the first place to look when the box
/// is slow to get ready.
public final class BootTimeline: Sendable {
    public enum Milestone: String, Sendable, CaseIterable {
        case configLoaded = "config_loaded"
        case databaseOpen = "database_open"
        case audioOpen = "audio_open"
        case libraryLoaded = "library_loaded"
        case readerOpen = "reader_open"
        case httpListening = "http_listening"
        case ready
    }

    private let start: ContinuousClock.Instant
    private let marks = Mutex<[Milestone: Int64]>([:])

    public init(start: ContinuousClock.Instant) { self.start = start }

    /// Records `milestone` now (the first time only).
    public func mark(_ milestone: Milestone) {
        let elapsed = ContinuousClock.now - start
        let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        marks.withLock { if $0[milestone] == nil { $0[milestone] = ms } }
    }

    public func has(_ milestone: Milestone) -> Bool { marks.withLock { $0[milestone] != nil } }

    /// The milestones reached, in boot order.
    public func milestonesMs() -> [(String, Int64)] {
        let taken = marks.withLock { $0 }
        return Milestone.allCases.compactMap { milestone in taken[milestone].map { (milestone.rawValue, $0) } }
    }
}
