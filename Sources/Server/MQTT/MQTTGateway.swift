import Foundation
import Logging
import MusicBoxCore
import Parental
import ServiceLifecycle
import SmartHome

/// The box in the smart home: publishes its state to the MQTT broker and takes commands from it,
/// through ``MQTTClient`` (libmosquitto, its own thread).
///
/// - Settings: the config file's `mqtt.*` with the parents' choices over it (``MQTTPreferences``,
///   read from the state manager at start and after each change, ``reconfigure()``). A change of
///   the connection (broker, TLS, login, client id, base topic) connects anew; a change of trust
///   or discovery applies on the running connection. Off, the gateway waits for the next change.
/// - State: every `state:player` becomes the retained topics of ``MQTTTopics`` (only those that
///   changed), the position at most once a second, health every 10 s when it changes; every tap
///   and lift goes to `tag`. On each (re)connection all of it is published afresh.
/// - Commands: `cmd/<name>` runs the operation that names it (``MQTTCommands``) through the state
///   manager like any client's, refused as its HTTP route would be (``AccessGuard``, with no parent
///   token unless the broker is `trusted`); each answer goes to `cmd/result`.
public actor MQTTGateway: Service {
    /// The config file's settings, under the parents' choices.
    public nonisolated let base: MQTTSettings
    private let state: StateManager
    private let events: AsyncStream<StateEvent>
    private let access: AccessGuard
    private let health: @Sendable () async -> HealthReport
    private let logger: Logger
    private let signals: AsyncStream<Signal>
    private let signal: AsyncStream<Signal>.Continuation
    /// The settings the running client was made with (`nil`: MQTT is off, or not started yet).
    private var active: MQTTSettings?
    private var client: MQTTClient?
    /// Which client a callback comes from: one stopped since is not heard.
    private var generation = 0
    /// What the broker holds now, by topic (what is published again only when it changes).
    private var published: [String: String] = [:]
    private var lastPosition: ContinuousClock.Instant?
    /// Retained topics of a base topic left behind on this broker, cleared once connected again.
    private var stale: [String] = []
    /// The playlist titles the discovery's select was last given.
    private var offeredPlaylists: [String]?
    private var connected = false

    enum Signal: Sendable {
        case reconfigure
        case connected(generation: Int)
        case command(generation: Int, String, [UInt8])
    }

    /// What the health report says of the broker connection.
    public nonisolated let status: MQTTStatusBox

    public init(base: MQTTSettings, state: StateManager, events: AsyncStream<StateEvent>, access: AccessGuard, status: MQTTStatusBox,
                health: @escaping @Sendable () async -> HealthReport, logger: Logger) {
        self.base = base
        self.status = status
        self.state = state
        self.events = events
        self.access = access
        self.health = health
        self.logger = logger
        (signals, signal) = AsyncStream.makeStream(of: Signal.self, bufferingPolicy: .bufferingNewest(64))
    }

    /// The parents changed their MQTT settings: read them again, and connect anew if needed.
    public nonisolated func reconfigure() { signal.yield(.reconfigure) }

    /// The settings in force for these parents' choices.
    public nonisolated func settings(for preferences: MQTTPreferences) -> MQTTSettings { base.applying(preferences) }

    private var topics: MQTTTopics { MQTTTopics(base: active?.baseTopic ?? base.baseTopic) }

    public func run() async throws {
        await reconfigure(initial: true)
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
        await client?.stopped()
        client = nil
    }

    // MARK: Settings

    private func reconfigure(initial: Bool = false) async {
        let preferences: MQTTPreferences
        do {
            preferences = try await state.mqttPreferences()
        } catch {
            logger.error("MQTT settings unreadable, using the config file's: \(error.message)")
            preferences = MQTTPreferences()
        }
        var settings = base.applying(preferences)
        // Home Assistant's device is named after the box, once the family has named it.
        if let name = try? await state.settings().boxName, !name.isEmpty { settings.deviceName = name }
        let wanted = settings.enabled ? settings : nil
        guard initial || wanted != active else { return }
        if let old = active, let wanted, client != nil, !wanted.connectsDifferently(from: old) {
            active = wanted
            logger.info("MQTT settings changed: trust \(wanted.trusted ? "on" : "off"), discovery \(wanted.discovery ? "on" : "off")")
            if connected { await rediscover(after: old) }
            return
        }
        if let client {
            await leave(client, for: wanted)
            self.client = nil
        } else {
            stale = []
        }
        generation += 1
        connected = false
        published = [:]
        active = wanted
        guard let wanted else {
            status.set(.off)
            if !initial { logger.notice("MQTT is off") }
            return
        }
        await connect(wanted)
    }

    private func connect(_ settings: MQTTSettings) async {
        var handlers = MQTTClient.Handlers()
        let signal = self.signal, generation = self.generation
        handlers.connected = { signal.yield(.connected(generation: generation)) }
        handlers.message = { topic, payload in signal.yield(.command(generation: generation, topic, payload)) }
        let client = MQTTClient(settings: settings, availabilityTopic: topics.availability, handlers: handlers, logger: logger)
        do {
            try await client.started()
        } catch {
            // Said in the health report; the rest of the box runs on, and a settings change may mend it.
            logger.error("MQTT is not started: \(error)")
            await client.stopped()
            status.set(.cannotStart("MQTT: \(error)"))
            return
        }
        self.client = client
        status.set(.client(client))
    }

    /// Stops the running client. Moving to another base topic on the same broker leaves the old
    /// topics to be cleared by the next connection, once connected: the old one could not do it
    /// reliably (the broker may take the new session over, with the same client id, before it
    /// has read the old one's last packets).
    private func leave(_ client: MQTTClient, for wanted: MQTTSettings?) async {
        if connected, let old = active, let wanted, wanted.host == old.host, wanted.port == old.port, wanted.baseTopic != old.baseTopic {
            stale = Array(published.keys) + [topics.availability]
            await client.stopped(sayingOffline: false)
        } else {
            stale = []
            await client.stopped()
        }
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

    private func discovery(_ settings: MQTTSettings) -> HomeAssistantDiscovery {
        HomeAssistantDiscovery(prefix: settings.discoveryPrefix, node: settings.node, topics: MQTTTopics(base: settings.baseTopic),
                               deviceName: settings.deviceName, version: MusicBoxVersion.current)
    }

    /// Publishes every entity's config (discovery on), or clears them (off: the box leaves
    /// Home Assistant).
    private func announce() async {
        guard let client, let settings = active else { return }
        let discovery = discovery(settings)
        guard settings.discovery else {
            clearDiscovery(discovery)
            return
        }
        let titles = await state.playlistTitles
        offeredPlaylists = titles
        for (topic, payload) in discovery.configs(playlists: titles) { client.publish(topic, payload, retain: true) }
    }

    private func clearDiscovery(_ discovery: HomeAssistantDiscovery) {
        for entity in HomeAssistantDiscovery.entities {
            client?.publish(discovery.topic(component: entity.component, object: entity.object), [], retain: true)
        }
    }

    /// Discovery or its prefix changed on the running connection: the old configs go, the new come.
    private func rediscover(after old: MQTTSettings) async {
        if old.discovery, active?.discovery == false || active?.discoveryPrefix != old.discoveryPrefix {
            clearDiscovery(discovery(old))
        }
        offeredPlaylists = nil
        await announce()
    }

    /// The playlist select's options again, when the titles changed.
    private func offerPlaylists() async {
        guard connected, let settings = active, settings.discovery, let client else { return }
        let discovery = discovery(settings)
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
        case .reconfigure:
            await reconfigure()
        case .connected(let generation):
            guard generation == self.generation else { return }
            connected = true
            published = [:]
            for topic in stale { client?.publish(topic, [], retain: true) }
            stale = []
            client?.subscribe(topics.commands)
            client?.publish(topics.availability, "online", retain: true)
            let player = await state.playerState
            publish(MQTTTopics.values(of: player, now: Date().epochMillis))
            // Counts as the second's position report: the next tick comes a second after it.
            lastPosition = ContinuousClock.now
            publish([("position", String(player.positionMs / 1000))])
            offeredPlaylists = nil
            await announce()
            await publishHealth()
        case .command(let generation, let topic, let payload):
            guard generation == self.generation, let name = topics.commandName(of: topic) else { return }
            await command(name, payload: payload)
        }
    }

    private func command(_ name: String, payload: [UInt8]) async {
        var result = CommandResult(command: String(name.prefix(64)), ok: true)
        do throws(BoxError) {
            guard let operation = MQTTCommands.operation(named: name) else {
                throw BoxError(.notFound, "No such MQTT command.", details: ["command": result.command])
            }
            if active?.trusted != true { try await access.check(operation.access, token: nil) }
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

/// The gateway's connection as the health report and the settings route see it, readable at any time.
public final class MQTTStatusBox: @unchecked Sendable {
    // @unchecked: `connection` is guarded by `lock`.
    enum Connection {
        case off
        case client(MQTTClient)
        case cannotStart(String)
    }

    /// The broker connection as reported.
    public enum Report: Sendable, Equatable {
        case off
        case connected
        /// Why the box is not connected now (connecting, refused, lost).
        case problem(String)
    }

    private let lock = NSLock()
    private var connection = Connection.off

    public init() {}

    func set(_ connection: Connection) { lock.withLock { self.connection = connection } }

    public func current() -> Report {
        switch lock.withLock({ connection }) {
        case .off: .off
        case .cannotStart(let reason): .problem(reason)
        case .client(let client):
            switch client.status {
            case .connected: .connected
            case .failed(let reason): .problem("MQTT broker: \(reason)")
            case .connecting: .problem("MQTT broker: connecting")
            }
        }
    }
}
