import Logging
import MusicBoxCore
import NIOCore
import NIOPosix
import Server
import ServiceLifecycle

/// Tells systemd how the daemon is doing (`Type=notify`): `READY=1` once the HTTP server listens
/// (the database, audio and reader are set up before it; a part that failed leaves the box ready
/// in degraded health, which `STATUS=` names), then `WATCHDOG=1` at half of `WatchdogSec`, each
/// only after a round trip through the state manager and every NIO event loop. A stalled actor
/// or event loop stops the pings, and systemd restarts the box. `STOPPING=1` on shutdown.
struct SystemdService: Service {
    let socket: NotifySocket?
    let watchdogInterval: Duration?
    let state: StateManager
    let health: HealthProbe
    let timeline: BootTimeline
    let eventLoops: any EventLoopGroup
    let waitUntilListening: @Sendable () async throws -> Int
    let logger: Logger

    init(
        environment: [String: String], state: StateManager, health: HealthProbe, timeline: BootTimeline,
        eventLoops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        waitUntilListening: @escaping @Sendable () async throws -> Int, logger: Logger
    ) {
        socket = NotifySocket(environment: environment)
        // WATCHDOG_USEC applies to this process only when WATCHDOG_PID is unset or ours.
        let forUs = environment["WATCHDOG_PID"].map { $0 == String(getpid()) } ?? true
        watchdogInterval = environment["WATCHDOG_USEC"].flatMap(Int64.init).flatMap { usec in
            forUs && usec > 0 ? Duration.microseconds(max(usec / 2, 50_000)) : nil
        }
        self.state = state
        self.health = health
        self.timeline = timeline
        self.eventLoops = eventLoops
        self.waitUntilListening = waitUntilListening
        self.logger = logger
    }

    func run() async throws {
        let port = try await waitUntilListening()
        // The reader's thread starts with its service, alongside this one: give it a moment.
        let deadline = ContinuousClock.now + .seconds(2)
        while !timeline.has(.readerOpen), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
        timeline.mark(.ready)
        let report = await health.check()
        let status = "listening on port \(port), \(report.status.rawValue)" + (report.problems.isEmpty ? "" : ": " + report.problems.values.sorted().joined(separator: "; "))
        if let socket, !socket.send(["READY=1", "STATUS=\(status)", "MAINPID=\(getpid())"]) {
            logger.error("could not tell systemd that the box is ready (NOTIFY_SOCKET)")
        }
        logger.info("boot timeline: \(timeline.milestonesMs().map { "\($0.0) \($0.1) ms" }.joined(separator: ", "))")
        await withGracefulShutdownHandler {
            guard let socket, let interval = watchdogInterval else {
                try? await gracefulShutdown()
                return
            }
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                if await alive() { socket.send(["WATCHDOG=1"]) }
                try? await Task.sleep(for: interval)
            }
        } onGracefulShutdown: {
            socket?.send(["STOPPING=1"])
        }
    }

    /// A command-free round trip through the state manager, then through every event loop. Either
    /// one stuck keeps this from returning, so no ping goes out.
    func alive() async -> Bool {
        _ = await state.currentServerSeq
        for loop in eventLoops.makeIterator() {
            do { try await loop.submit {}.get() } catch { return false }
        }
        return true
    }
}
