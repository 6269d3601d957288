import BoxConfig
import Foundation
import Synchronization
@_spi(Simulation) import Audio
@_spi(Simulation) import Controls
import Hummingbird
import Logging
import MediaLibrary
@_spi(Simulation) import MusicBoxCore
@_spi(Simulation) import NFC
import Server
import SmartHome
import SocketIO
import ServiceLifecycle
import UnixSignals
import Parental
import Uploads
import WebUI

/// The whole daemon, built from a configuration: storage, the state manager and the HTTP server,
/// run as services with a clean shutdown on SIGTERM/SIGINT.
public final class MusicBoxDaemon: Sendable {
    public let config: DaemonConfig
    public let layout: DataLayout
    public let database: LibraryDatabase
    public let store: GRDBLibraryStore
    public let state: StateManager
    public let engine: any PlaybackEngine
    private let logger: Logger
    private let serviceGroup: ServiceGroup
    private let boundPort: BoundPort
    /// Every HTTP API route, as "METHOD /path/:parameter" (the OpenAPI document is checked against it).
    public let routes: [String]
    /// Every operation reached by a Socket.IO event.
    public let socketOperations: [APIOperation]

    /// Opens storage and builds every part; nothing listens until ``run()``.
    /// `signals` are the Unix signals that start a graceful shutdown (none in tests).
    public init(
        config: DaemonConfig,
        logger: Logger,
        startedAt: Date = Date(),
        startInstant: ContinuousClock.Instant = .now,
        signals: [UnixSignal] = [.sigterm, .sigint]
    ) throws {
        self.config = config
        self.logger = logger
        let timeline = BootTimeline(start: startInstant)
        timeline.mark(.configLoaded)
        layout = DataLayout(dataDirectory: config.storage.dataDir)
        try layout.prepare()

        do {
            database = try LibraryDatabase(path: layout.databasePath)
        } catch {
            throw DaemonStartError("cannot open the database \(layout.databasePath): \(error)")
        }
        store = GRDBLibraryStore(
            database: database, media: try MediaFolder(directory: layout.mediaDirectory),
            logger: logger.with(label: "musicboxd.library")
        )
        try store.reconcileMediaFolder()
        timeline.mark(.databaseOpen)

        // Socket.IO on the same port: polling as routes, WebSocket upgrades through the server builder.
        // A bind address that names one interface is one of the box's names too (0.0.0.0 is not).
        let bound = ["0.0.0.0", "::", ""].contains(config.server.host) ? [] : [config.server.host]
        let hosts = HostAllowlist(configured: config.server.allowedHosts + bound)
        // The Engine.IO handshake (polling and WebSocket) follows the HTTP rule: a Host of the box's,
        // and no Origin, or one of that same host.
        var socketIO = SocketIOConfiguration()
        socketIO.engine.pingInterval = config.realtime.pingIntervalMs
        socketIO.engine.pingTimeout = config.realtime.pingTimeoutMs
        socketIO.engine.connectTimeout = config.realtime.connectTimeoutMs
        socketIO.connections = Self.connectionLimits(config.server, logger: logger)
        let io = SocketIOServer(
            configuration: socketIO,
            originPolicy: { origin, host in hosts.allows(host) && EngineServer.sameHostOrigin(origin, host) },
            logger: logger.with(label: "musicboxd.socketio")
        )
        let realtimeLogger = logger.with(label: "musicboxd.realtime")
        engine = Self.makeEngine(config: config, store: store, logger: logger.with(label: "musicboxd.audio"))
        timeline.mark(.audioOpen)
        var options = StateManager.Options()
        options.eventLogCapacity = config.realtime.eventLogSize
        options.feedbackSounds = config.audio.feedbackSounds == "on"
        options.resumeSaveInterval = .milliseconds(config.audio.resumeSaveIntervalMs)
        let reader = TagService.makeReader(
            mode: config.hardware.mode, device: config.nfc.device, graceMs: config.nfc.removalGraceMs,
            logger: logger.with(label: "musicboxd.nfc")
        )
        let parental = ParentalAccess(store: store, logger: logger.with(label: "musicboxd.parental"))
        parental.resetIfRequested(files: Self.pinResetFiles(layout: layout, environment: ProcessInfo.processInfo.environment))
        let realtime = RealtimePublisher(namespace: io.sockets, logger: realtimeLogger, mayUpload: RealtimePublisher.parents(parental))
        let mqttEvents = EventQueue()
        do {
            state = try StateManager(
                store: store, engine: engine, publisher: EventFanOut([realtime, mqttEvents]),
                options: options, logger: logger.with(label: "musicboxd.state")
            )
        } catch {
            throw DaemonStartError("cannot load the library from \(layout.databasePath): \(error)")
        }
        // From here on the parents' PIN and logins are written by the state manager, the one writer.
        parental.writeThrough(state)
        timeline.mark(.libraryLoaded)
        let controls = ControlService.makeInput(mode: config.hardware.mode, config: config.controls, logger: logger.with(label: "musicboxd.controls"))
        var health = HealthProbe(library: store, engine: engine, tags: reader, controls: controls, hardwareMode: config.hardware.mode, dataDirectory: layout.root.path)
        let mqttStatus = MQTTStatusBox()
        health.mqtt = mqttStatus
        let ytdlp = config.links.ytdlp
        health.linksProblem = {
            LinkImportService.locate(ytdlp) == nil ? "yt-dlp (\(ytdlp)) is not installed: songs from links are refused (apt install yt-dlp)." : nil
        }
        let operations = OperationReporter(state: state, namespace: io.sockets, logger: realtimeLogger)
        let power = PowerOff(
            requestFile: PowerOff.requestFile(configured: config.power.requestFile, environment: ProcessInfo.processInfo.environment),
            state: state, logger: logger.with(label: "musicboxd.power")
        )
        state.setPowerOff { try await power.request(by: "a command tag") }
        let gateway = RealtimeGateway(
            io: io, state: state, operations: operations, health: health,
            healthInterval: .milliseconds(config.realtime.healthIntervalMs), parental: parental, logger: realtimeLogger
        )

        socketOperations = gateway.handledOperations
        let uploads = try UploadService(
            staging: StagingArea(directory: layout.uploadsDirectory), limits: Self.uploadLimits(config.uploads),
            state: state, library: store, probe: FFmpegAudioProbe(), logger: logger.with(label: "musicboxd.uploads")
        )
        var linkLimits = LinkImportService.Limits()
        linkLimits.executable = config.links.ytdlp
        linkLimits.concurrentTasks = config.links.concurrentTasks
        linkLimits.maxBytes = Int64(config.uploads.maxFileMB) << 20
        linkLimits.maxDurationMs = Int64(config.links.maxDurationMinutes) * 60_000
        linkLimits.timeout = .seconds(config.links.timeoutMinutes * 60)
        let links = try LinkImportService(
            directory: layout.linksDirectory, limits: linkLimits, state: state, probe: FFmpegAudioProbe(),
            logger: logger.with(label: "musicboxd.links")
        )
        let feeds = try FeedService(
            directory: layout.feedsDirectory, limits: linkLimits, refreshInterval: .seconds(config.links.feedRefreshHours * 3600),
            state: state, library: store, probe: FFmpegAudioProbe(),
            fetcher: FFmpegWebFetcher(limits: .init(
                readTimeout: .seconds(linkLimits.socketTimeoutS), timeout: linkLimits.timeout,
                caFile: config.streams.caFile.isEmpty ? nil : config.streams.caFile
            )),
            logger: logger.with(label: "musicboxd.feeds")
        )
        let probe = health
        let smartHome = MQTTGateway(
            base: Self.mqttSettings(config.mqtt), state: state, events: mqttEvents.events, access: AccessGuard(parental: parental, state: state),
            status: mqttStatus, health: { await probe.check() }, logger: logger.with(label: "musicboxd.mqtt")
        )
        var dependencies = APIDependencies(
            state: state, library: store,
            system: SystemFacts(
                version: MusicBoxVersion.current, startedAt: startedAt, startInstant: startInstant,
                hardwareMode: config.hardware.mode, dataDirectory: layout.root.path, timeline: timeline
            ),
            health: health, operations: operations,
            maxJSONBodyBytes: config.server.maxJSONBodyBytes, tags: reader, controls: controls, uploads: uploads,
            parental: parental
        )
        let httpLogger = logger.with(label: "musicboxd.http")
        dependencies.logger = httpLogger
        dependencies.buttons = ControlService.buttonMap(config.controls)
        dependencies.streamProbe = StreamProbe.prober(limits: Self.streamLimits(config))
        dependencies.links = links
        dependencies.feeds = feeds
        dependencies.smartHome = smartHome
        dependencies.engine = engine
        dependencies.power = power
        dependencies.hosts = hosts
        dependencies.developmentRoutes = config.server.devRoutes && config.hardware.mode == .sim
        if config.server.devRoutes, config.hardware.mode != .sim {
            logger.warning("server.dev_routes is on, but the hardware is not simulated (mode \(config.hardware.mode.rawValue)): /api/dev/* is not served")
        }
        switch WebUISite.locate(configured: config.server.webRoot) {
        case .success(let folder): dependencies.webRoot = folder.path
        case .failure(let error): logger.error("web UI not served: \(error)")
        }
        let boundPort = BoundPort()
        self.boundPort = boundPort
        let router = APIRouter.build(dependencies)
        routes = router.routes.map { "\($0.method) \($0.path)" }
        io.addPollingRoutes(to: router)
        let app = Application(
            router: router,
            server: io.httpServerBuilder,
            configuration: .init(address: .hostname(config.server.host, port: config.server.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                boundPort.set(port)
                timeline.mark(.httpListening)
                httpLogger.notice("listening on http://\(config.server.host):\(port)")
            },
            logger: httpLogger
        )
        serviceGroup = ServiceGroup(
            // Services stop in reverse order: Socket.IO tells its clients before HTTP goes away.
            configuration: .init(services: [
                gateway, TagService(reader: reader, state: state, timeline: timeline),
                ControlService(input: controls, state: state, volumeStep: config.controls.volumeStep, power: power, logger: logger.with(label: "musicboxd.controls")),
                ReadySound(health: health, state: state, hardwareMode: config.hardware.mode, logger: logger.with(label: "musicboxd.feedback")),
                uploads, links, feeds, smartHome,
                app, SocketIOService(server: io),
                SystemdService(
                    environment: ProcessInfo.processInfo.environment, state: state, health: health, timeline: timeline,
                    waitUntilListening: { [boundPort] in try await boundPort.wait() }, logger: logger.with(label: "musicboxd.systemd")
                ),
            ], gracefulShutdownSignals: signals, logger: logger)
        )
    }

    /// The broker settings of the config file (the parents' choices go over them).
    static func mqttSettings(_ config: DaemonConfig.MQTT) -> MQTTSettings {
        var settings = MQTTSettings(hostname: HostAllowlist.machineName())
        settings.enabled = config.enabled == "on"
        settings.host = config.host
        settings.port = config.port
        settings.caFile = config.caFile.isEmpty ? nil : config.caFile
        settings.tls = settings.caFile != nil
        settings.username = config.username.isEmpty ? nil : config.username
        settings.password = config.password.isEmpty ? nil : config.password
        if !config.clientID.isEmpty { settings.clientID = config.clientID }
        if !config.baseTopic.isEmpty { settings.baseTopic = config.baseTopic }
        settings.discovery = config.discovery == "on"
        if !config.discoveryPrefix.isEmpty { settings.discoveryPrefix = config.discoveryPrefix }
        settings.trusted = config.trusted == "on"
        return settings
    }

    /// The HTTP server's timeouts and connection limit, the latter under the open-file limit.
    static func connectionLimits(_ server: DaemonConfig.Server, logger: Logger) -> HTTPConnectionLimits {
        var limits = HTTPConnectionLimits()
        limits.headTimeout = .milliseconds(Int64(server.requestHeadTimeoutMs))
        limits.bodyTimeout = .milliseconds(Int64(server.requestBodyTimeoutMs))
        limits.idleTimeout = .milliseconds(Int64(server.keepAliveTimeoutMs))
        limits.maxConnections = server.maxConnections
        limits.errorBody = ConnectionRefusal.body
        let descriptors = DescriptorLimit.raise()
        let capped = limits.capped(byDescriptorLimit: descriptors)
        if capped.maxConnections < limits.maxConnections {
            logger.warning("server.max_connections lowered to \(capped.maxConnections): the open-file limit is \(descriptors) (the unit sets LimitNOFILE=8192)")
        }
        return capped
    }

    /// Where a parent's PIN reset request may be: the runtime folder (the unit moves
    /// `/boot/firmware/musicboxd-reset-pin` there as root, since the daemon may not write the boot
    /// partition) and the data folder.
    static func pinResetFiles(layout: DataLayout, environment: [String: String]) -> [String] {
        var files: [String] = []
        if let runtime = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first, !runtime.isEmpty {
            files.append(String(runtime) + "/reset-pin")
        }
        files.append(layout.root.appendingPathComponent("reset-pin").path)
        return files
    }

    static func uploadLimits(_ config: DaemonConfig.Uploads) -> UploadLimits {
        var limits = UploadLimits()
        limits.maxFileBytes = Int64(config.maxFileMB) << 20
        limits.allowedExtensions = config.formatList
        limits.freeSpaceReserveBytes = Int64(config.freeSpaceReserveMB) << 20
        limits.maxSessions = config.maxSessions
        limits.maxSessionsPerClient = config.maxSessionsPerClient
        limits.emptySessionExpirySeconds = Int64(config.emptySessionExpiryMinutes) * 60
        limits.sessionExpirySeconds = Int64(config.sessionExpiryHours) * 3600
        limits.defaultChunkBytes = config.chunkKB << 10
        return limits
    }

    /// `sim`: the paced simulation. `real`: ALSA on `audio.device`, retried while it is missing.
    /// `auto`: ALSA when the device opens now, the simulation otherwise.
    static func makeEngine(config: DaemonConfig, store: GRDBLibraryStore, logger: Logger) -> any PlaybackEngine {
        if config.hardware.mode != .sim { ALSAMessages.routeToLog(logger) }
        var alsa = ALSAPlaybackEngine.Configuration(device: config.audio.device)
        alsa.latencyMs = config.audio.latencyMs
        alsa.periodMs = config.audio.periodMs > 0 ? config.audio.periodMs : nil
        alsa.mixerControl = config.audio.mixerControl.isEmpty ? nil : config.audio.mixerControl
        alsa.mixerDevice = config.audio.mixerDevice
        alsa.stream = streamLimits(config)
        alsa.streamRetry = StreamRetry.Policy(giveUpAfter: .seconds(config.streams.giveUpAfterS))
        switch config.hardware.mode {
        case .sim:
            return SimulatedPlaybackEngine()
        case .auto:
            do {
                _ = try ALSAOutput(device: alsa.device, format: alsa.format, latencyMs: alsa.latencyMs, periodMs: alsa.periodMs)
            } catch {
                logger.notice("no audio device (\(error.message)); simulating audio")
                return SimulatedPlaybackEngine()
            }
            fallthrough
        case .real:
            return ALSAPlaybackEngine(configuration: alsa, resolve: { store.mediaPath(for: $0) }, logger: logger)
        }
    }

    /// How long streams may take to open and to send, and the certificates https is checked against.
    static func streamLimits(_ config: DaemonConfig) -> StreamConnection.Limits {
        StreamConnection.Limits(
            openTimeout: .milliseconds(config.streams.openTimeoutMs), readTimeout: .milliseconds(config.streams.readTimeoutMs),
            caFile: config.streams.caFile.isEmpty ? nil : config.streams.caFile
        )
    }

    /// Runs until a shutdown signal or ``shutdown()``, then closes the database cleanly.
    public func run() async throws {
        defer {
            state.shutdown()
            engine.shutdown()
            do {
                try database.close()
                logger.info("database closed")
            } catch {
                logger.error("closing the database failed: \(error)")
            }
        }
        try await serviceGroup.run()
    }

    /// Starts a graceful shutdown: in-flight requests finish, then ``run()`` returns.
    public func shutdown() async {
        await serviceGroup.triggerGracefulShutdown()
    }

    /// The port the server listens on, once it does (useful with port 0).
    public func waitUntilListening(timeout: Duration = .seconds(10)) async throws -> Int {
        try await boundPort.wait(timeout: timeout)
    }
}

/// The listening port, written once from the server's start callback.
private final class BoundPort: Sendable {
    private let storage = Mutex<Int?>(nil)
    var value: Int? { storage.withLock { $0 } }
    func set(_ port: Int) { storage.withLock { $0 = port } }

    func wait(timeout: Duration = .seconds(10)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let port = value { return port }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw DaemonStartError("the HTTP server did not start listening within \(timeout)")
    }
}

extension Logger {
    /// The same handler and level under another label.
    func with(label: String) -> Logger {
        var logger = Logger(label: label, factory: { _ in self.handler })
        logger.logLevel = logLevel
        return logger
    }
}
