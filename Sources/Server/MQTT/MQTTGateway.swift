import Foundation
import Logging
import MusicBoxCore
import Parental
import ServiceLifecycle
import SmartHome

/// The box in the smart home: publishes its state to the MQTT broker and takes commands from it,
/// through ``MQTTClient`` (libmosquitto, its own thread).
///
/// - State: every `state:player` becomes the retained topics of ``MQTTTopics`` (only those that
///   changed), the position at most once a second, health every 10 s when it changes; every tap
///   and lift goes to `tag`. On each (re)connection all of it is published afresh.
/// - Commands: `cmd/<name>` runs the operation that names it (``MQTTCommands``) through the state
///   manager like any client's, refused as its HTTP route would be (``AccessGuard``, with no parent
///   token unless the broker is `trusted`); each answer goes to `cmd/result`.
public actor MQTTGateway: Service {
    private let settings: MQTTSettings
    private let topics: MQTTTopics
    private let state: StateManager
    private let events: AsyncStream<StateEvent>
    private let access: AccessGuard
    private let health: @Sendable () async -> HealthReport
    private let logger: Logger
    private let signals: AsyncStream<Signal>
    private let signal: AsyncStream<Signal>.Continuation
    private var client: MQTTClient?
    /// What the broker holds now, by topic (what is published again only when it changes).
    private var published: [String: String] = [:]
    private var lastPosition: ContinuousClock.Instant?
    /// The playlist titles the discovery's select was last given.
    private var offeredPlaylists: [String]?
    private var connected = false

    enum Signal: Sendable {
        case connected
        case command(String, [UInt8])
    }

    public init(settings: MQTTSettings, state: StateManager, events: AsyncStream<StateEvent>, access: AccessGuard, status: MQTTStatusBox,
                health: @escaping @Sendable () async -> HealthReport, logger: Logger) {
        self.settings = settings
        self.status = status
        topics = MQTTTopics(base: settings.baseTopic)
        self.state = state
        self.events = events
        self.access = access
        self.health = health
        self.logger = logger
        (signals, signal) = AsyncStream.makeStream(of: Signal.self, bufferingPolicy: .bufferingNewest(64))
    }

    /// Why the box is not connected to its broker now (`nil`: connected), for the health report.
    public nonisolated static func problem(of client: MQTTClient?) -> String? {
        switch client?.status {
        case .connected?: nil
        case .failed(let reason)?: "MQTT broker: \(reason)"
        case .connecting?, nil: "MQTT broker: connecting"
        }
    }

    /// What the health report says of the broker connection.
    public nonisolated let status: MQTTStatusBox

    public func run() async throws {
        var handlers = MQTTClient.Handlers()
        let signal = self.signal
        handlers.connected = { signal.yield(.connected) }
        handlers.message = { topic, payload in signal.yield(.command(topic, payload)) }
        let client = MQTTClient(settings: settings, availabilityTopic: topics.availability, handlers: handlers, logger: logger)
        do {
            try client.start()
        } catch {
            // Said in the health report; the rest of the box runs on (a service that returned
            // would end the daemon).
            logger.error("MQTT is not started: \(error)")
            client.stop()
            let problem = "MQTT: \(error)"
            status.set { problem }
            try? await gracefulShutdown()
            return
        }
        self.client = client
        status.set { Self.problem(of: client) }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { for await event in self.events { await self.handle(event) } }
                group.addTask { for await signal in self.signals { await self.handle(signal) } }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(10))
                        await self.publishHealth()
                    }
                }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.signal.finish()
        }
        client.stop()
    }

    // MARK: State out

    private func handle(_ event: StateEvent) async {
        guard connected else { return }
        switch event.payload {
        case .player(let player): publish(MQTTTopics.values(of: player, now: Date().epochMillis))
        case .trackPosition(let position):
            let now = ContinuousClock.now
            if let last = lastPosition, now - last < .seconds(1) { return }
            lastPosition = now
            publish([("position", String(position.positionMs / 1000))])
        case .tag(let outcome):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(outcome) { client?.publish(topics.tag, [UInt8](data)) }
            if outcome.present { client?.publish(topics.tagScanned, outcome.tagID.description) }
        case .playlists, .playlistUpdated, .playlistDeleted:
            await offerPlaylists()
        default:
            break
        }
    }

    private func publish(_ values: [(String, String)]) {
        guard let client else { return }
        for (name, value) in values {
            let topic = topics.state(name)
            guard published[topic] != value else { continue }
            if client.publish(topic, value, retain: true) { published[topic] = value }
        }
    }

    private func publishHealth() async {
        guard connected else { return }
        let report = await health()
        // The sleep timer's minutes count down without a state change: the values again.
        publish(MQTTTopics.values(of: await state.playerState, now: Date().epochMillis) + [("health", report.status.rawValue)])
    }

    // MARK: Home Assistant

    private var discovery: HomeAssistantDiscovery {
        HomeAssistantDiscovery(prefix: settings.discoveryPrefix, node: settings.node, topics: topics, deviceName: settings.deviceName,
                               version: MusicBoxVersion.current)
    }

    /// Publishes every entity's config (discovery on), or clears them (off: the box leaves
    /// Home Assistant).
    private func announce() async {
        guard let client else { return }
        guard settings.discovery else {
            for entity in HomeAssistantDiscovery.entities {
                client.publish(discovery.topic(component: entity.component, object: entity.object), [], retain: true)
            }
            return
        }
        let titles = await state.playlistTitles
        offeredPlaylists = titles
        for (topic, payload) in discovery.configs(playlists: titles) { client.publish(topic, payload, retain: true) }
    }

    /// The playlist select's options again, when the titles changed.
    private func offerPlaylists() async {
        guard connected, settings.discovery, let client else { return }
        let titles = await state.playlistTitles
        guard titles != offeredPlaylists else { return }
        offeredPlaylists = titles
        for (topic, payload) in discovery.configs(playlists: titles) where topic.contains("/select/") {
            client.publish(topic, payload, retain: true)
        }
    }

    // MARK: Connections and commands in

    private func handle(_ signal: Signal) async {
        switch signal {
        case .connected:
            connected = true
            published = [:]
            client?.subscribe(topics.commands)
            client?.publish(topics.availability, "online", retain: true)
            let player = await state.playerState
            publish(MQTTTopics.values(of: player, now: Date().epochMillis))
            publish([("position", String(player.positionMs / 1000))])
            offeredPlaylists = nil
            await announce()
            await publishHealth()
        case .command(let topic, let payload):
            guard let name = topics.commandName(of: topic) else { return }
            await command(name, payload: payload)
        }
    }

    private func command(_ name: String, payload: [UInt8]) async {
        var result = CommandResult(command: String(name.prefix(64)), ok: true)
        do throws(BoxError) {
            guard let operation = MQTTCommands.operation(named: name) else {
                throw BoxError(.notFound, "No such MQTT command.", details: ["command": result.command])
            }
            if !settings.trusted { try await access.check(operation.access, token: nil) }
            let run = try await MQTTCommands.read(operation, payload: payload, state: state)
            try await run(state, "mqtt")
        } catch {
            logger.notice("MQTT command \(result.command) refused: \(error.message)")
            result.ok = false
            result.errorType = error.code.rawValue
            result.message = error.message
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if let data = try? encoder.encode(result) { client?.publish(topics.commandResult, [UInt8](data)) }
    }

    /// The answer to one command, on `cmd/result`.
    struct CommandResult: Encodable {
        var command: String
        var ok: Bool
        var errorType: String?
        var message: String?

        enum CodingKeys: String, CodingKey {
            case command, ok, message
            case errorType = "error_type"
        }
    }
}

/// The gateway's health answer, readable from the health probe at any time.
public final class MQTTStatusBox: @unchecked Sendable {
    // @unchecked: `problem` is guarded by `lock`.
    private let lock = NSLock()
    private var problem: @Sendable () -> String? = { "MQTT broker: connecting" }

    public init() {}

    func set(_ problem: @escaping @Sendable () -> String?) { lock.withLock { self.problem = problem } }
    public func current() -> String? { lock.withLock { problem }() }
}
