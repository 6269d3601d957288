import NIOCore

/// Which timeout an HTTP/1 connection is under, from what has been read and written (pure and
/// time-injected; ``RequestDeadlineHandler`` feeds it and keeps one timer at ``deadline``).
///
/// A connection waits for a request (idle timeout), reads its head (head timeout, counted from
/// the first byte, so a head sent one byte at a time still ends in time), reads its body (body
/// timeout between reads), then is answered (no timeout here: the route decides how long a
/// long poll or a stream takes), and waits again. Whatever the phase, a client that stops reading
/// what it is sent (the socket stays unwritable) is dropped after the body timeout.
struct RequestDeadlines {
    enum Phase: Equatable {
        case waiting(since: NIODeadline)
        case readingHead(since: NIODeadline)
        /// `answered`: the response has ended while the body was still coming (an early refusal).
        case readingBody(lastRead: NIODeadline, answered: Bool)
        case answering
    }

    /// What to do when the deadline passes, or the parser gives up.
    enum Action: Equatable {
        /// Close without a word (an idle keep-alive connection, or a request whose answer has begun).
        case close
        /// Answer this, then close.
        case refuse(HTTPRefusal)
    }

    let headTimeout: TimeAmount
    let bodyTimeout: TimeAmount
    let idleTimeout: TimeAmount
    private(set) var phase: Phase
    /// A response head has gone out for the request being read or answered.
    private(set) var responding = false
    /// Since when the socket's send buffer has been full; nil while it takes more.
    private(set) var stalledSince: NIODeadline?

    init(limits: HTTPConnectionLimits, now: NIODeadline) {
        headTimeout = limits.headTimeout
        bodyTimeout = limits.bodyTimeout
        idleTimeout = limits.idleTimeout
        phase = .waiting(since: now)
    }

    /// When the current phase times out (nil while a request is being answered), or the stalled
    /// client is given up on, whichever comes first.
    var deadline: NIODeadline? {
        let stalled = stalledSince.map { $0 + bodyTimeout }
        guard let phaseDeadline else { return stalled }
        return min(phaseDeadline, stalled ?? phaseDeadline)
    }

    private var phaseDeadline: NIODeadline? {
        switch phase {
        case .waiting(let since): since + idleTimeout
        case .readingHead(let since): since + headTimeout
        case .readingBody(let lastRead, _): lastRead + bodyTimeout
        case .answering: nil
        }
    }

    /// Waiting for a request, with nothing of it read yet (a keep-alive connection that may be
    /// closed to make room for a new one).
    var isIdle: Bool { if case .waiting = phase { true } else { false } }

    /// Bytes arrived from the socket (whether or not they completed a part).
    mutating func bytesArrived(at now: NIODeadline) {
        switch phase {
        case .waiting: phase = .readingHead(since: now)
        case .readingBody(_, let answered): phase = .readingBody(lastRead: now, answered: answered)
        case .readingHead, .answering: break
        }
    }

    mutating func headReceived(at now: NIODeadline) {
        responding = false
        phase = .readingBody(lastRead: now, answered: false)
    }

    mutating func requestEnded(at now: NIODeadline) {
        if case .readingBody(_, let answered) = phase {
            phase = answered ? .waiting(since: now) : .answering
        }
    }

    mutating func responseStarted() { responding = true }

    /// The socket's send buffer filled up (`false`) or drained (`true`).
    mutating func writabilityChanged(writable: Bool, at now: NIODeadline) {
        stalledSince = writable ? nil : (stalledSince ?? now)
    }

    mutating func responseEnded(at now: NIODeadline) {
        responding = false
        switch phase {
        case .answering: phase = .waiting(since: now)
        case .readingBody(let lastRead, _): phase = .readingBody(lastRead: lastRead, answered: true)
        case .waiting, .readingHead: break
        }
    }

    /// The timer fired at `now`: what to do, or nil when the deadline has moved on since.
    func expired(at now: NIODeadline) -> Action? {
        guard let deadline, deadline <= now else { return nil }
        if let stalledSince, stalledSince + bodyTimeout <= now { return .close }
        switch phase {
        case .waiting: return .close
        case .readingHead: return .refuse(.headTimeout(headTimeout))
        case .readingBody(_, let answered): return responding || answered ? .close : .refuse(.bodyTimeout(bodyTimeout))
        case .answering: return nil
        }
    }

    /// The parser refused the bytes: a status while no answer to this request has begun (or
    /// been given), else only a close.
    func parserFailed(_ refusal: HTTPRefusal) -> Action {
        switch phase {
        case .waiting, .readingHead: .refuse(refusal)
        case .readingBody(_, let answered): responding || answered ? .close : .refuse(refusal)
        case .answering: .close
        }
    }
}
