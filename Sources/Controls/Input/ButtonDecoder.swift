import MusicBoxCore

/// One push button, from raw edges to presses a child means.
///
/// - **Debounce**: the first edge of a change counts at once (no added latency); edges within
///   `debounce` after it are contact bounce and ignored. If the level the bouncing settled on
///   differs, `tick` accepts it when the window is over.
/// - **Short press**: a button without a long-press action acts on press; one with a long-press
///   action acts on release, unless the hold reached `longPress` (then only the long action).
/// - **Shutdown** as a long action needs the longer `shutdownHold`; a button whose short action
///   is `none` (a dedicated shutdown button) does nothing on a short press.
/// - **Hold to repeat** (volume buttons): acts on press, then again every `repeatInterval` after
///   being held for `longPress`.
///
/// Pure: time comes in as arguments, so it is tested with scripted edges.
public struct ButtonDecoder: Sendable {
    public struct Timing: Sendable, Equatable {
        public var debounce: Duration = .milliseconds(30)
        public var longPress: Duration = .seconds(1)
        public var repeatInterval: Duration = .milliseconds(200)
        /// How long a hold must last when it switches the box off: longer than any other.
        public var shutdownHold: Duration = .seconds(3)
        public init() {}
    }

    public let action: ControlAction
    public let longAction: ControlAction
    public let repeats: Bool
    public let timing: Timing

    /// The debounced level (true: pressed) and the raw level last seen.
    public private(set) var pressed = false
    private var raw = false
    private var changedAt: ContinuousClock.Instant?
    private var pressedAt: ContinuousClock.Instant?
    private var longFired = false
    private var nextRepeat: ContinuousClock.Instant?

    public init(action: ControlAction, longAction: ControlAction = .none, repeats: Bool = false, timing: Timing = Timing()) {
        self.action = action
        self.longAction = repeats ? .none : longAction
        self.repeats = repeats
        self.timing = timing
    }

    /// The line changed: `pressed` is its new (active) level.
    public mutating func edge(pressed level: Bool, at now: ContinuousClock.Instant) -> [ControlAction] {
        raw = level
        if let changedAt, now - changedAt < timing.debounce { return [] }
        guard level != pressed else { return [] }
        return accept(level, at: now)
    }

    /// Time passed: settles bounces, fires long presses and repeats that are due.
    public mutating func tick(at now: ContinuousClock.Instant) -> [ControlAction] {
        var actions: [ControlAction] = []
        if raw != pressed, let changedAt, now - changedAt >= timing.debounce {
            actions += accept(raw, at: now)
        }
        guard pressed, let pressedAt else { return actions }
        if repeats, let due = nextRepeat, now >= due {
            actions.append(action)
            nextRepeat = due + timing.repeatInterval
        } else if !repeats, longAction != .none, !longFired, now - pressedAt >= longHold {
            longFired = true
            actions.append(longAction)
        }
        return actions
    }

    /// When `tick` next has something to do (nil: nothing pending).
    public var nextDeadline: ContinuousClock.Instant? {
        var deadlines: [ContinuousClock.Instant] = []
        if raw != pressed, let changedAt { deadlines.append(changedAt + timing.debounce) }
        if pressed, let pressedAt {
            if repeats, let nextRepeat { deadlines.append(nextRepeat) }
            if !repeats, longAction != .none, !longFired { deadlines.append(pressedAt + longHold) }
        }
        return deadlines.min()
    }

    /// How long this button's long press is.
    private var longHold: Duration { longAction == .shutdown ? max(timing.shutdownHold, timing.longPress) : timing.longPress }

    private mutating func accept(_ level: Bool, at now: ContinuousClock.Instant) -> [ControlAction] {
        pressed = level
        changedAt = now
        if level {
            pressedAt = now
            longFired = false
            if repeats {
                nextRepeat = now + timing.longPress
                return [action]
            }
            return longAction == .none && action != .none ? [action] : []
        }
        defer {
            pressedAt = nil
            nextRepeat = nil
        }
        // Released: a button with a long action acts now, unless the long action already did.
        return !repeats && longAction != .none && !longFired && action != .none ? [action] : []
    }
}
