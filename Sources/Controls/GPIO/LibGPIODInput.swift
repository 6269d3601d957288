import CGPIOD
import Foundation
import Glibc
import Logging
import MusicBoxCore
import Synchronization

/// Buttons and a rotary encoder on GPIO lines, through libgpiod's v1 API, on their own thread.
///
/// Each line of the ``ControlLayout`` is requested for both edges with the configured bias; the
/// thread sleeps in `poll(2)` on the lines' event descriptors (no polling loop), waking only for
/// an edge, for the next debounce/long-press deadline, or for `shutdown` (a pipe), so stopping is
/// immediate. Edges go through ``ButtonDecoder`` and ``RotaryDecoder``; what they decide goes to
/// the handler.
///
/// Without the chip or a line (a laptop, a typo, a line another program holds) health is
/// `unavailable` with the reason, and the rest of the box runs.
public final class LibGPIODInput: ControlInput {
    private struct State {
        var health = ComponentHealth.unavailable
        var problem: String?
        var handler: (@Sendable (ControlAction) -> Void)?
        var started = false
    }

    public let layout: ControlLayout
    private let logger: Logger
    private let state: Mutex<State>
    /// Written to by `shutdown` to wake the thread's `poll`.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let stopping = Atomic<Bool>(false)

    public init(layout: ControlLayout, logger: Logger = Logger(label: "musicboxd.controls")) {
        self.layout = layout
        self.logger = logger
        state = Mutex(State(problem: "not started"))
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    public var health: ComponentHealth { state.withLock { $0.health } }
    public var problem: String? { state.withLock { $0.problem } }

    public func setActionHandler(_ handler: @escaping @Sendable (ControlAction) -> Void) {
        state.withLock { $0.handler = handler }
    }

    public func start() {
        let first = state.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        let thread = Thread { [self] in run() }
        thread.name = "musicboxd.controls"
        thread.start()
    }

    public func shutdown() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    // MARK: The input thread

    /// A requested line and what listens to it.
    private struct Watched {
        let line: OpaquePointer
        let offset: Int
        let fd: Int32
        enum Role { case button(Int), encoderA, encoderB }
        let role: Role
    }

    private func fail(_ problem: String) {
        logger.error("buttons unavailable: \(problem)")
        state.withLock { state in
            state.health = .unavailable
            state.problem = problem
        }
    }

    private func run() {
        guard let chip = gpiod_chip_open_lookup(layout.chip) else {
            return fail("no GPIO chip \"\(layout.chip)\" (\(String(cString: strerror(errno))))")
        }
        defer { gpiod_chip_close(chip) }
        var watched: [Watched] = []
        defer { for item in watched { gpiod_line_release(item.line) } }
        var roles: [(Int, Watched.Role)] = layout.buttons.enumerated().map { ($0.element.line, .button($0.offset)) }
        if let encoder = layout.encoder { roles += [(encoder.lineA, .encoderA), (encoder.lineB, .encoderB)] }
        for (offset, role) in roles {
            guard let line = gpiod_chip_get_line(chip, UInt32(offset)) else {
                return fail("line \(offset) does not exist on \(layout.chip)")
            }
            guard gpiod_line_request_both_edges_events_flags(line, "musicboxd", biasFlags) == 0 else {
                return fail("line \(offset) of \(layout.chip) cannot be requested (\(String(cString: strerror(errno)))): is another program using it?")
            }
            watched.append(Watched(line: line, offset: offset, fd: gpiod_line_event_get_fd(line), role: role))
        }
        var buttons = layout.buttons.map {
            ButtonDecoder(action: $0.action, longAction: $0.longAction, repeats: $0.repeats, timing: layout.timing)
        }
        func level(_ offset: Int) -> Bool {
            guard let item = watched.first(where: { $0.offset == offset }) else { return true }
            return gpiod_line_get_value(item.line) == 1
        }
        var encoder = layout.encoder.map {
            RotaryDecoder(transitionsPerStep: $0.transitionsPerStep, a: level($0.lineA), b: level($0.lineB))
        }
        state.withLock { state in
            state.health = .available
            state.problem = nil
        }
        logger.notice("buttons on \(layout.chip): lines \(watched.map(\.offset))")

        var descriptors = watched.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        descriptors.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
        while !stopping.load(ordering: .sequentiallyConsistent) {
            let deadline = buttons.compactMap(\.nextDeadline).min()
            let timeout = deadline.map { max(0, Int32(($0 - .now) / .milliseconds(1)) + 1) } ?? -1
            let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
            if ready < 0, errno != EINTR { return fail("waiting for GPIO events failed (\(String(cString: strerror(errno))))") }
            // Every pending edge of every line, in the order the kernel stamped them: edges of
            // the encoder's two lines must be decoded in the order they happened. Lines are read
            // until one whole pass finds nothing more, so an edge that arrived on a line already
            // read is not decoded after a later edge of another line.
            var edges: [(time: Int64, role: Watched.Role, rising: Bool)] = []
            var foundMore = ready > 0
            while foundMore {
                foundMore = false
                for item in watched {
                    var pending = pollfd(fd: item.fd, events: Int16(POLLIN), revents: 0)
                    while poll(&pending, 1, 0) > 0 {
                        var event = gpiod_line_event()
                        guard gpiod_line_event_read(item.line, &event) == 0 else { break }
                        let time = Int64(event.ts.tv_sec) * 1_000_000_000 + Int64(event.ts.tv_nsec)
                        edges.append((time, item.role, event.event_type == Int32(GPIOD_LINE_EVENT_RISING_EDGE)))
                        foundMore = true
                    }
                }
            }
            var actions: [ControlAction] = []
            for edge in edges.sorted(by: { $0.time < $1.time }) {
                switch edge.role {
                case .button(let index):
                    actions += buttons[index].edge(pressed: layout.activeLow ? !edge.rising : edge.rising, at: .now)
                case .encoderA:
                    actions += (encoder?.edge(isA: true, level: edge.rising) ?? []).map(Self.turn)
                case .encoderB:
                    actions += (encoder?.edge(isA: false, level: edge.rising) ?? []).map(Self.turn)
                }
            }
            let now = ContinuousClock.now
            for index in buttons.indices { actions += buttons[index].tick(at: now) }
            deliver(actions)
        }
    }

    private var biasFlags: Int32 {
        switch layout.bias {
        case .pullUp: Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP)
        case .pullDown: Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN)
        case .disabled: Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE)
        case .asIs: 0
        }
    }

    private static func turn(_ step: Int) -> ControlAction { step > 0 ? .volumeUp : .volumeDown }

    private func deliver(_ actions: [ControlAction]) {
        let handler = state.withLock { $0.handler }
        for action in actions where action != .none {
            logger.info("control: \(action.rawValue)")
            handler?(action)
        }
    }
}
