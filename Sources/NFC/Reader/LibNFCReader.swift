import CNFC
import Foundation
import Logging
import MusicBoxCore
import Synchronization

/// An NFC reader driven through libnfc (PN532 over UART, I²C or SPI; ACR122 and PN533 over USB),
/// on its own thread:
///
/// 1. open the device by connection string (`pn532_uart:/dev/ttyS0`, or `auto` for the first
///    one libnfc finds), retrying with backoff (0.5 s doubling to 5 s) while it is missing;
/// 2. poll for an ISO 14443-A tag (`nfc_initiator_poll_target`, one 150 ms period per call, so
///    a tag is seen as soon as the chip finds it and the grace clock keeps ticking meanwhile);
/// 3. while a tag answers, check its presence every `presenceInterval` (the thread sleeps in
///    between: no busy loop);
/// 4. what it sees goes through ``TagPresence`` (grace time against flicker) and out as events.
///
/// An unplugged reader (I/O errors) is closed, reported `unavailable`, and reopened by the same
/// loop. `shutdown` aborts a pending poll with `nfc_abort_command`, so stopping is immediate.
public final class LibNFCReader: TagReader {
    public struct Configuration: Sendable {
        /// libnfc connection string; `auto`: the first reader libnfc finds.
        public var device = "auto"
        /// How long a tag must stay silent before it counts as removed.
        public var removalGrace: Duration = .seconds(1)
        /// Pause between presence checks of a tag lying on the reader.
        public var presenceInterval: Duration = .milliseconds(100)
        public var maxBackoff: Duration = .seconds(5)
        public init(device: String = "auto") { self.device = device }
    }

    /// The device pointer, shared between the reader thread and `shutdown` under the state lock
    /// (libnfc allows `nfc_abort_command` from another thread).
    private struct DeviceHandle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private struct State {
        var running = false
        var stopping = false
        /// The open device, shared with `shutdown` so it can abort a poll.
        var device: DeviceHandle?
        var health = ComponentHealth.unavailable
        /// Why the reader is unavailable (nil while it reads).
        var problem: String? = "not started yet"
        var tag: TagID?
        var handler: (@Sendable (TagEvent) -> Void)?
    }

    public let configuration: Configuration
    private let logger: Logger
    private let state = Mutex(State())
    /// Wakes the reader thread early from its sleeps when shutting down.
    private let wake = NSCondition()

    public init(configuration: Configuration, logger: Logger = Logger(label: "musicboxd.nfc")) {
        self.configuration = configuration
        self.logger = logger
    }

    public var health: ComponentHealth { state.withLock { $0.health } }
    public var problem: String? { state.withLock { $0.health == .available ? nil : $0.problem } }
    public var currentTag: TagID? { state.withLock { $0.tag } }

    public func setEventHandler(_ handler: @escaping @Sendable (TagEvent) -> Void) {
        state.withLock { $0.handler = handler }
    }

    public func start() {
        let first = state.withLock { state -> Bool in
            defer { state.running = true }
            return !state.running
        }
        guard first else { return }
        // libnfc logs every failed open to stderr; what matters reaches our log instead.
        setenv("LIBNFC_LOG_LEVEL", "0", 0)
        let thread = Thread { [self] in run() }
        thread.name = "musicboxd.nfc"
        thread.start()
    }

    public func shutdown() {
        state.withLock { state in
            state.stopping = true
            if let device = state.device { nfc_abort_command(device.pointer) }
        }
        wake.lock()
        wake.broadcast()
        wake.unlock()
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    /// Sleeps up to `duration`, returning early on shutdown.
    private func pause(_ duration: Duration) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        wake.lock()
        if !stopping { _ = wake.wait(until: Date(timeIntervalSinceNow: seconds)) }
        wake.unlock()
    }

    /// Whether a reader opens at `device` now (for hardware mode `auto`, at start).
    public static func probe(device: String) -> Bool {
        setenv("LIBNFC_LOG_LEVEL", "0", 0)
        var context: OpaquePointer?
        nfc_init(&context)
        guard let context else { return false }
        defer { nfc_exit(context) }
        guard let opened = device == "auto" ? nfc_open(context, nil) : nfc_open(context, device) else { return false }
        nfc_close(opened)
        return true
    }

    // MARK: The reader thread

