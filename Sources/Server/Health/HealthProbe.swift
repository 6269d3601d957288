import Foundation
import MusicBoxCore

/// The box's health (CONTRACT §4 `health_status`): one state per component and an overall verdict.
public struct HealthReport: Sendable, Equatable, Encodable {
    public enum Status: String, Sendable, Encodable {
        /// Everything works (simulated parts count as working).
        case healthy
        /// Music still plays from the library, but a device is missing or failing.
        case degraded
        /// The box cannot keep its library: the database or the disk fails.
        case unhealthy
    }

    public var status: Status
    public var components: [String: ComponentHealth]
    public var timestamp: EpochMillis
    /// Counters of the audio output (underruns, suspends, reopenings), when the engine keeps them.
    public var audio: OutputStatistics?
    /// Why a component is unavailable, by name, when it says ("no GPIO chip \"gpiochip0\"").
    public var problems: [String: String]

    /// Components whose failure makes the box unhealthy rather than degraded.
    static let essential: Set<String> = ["database", "storage"]

    /// Components that are extras: shown, with their problem, but the box is healthy without
    /// them (music plays; only that feature is refused).
    static let optional: Set<String> = ["links", "mqtt"]

    init(components: [String: ComponentHealth], timestamp: EpochMillis, audio: OutputStatistics? = nil, problems: [String: String] = [:]) {
        self.components = components
        self.timestamp = timestamp
        self.audio = audio
        self.problems = problems
        let failing = components.filter { !$0.value.isWorking && !Self.optional.contains($0.key) }.keys
        status = failing.isEmpty ? .healthy : failing.contains(where: Self.essential.contains) ? .unhealthy : .degraded
    }

    /// The components that do not work, by name.
    public var failing: [String] { components.filter { !$0.value.isWorking }.keys.sorted() }
}

/// Checks each part of the box. Cheap enough to run on demand and every few seconds.
public struct HealthProbe: Sendable {
    var library: any LibraryStore
    var engine: any PlaybackEngine
    var tags: any TagReader
    var controls: any ControlInput
    var hardwareMode: HardwareMode
    var dataDirectory: String
    /// Songs from links: why they cannot be fetched now (`nil`: they can). Unset: not shown.
    public var linksProblem: (@Sendable () -> String?)?
    /// The smart home's broker connection; not shown while MQTT is off.
    public var mqtt: MQTTStatusBox?
    /// Below this much free space the storage counts as failing: uploads and resume points could not be saved.
    var minimumFreeBytes: Int64 = 16 * 1024 * 1024

    public init(
        library: any LibraryStore, engine: any PlaybackEngine, tags: any TagReader, controls: any ControlInput,
        hardwareMode: HardwareMode, dataDirectory: String
    ) {
        self.library = library
        self.engine = engine
        self.tags = tags
        self.controls = controls
        self.hardwareMode = hardwareMode
        self.dataDirectory = dataDirectory
    }

    public func check() async -> HealthReport {
        var components: [String: ComponentHealth] = [:]
        do {
            try await library.ping()
            components["database"] = .connected
        } catch {
            components["database"] = .unavailable
        }
        let disk = DiskSpace.measure(dataDirectory)
        components["storage"] = (disk?.free_bytes ?? 0) >= minimumFreeBytes ? .available : .unavailable
        components["audio"] = engine.health
        components["nfc"] = tags.health
        components["gpio"] = controls.health
        var problems: [String: String] = [:]
        if let problem = controls.problem, controls.health == .unavailable { problems["gpio"] = problem }
        if let problem = tags.problem, tags.health == .unavailable { problems["nfc"] = problem }
        if let problem = engine.problem, engine.health == .unavailable { problems["audio"] = problem }
        if let linksProblem {
            let problem = linksProblem()
            components["links"] = problem == nil ? .available : .unavailable
            problems["links"] = problem
        }
        switch mqtt?.current() {
        case .off?, nil: break
        case .connected?: components["mqtt"] = .available
        case .problem(let problem)?:
            components["mqtt"] = .unavailable
            problems["mqtt"] = problem
        }
        return HealthReport(components: components, timestamp: Date().epochMillis, audio: engine.statistics, problems: problems)
    }
}
