/// The last sequenced events, for `sync:request` replay (CONTRACT §1).
///
/// A ring of fixed capacity: appending past it drops the oldest event and remembers the highest
/// `server_seq` dropped, so the log can tell whether it still reaches back to a client's position.
/// One change may produce several events with the same `server_seq` (one per room); dropping any
/// of them makes that number unreachable.
public struct EventLog: Sendable {
    public let capacity: Int
    private var ring: [StateEvent?]
    private var start = 0
    public private(set) var count = 0
    /// Highest `server_seq` of an event no longer in the log (0 when none was dropped).
    public private(set) var droppedThrough: UInt64 = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "an event log needs room for at least one event")
        self.capacity = capacity
        ring = Array(repeating: nil, count: capacity)
    }

    public mutating func append(_ event: StateEvent) {
        if count == capacity {
            if let oldest = ring[start] { droppedThrough = max(droppedThrough, oldest.serverSeq) }
            ring[start] = event
            start = (start + 1) % capacity
        } else {
            ring[(start + count) % capacity] = event
            count += 1
        }
    }

    /// Whether every event after `serverSeq` is still here.
    public func reaches(back serverSeq: UInt64) -> Bool { serverSeq >= droppedThrough }

    /// The events after `serverSeq`, oldest first, or `nil` when some of them were dropped.
    public func events(after serverSeq: UInt64) -> [StateEvent]? {
        guard reaches(back: serverSeq) else { return nil }
        var result: [StateEvent] = []
        // Sequence numbers only grow along the ring, so scan back from the newest.
        var index = count - 1
        while index >= 0, let event = ring[(start + index) % capacity], event.serverSeq > serverSeq {
            index -= 1
        }
        for position in (index + 1)..<count {
            if let event = ring[(start + position) % capacity] { result.append(event) }
        }
        return result
    }

    /// Every event in the log, oldest first.
    public var all: [StateEvent] { (0..<count).compactMap { ring[(start + $0) % capacity] } }
}
