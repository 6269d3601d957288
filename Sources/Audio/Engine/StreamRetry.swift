/// When a live stream is tried again after it failed, and when the box gives up on it: pure,
/// time passed in (the decoder worker asks it and waits).
///
/// - A stream not yet heard (a tap on a station that is down) gets ``Policy/attemptsBeforeHeard``
///   tries: the child hears the next item soon instead of silence.
/// - A stream that played and dropped (Wi-Fi gone, the station restarting) is tried again after
///   ``Policy/firstDelay``, then twice as long each time up to ``Policy/longestDelay``, until it
///   has been gone for ``Policy/giveUpAfter``.
public struct StreamRetry: Sendable {
    public struct Policy: Sendable, Equatable {
        public var firstDelay: Duration
        public var longestDelay: Duration
        public var giveUpAfter: Duration
        public var attemptsBeforeHeard: Int

        public init(firstDelay: Duration = .milliseconds(500), longestDelay: Duration = .seconds(8),
                    giveUpAfter: Duration = .seconds(120), attemptsBeforeHeard: Int = 2) {
            self.firstDelay = firstDelay
            self.longestDelay = longestDelay
            self.giveUpAfter = giveUpAfter
            self.attemptsBeforeHeard = attemptsBeforeHeard
        }
    }

    public enum Decision: Sendable, Equatable {
        case retry(at: ContinuousClock.Instant)
        case giveUp
    }

    public let policy: Policy
    private var heard = false
    private var failures = 0
    private var delay: Duration
    private var downSince: ContinuousClock.Instant?

    public init(policy: Policy) {
        self.policy = policy
        delay = policy.firstDelay
    }

    /// Audio came from the stream: a later drop starts the backoff afresh.
    public mutating func heardAudio() {
        heard = true
        failures = 0
        delay = policy.firstDelay
        downSince = nil
    }

    /// An attempt failed (could not open, or broke off) at `now`.
    public mutating func failed(at now: ContinuousClock.Instant) -> Decision {
        failures += 1
        guard heard else {
            return failures >= policy.attemptsBeforeHeard ? .giveUp : .retry(at: now + policy.firstDelay)
        }
        let since = downSince ?? now
        downSince = since
        guard now - since < policy.giveUpAfter else { return .giveUp }
        let wait = delay
        delay = min(delay * 2, policy.longestDelay)
        return .retry(at: now + wait)
    }
}