    private func run() {
        var context: OpaquePointer?
        nfc_init(&context)
        guard let context else {
            state.withLock { $0.problem = "libnfc could not start" }
            logger.error("libnfc could not start; NFC is unavailable")
            return
        }
        defer { nfc_exit(context) }
        var presence = TagPresence(grace: configuration.removalGrace)
        var backoff = Duration.milliseconds(500)
        var reportedMissing = false
        while !stopping {
            guard let device = open(context) else {
                state.withLock { $0.problem = "no NFC reader at \(configuration.device)" }
                if !reportedMissing {
                    logger.error("NFC reader \(configuration.device) not found; retrying every few seconds")
                    reportedMissing = true
                }
                pause(backoff)
                backoff = min(backoff * 2, configuration.maxBackoff)
                continue
            }
            logger.notice("NFC reader open: \(String(cString: nfc_device_get_name(device)))")
            reportedMissing = false
            backoff = .milliseconds(500)
            state.withLock { $0.health = .available }
            read(device, presence: &presence)
            state.withLock { state in
                state.device = nil
                state.health = .unavailable
                state.problem = "NFC reader \(configuration.device) lost; reopening"
            }
            nfc_close(device)
            emit(presence.readerLost())
            if !stopping {
                logger.error("NFC reader \(configuration.device) lost; reopening")
                pause(backoff)
            }
        }
    }

    /// Opens and initialises the device, or nil.
    private func open(_ context: OpaquePointer) -> OpaquePointer? {
        let name = configuration.device == "auto" ? nil : configuration.device
        let device = name.map { nfc_open(context, $0) } ?? nfc_open(context, nil)
        guard let device else { return nil }
        guard nfc_initiator_init(device) >= 0 else {
            nfc_close(device)
            return nil
        }
        let published = state.withLock { state -> Bool in
            guard !state.stopping else { return false }
            state.device = DeviceHandle(pointer: device)
            return true
        }
        guard published else {
            nfc_close(device)
            return nil
        }
        return device
    }

    /// Polls and watches tags until the device fails or the reader stops.
    private func read(_ device: OpaquePointer, presence: inout TagPresence) {
        var modulation = nfc_modulation(nmt: NMT_ISO14443A, nbr: NBR_106)
        while !stopping {
            var target = nfc_target()
            let found = nfc_initiator_poll_target(device, &modulation, 1, 1, 1, &target)
            if found > 0, let tag = Self.uid(of: target) {
                emit(presence.seen(tag, at: .now))
                guard watch(device, target: &target, tag: tag, presence: &presence) else { return }
            } else if found >= 0 || found == NFC_ETIMEOUT {
                emit(presence.absent(at: .now))
            } else if found == NFC_EOPABORTED {
                return
            } else {
                return  // I/O error: the reader is gone
            }
        }
    }

    /// Checks the tag's presence until it stops answering; false when the device failed.
    private func watch(_ device: OpaquePointer, target: inout nfc_target, tag: TagID, presence: inout TagPresence) -> Bool {
        while !stopping {
            pause(configuration.presenceInterval)
            guard !stopping else { return true }
            let result = nfc_initiator_target_is_present(device, &target)
            if result == 0 {
                emit(presence.seen(tag, at: .now))
                continue
            }
            if result == NFC_EIO || result == NFC_ENOTSUCHDEV { return false }
            // Released, timed out, no answer: gone for now (the grace decides if for good).
            emit(presence.absent(at: .now))
            return true
        }
        return true
    }

    private func emit(_ events: [TagEvent]) {
        guard !events.isEmpty else { return }
        let handler = state.withLock { state -> (@Sendable (TagEvent) -> Void)? in
            for event in events {
                switch event {
                case .placed(let tag): state.tag = tag
                case .removed: state.tag = nil
                }
            }
            return state.handler
        }
        for event in events {
            logger.info("tag \(event)")
            handler?(event)
        }
    }

    /// The UID of an ISO 14443-A target as lowercase hex.
    static func uid(of target: nfc_target) -> TagID? {
        let length = min(Int(target.nti.nai.szUidLen), 10)
        let hex = withUnsafeBytes(of: target.nti.nai.abtUid) { bytes in
            bytes.prefix(length).map { String(format: "%02x", $0) }.joined()
        }
        return TagID(hex)
    }
}

extension LibNFCReader {
    /// The libnfc this binary uses, as loaded ("libnfc 1.8.0").
    public static var library: String { "libnfc \(String(cString: nfc_version()))" }
}
