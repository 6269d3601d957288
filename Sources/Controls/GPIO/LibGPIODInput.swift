import CGPIOD
import Foundation
import Glibc
import Logging
import MusicBoxCore
import Synchronization

/// Buttons and a rotary encoder on GPIO lines, through libgpiod (its v1 API on bookworm, v2 on
/// trixie, behind `CGPIOD`'s `musicbox_gpio_*`), on their own thread.
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

    /// The libgpiod this binary uses, as loaded ("libgpiod 2.2.1 (v2 API)").
    public static var library: String { String(cString: musicbox_gpio_library()) }

    // MARK: The input thread

    private enum Role { case button(Int), encoderA, encoderB }

    private func fail(_ problem: String) {
        logger.error("buttons unavailable: \(problem)")
        state.withLock { state in
            state.health = .unavailable
            state.problem = problem
        }
    }

    private func run() {
        var roles: [UInt32: Role] = [:]
        var offsets: [UInt32] = []
        for (index, button) in layout.buttons.enumerated() {
            offsets.append(UInt32(button.line))
            roles[UInt32(button.line)] = .button(index)
        }
        if let encoder = layout.encoder {
            offsets += [UInt32(encoder.lineA), UInt32(encoder.lineB)]
            roles[UInt32(encoder.lineA)] = .encoderA
            roles[UInt32(encoder.lineB)] = .encoderB
        }
        var requested: OpaquePointer?
        var failedOffset: UInt32 = 0
        let failure = musicbox_gpio_request(layout.chip, offsets, offsets.count, bias, "musicboxd", &requested, &failedOffset)
        let reason = String(cString: strerror(errno))
        guard failure == Int32(MUSICBOX_GPIO_OK.rawValue), let lines = requested else {
            switch UInt32(failure) {
            case MUSICBOX_GPIO_NO_CHIP.rawValue: return fail("no GPIO chip \"\(layout.chip)\" (\(reason))")
            case MUSICBOX_GPIO_NO_LINE.rawValue: return fail("line \(failedOffset) does not exist on \(layout.chip)")
            case MUSICBOX_GPIO_REQUEST_FAILED.rawValue:
                return fail("line \(failedOffset) of \(layout.chip) cannot be requested (\(reason)): is another program using it?")
            default: return fail("GPIO lines of \(layout.chip) cannot be requested (\(reason))")
            }
        }
        defer { musicbox_gpio_release(lines) }
        var buttons = layout.buttons.map {
            ButtonDecoder(action: $0.action, longAction: $0.longAction, repeats: $0.repeats, timing: layout.timing)
        }
        var chord = ButtonChord()
        var encoder = layout.encoder.map {
            RotaryDecoder(
                transitionsPerStep: $0.transitionsPerStep,
                a: musicbox_gpio_value(lines, UInt32($0.lineA)) != 0, b: musicbox_gpio_value(lines, UInt32($0.lineB)) != 0
            )
        }
        state.withLock { state in
            state.health = .available
            state.problem = nil
        }
        logger.notice("buttons on \(layout.chip): lines \(offsets) (\(Self.library))")

        var lineDescriptors = [Int32](repeating: -1, count: max(1, offsets.count))
        let count = musicbox_gpio_fds(lines, &lineDescriptors, lineDescriptors.count)
        var descriptors = lineDescriptors.prefix(count).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        descriptors.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
        var buffer = [musicbox_gpio_edge](repeating: musicbox_gpio_edge(), count: 256)
        while !stopping.load(ordering: .sequentiallyConsistent) {
            let deadline = (buttons.compactMap(\.nextDeadline) + [chord.nextDeadline].compactMap { $0 }).min()
            let timeout = deadline.map { max(0, Int32(($0 - .now) / .milliseconds(1)) + 1) } ?? -1
            let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
            if ready < 0, errno != EINTR { return fail("waiting for GPIO events failed (\(String(cString: strerror(errno))))") }
            // Every pending edge of every line, in the order the kernel stamped them: edges of
            // the encoder's two lines must be decoded in the order they happened. Lines are read
            // until one whole pass finds nothing more, so an edge that arrived on a line already
            // read is not decoded after a later edge of another line.
            var edges: [musicbox_gpio_edge] = []
            while ready > 0 {
                let read = musicbox_gpio_read_edges(lines, &buffer, buffer.count)
                if read < 0 { return fail("reading GPIO events failed (\(String(cString: strerror(errno))))") }
                if read == 0 { break }
                edges += buffer.prefix(Int(read))
            }
            var actions: [ControlAction] = []
            for edge in edges.sorted(by: { $0.timestamp_ns < $1.timestamp_ns }) {
                let rising = edge.rising != 0
                switch roles[edge.offset] {
                case .button(let index):
                    actions += buttons[index].edge(pressed: layout.activeLow ? !rising : rising, at: .now)
                case .encoderA:
                    actions += (encoder?.edge(isA: true, level: rising) ?? []).map(Self.turn)
                case .encoderB:
                    actions += (encoder?.edge(isA: false, level: rising) ?? []).map(Self.turn)
                case nil:
                    break
                }
            }
            let now = ContinuousClock.now
            for index in buttons.indices { actions += buttons[index].tick(at: now) }
            actions += chord.update(pressed: buttons.map(\.pressed), at: now)
            deliver(actions)
        }
    }

    private var bias: Int32 {
        let bias = switch layout.bias {
        case .pullUp: MUSICBOX_GPIO_BIAS_PULL_UP
        case .pullDown: MUSICBOX_GPIO_BIAS_PULL_DOWN
        case .disabled: MUSICBOX_GPIO_BIAS_DISABLED
        case .asIs: MUSICBOX_GPIO_BIAS_AS_IS
        }
        return Int32(bias.rawValue)
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
