/// Slows down PIN guessing per client: five wrong PINs in a row lock that client out for 30 s,
/// each further wrong one doubles the wait, up to 15 minutes. A right PIN clears the record.
/// (A child trying every 4-digit PIN would need days.)
struct AttemptLimiter {
    struct Record {
        var failures = 0
        var lockedUntil: ContinuousClock.Instant?
    }

    static let freeAttempts = 5
    static let firstLockout: Duration = .seconds(30)
    static let longestLockout: Duration = .seconds(15 * 60)
    /// Clients remembered at most (the oldest are forgotten), so a flood of addresses cannot grow memory.
    static let capacity = 256

    private var records: [String: Record] = [:]

    /// How long `client` must still wait, or nil when it may try now.
    func wait(for client: String, now: ContinuousClock.Instant) -> Duration? {
        guard let until = records[client]?.lockedUntil, until > now else { return nil }
        return until - now
    }

    mutating func failed(_ client: String, now: ContinuousClock.Instant) {
        if records[client] == nil, records.count >= Self.capacity, let oldest = records.keys.first { records[oldest] = nil }
        var record = records[client] ?? Record()
        record.failures += 1
        let over = record.failures - Self.freeAttempts
        if over >= 0 {
            let lockout = Self.firstLockout * (1 << min(over, 10))
            record.lockedUntil = now + min(lockout, Self.longestLockout)
        }
        records[client] = record
    }

    mutating func succeeded(_ client: String) { records[client] = nil }
}
