import MusicBoxCore

/// A rotary encoder from its two quadrature lines (A, B): each detent turned is one step
/// clockwise or counter-clockwise.
///
/// The four states of (A, B) follow a Gray code: 00 → 01 → 11 → 10 → 00 one way, the reverse the
/// other. Each transition counts ±1; contact bounce goes back and forth and cancels out. An
/// encoder rests in a detent at 11 (full-step: 4 transitions a detent) or at 11 and 00
/// (half-step: 2). Arriving at a rest state with the count at least half a detent either way is
/// one step that way, and the count starts again: a lost edge never shifts later detents. A
/// transition that skips a state (both lines changed between two reads: a fast turn) counts two
/// in the direction of the last movement, so fast turns are not lost.
public struct RotaryDecoder: Sendable {
    public let transitionsPerStep: Int
    private var state: UInt8
    private var count = 0
    private var lastDirection = 0

    /// `a` and `b`: the lines' levels now.
    public init(transitionsPerStep: Int = 4, a: Bool = true, b: Bool = true) {
        self.transitionsPerStep = max(1, transitionsPerStep)
        state = (a ? 2 : 0) | (b ? 1 : 0)
    }

    /// Position of each state along the clockwise sequence 00, 01, 11, 10.
    private static let order: [Int] = [0, 1, 3, 2]

    /// Line A (`isA`) or B changed to `level`; returns +1 (clockwise) or -1 per completed detent.
    public mutating func edge(isA: Bool, level: Bool) -> [Int] {
        let bit: UInt8 = isA ? 2 : 1
        let next = level ? state | bit : state & ~bit
        return move(to: next)
    }

    /// Both lines read at once (after a missed edge, or at start).
    public mutating func levels(a: Bool, b: Bool) -> [Int] {
        move(to: (a ? 2 : 0) | (b ? 1 : 0))
    }

    private mutating func move(to next: UInt8) -> [Int] {
        guard next != state else { return [] }
        let difference = (Self.order[Int(next)] - Self.order[Int(state)] + 4) % 4
        state = next
        switch difference {
        case 1: count += 1; lastDirection = 1
        case 3: count -= 1; lastDirection = -1
        default: count += 2 * lastDirection  // skipped a state: the way it was going
        }
        let resting = next == 3 || (transitionsPerStep == 2 && next == 0)
        guard resting else { return [] }
        let threshold = transitionsPerStep / 2
        defer { count = 0 }
        if count >= threshold { return [1] }
        if count <= -threshold { return [-1] }
        return []
    }
}
