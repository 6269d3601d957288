import MusicBoxCore

/// Slows down PIN guessing: five wrong PINs in a row lock the box's PIN for 30 s, each further
/// wrong one doubles the wait, up to 15 minutes. A right PIN clears the record. (A child trying
/// every 4-digit PIN would need days.)
///
/// One record for the whole box, not one per address: a second phone, or a new address, gets no
/// fresh tries. It is kept in the settings table with wall-clock times, so a restart (or pulling
/// the plug) does not reset it either.
struct AttemptLimiter: Codable, Equatable, Sendable {
    var failures = 0
    /// Wall-clock ms until which every PIN check is refused.
    var lockedUntil: EpochMillis?

    static let freeAttempts = 5
    static let firstLockoutMs: Int64 = 30_000
    static let longestLockoutMs: Int64 = 15 * 60_000

    enum CodingKeys: String, CodingKey {
        case failures
        case lockedUntil = "locked_until"
    }

    /// How long the box must still wait, in ms, or nil when a PIN may be tried now. A lock that
    /// seems to reach further than the longest one (the clock was set back) counts as the longest.
    func wait(now: EpochMillis) -> Int64? {
        guard let until = lockedUntil, until > now else { return nil }
        return min(until - now, Self.longestLockoutMs)
    }

    mutating func failed(now: EpochMillis) {
        failures += 1
        let over = failures - Self.freeAttempts
        if over >= 0 {
            lockedUntil = now + min(Self.firstLockoutMs << Int64(min(over, 10)), Self.longestLockoutMs)
        }
    }

    mutating func succeeded() { self = AttemptLimiter() }
}
