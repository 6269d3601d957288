import MusicBoxCore

/// Two or more buttons held together: held for `hold` (3 s), that is the toddler lock's own
/// gesture, on or off (``ControlAction/toddlerLock``). A toddler presses one button at a time;
/// a parent holds two. It fires once per hold: all buttons must be let go before the next.
///
/// Pure, like ``ButtonDecoder``: the debounced levels and the time come in as arguments.
public struct ButtonChord: Sendable {
    public let hold: Duration
    private var heldSince: ContinuousClock.Instant?
    private var fired = false

    public init(hold: Duration = .seconds(3)) { self.hold = hold }

    /// The buttons' debounced levels now; returns the lock's action when the chord is complete.
    public mutating func update(pressed: [Bool], at now: ContinuousClock.Instant) -> [ControlAction] {
        let down = pressed.filter { $0 }.count
        if down == 0 { fired = false }
        guard down >= 2 else {
            heldSince = nil
            return []
        }
        guard !fired else { return [] }
        guard let since = heldSince else {
            heldSince = now
            return []
        }
        guard now - since >= hold else { return [] }
        fired = true
        return [.toddlerLock]
    }

    /// When the chord would complete, while two buttons are held (for the input's poll timeout).
    public var nextDeadline: ContinuousClock.Instant? { fired ? nil : heldSince.map { $0 + hold } }
}
