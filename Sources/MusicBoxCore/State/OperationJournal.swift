/// Remembers the result of each operation that carried a `client_op_id`, so a client that sends
/// the same operation again (a retry after a dropped response) gets the first result back and
/// nothing is applied twice (CONTRACT §4).
///
/// Entries live for `lifetime` (5 minutes by the contract); at most `capacity` are kept, the
/// oldest going first, so a flood of ids cannot grow memory without bound.
struct OperationJournal {
    struct Entry {
        var command: ObjectIdentifier
        var outcome: Result<any Sendable, BoxError>
        var expires: ContinuousClock.Instant
    }

    let lifetime: Duration
    let capacity: Int
    private var entries: [String: Entry] = [:]
    /// Ids in the order they were recorded, for expiry (oldest first).
    private var order: [(id: String, expires: ContinuousClock.Instant)] = []
    private var orderStart = 0

    init(lifetime: Duration, capacity: Int) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    var count: Int { entries.count }

    /// One client's id: the same `client_op_id` from two clients is two operations.
    static func key(client: String, clientOpID: String) -> String { "\(client)\u{0}\(clientOpID)" }

    mutating func lookup(_ id: String, now: ContinuousClock.Instant) -> Entry? {
        expire(now: now)
        return entries[id]
    }

    mutating func record(_ id: String, command: ObjectIdentifier, outcome: Result<any Sendable, BoxError>, now: ContinuousClock.Instant) {
        expire(now: now)
        if entries.count >= capacity, orderStart < order.count {
            entries[order[orderStart].id] = nil
            orderStart += 1
        }
        let expires = now + lifetime
        entries[id] = Entry(command: command, outcome: outcome, expires: expires)
        order.append((id, expires))
    }

    private mutating func expire(now: ContinuousClock.Instant) {
        while orderStart < order.count, order[orderStart].expires <= now {
            let (id, expires) = order[orderStart]
            // The same id may have been recorded again later; only drop the entry this slot made.
            if entries[id]?.expires == expires { entries[id] = nil }
            orderStart += 1
        }
        // Compact now and then so the order list does not grow forever.
        if orderStart > 1024, orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }
}
