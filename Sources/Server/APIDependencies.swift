import Foundation
import Logging
import Parental
import MusicBoxCore
import Uploads

/// What the HTTP layer needs from the rest of the daemon. Writes go only through `state`;
/// reads may go straight to `library`.
public struct APIDependencies: Sendable {
    public var state: StateManager
    public var library: any LibraryStore
    public var system: SystemFacts
    public var health: HealthProbe
    /// Tells the requesting Socket.IO client how its HTTP operation went (`ack:op`/`err:op`).
    public var operations: OperationReporter
    public var maxJSONBodyBytes: Int
    /// The NFC reader, for `/api/nfc/status` (and the dev endpoints when it is a manual one).
    public var tags: any TagReader
    /// The buttons (the dev endpoint presses simulated ones).
    public var controls: any ControlInput
    /// Upload sessions (CONTRACT §6).
    public var uploads: UploadService
    /// The parent PIN and tokens (CONTRACT §8).
    public var parental: ParentalAccess
    /// The web UI's folder; nil when it could not be found (the API still works).
    public var webRoot: String?
    /// The buttons as wired, for `/api/controls` (the settings page shows them).
    public var buttons = ButtonMap()
    /// The sound output, for the simulated engine's `/api/dev/sounds`.
    public var engine: (any PlaybackEngine)?
    /// Switching the box off (`nil`: the route answers that it is not set up).
    public var power: PowerOff?
    public var logger = Logger(label: "musicboxd.http")
    /// The names the box answers to (`Host`); others are refused.
    public var hosts = HostAllowlist(configured: [])
    /// Songs from links (`nil`: refused with `unavailable`).
    public var links: LinkImportService?
    /// Podcasts (`nil`: refused with `unavailable`).
    public var feeds: FeedService?
    /// The smart home's broker connection (`nil`: its settings are refused with `unavailable`).
    public var smartHome: MQTTGateway?
    /// Listens to a stream before it is added (`nil`: streams cannot be added: 503).
    public var streamProbe: StreamProber?
    /// Serve `/api/dev/*` (simulated hardware only, and only when the configuration asks).
    public var developmentRoutes = false

    public init(
        state: StateManager, library: any LibraryStore, system: SystemFacts, health: HealthProbe,
        operations: OperationReporter, maxJSONBodyBytes: Int, tags: any TagReader, controls: any ControlInput,
        uploads: UploadService, parental: ParentalAccess
    ) {
        self.parental = parental
        self.uploads = uploads
        self.tags = tags
        self.controls = controls
        self.state = state
        self.library = library
        self.system = system
        self.health = health
        self.operations = operations
        self.maxJSONBodyBytes = maxJSONBodyBytes
    }
}

/// Facts about this daemon process for `/api/system/info`.
public struct SystemFacts: Sendable {
    public var version: String
    public var startedAt: Date
    public var startInstant: ContinuousClock.Instant
    public var hardwareMode: HardwareMode
    /// The data folder, for the disk space report.
    public var dataDirectory: String
    /// When each part came up (`boot_timeline_ms`).
    public var timeline: BootTimeline

    public init(
        version: String, startedAt: Date, startInstant: ContinuousClock.Instant, hardwareMode: HardwareMode, dataDirectory: String,
        timeline: BootTimeline? = nil
    ) {
        self.timeline = timeline ?? BootTimeline(start: startInstant)
        self.version = version
        self.startedAt = startedAt
        self.startInstant = startInstant
        self.hardwareMode = hardwareMode
        self.dataDirectory = dataDirectory
    }
}
