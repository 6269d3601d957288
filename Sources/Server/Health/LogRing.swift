import Foundation
import Logging
import Synchronization

/// The last lines the daemon logged, kept in memory for `GET /api/system/logs`, so a parent can
/// see what went wrong from a browser without SSH. Bounded: the oldest lines drop out.
public final class LogRing: Sendable {
    /// The daemon's ring (the logging system is process-wide, so is this).
    public static let shared = LogRing(capacity: 1000)

    private struct Ring {
        var lines: [String] = []
        var next = 0
    }

    public let capacity: Int
    private let ring = Mutex(Ring())

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    public func append(_ line: String) {
        ring.withLock { ring in
            if ring.lines.count < capacity {
                ring.lines.append(line)
            } else {
                ring.lines[ring.next] = line
                ring.next = (ring.next + 1) % capacity
            }
        }
    }

    /// The last `count` lines, oldest first.
    public func last(_ count: Int) -> [String] {
        ring.withLock { ring in
            let ordered = Array(ring.lines[ring.next...] + ring.lines[..<ring.next])
            return Array(ordered.suffix(max(0, count)))
        }
    }
}

/// A log handler that writes into a ``LogRing`` in the same shape as the standard error lines.
public struct RingLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String
    let ring: LogRing

    public init(label: String, level: Logger.Level, ring: LogRing = .shared) {
        self.label = label
        self.logLevel = level
        self.ring = ring
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let extra = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        ring.append("\(Date().formatted(.iso8601)) \(event.level) \(label) :\(extra) \(event.message)")
    }
}
