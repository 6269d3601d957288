import Foundation
import Logging
import MusicBoxCore

/// Plays through ALSA the way Music Player Daemon does: a control object (``EngineControl``) takes
/// commands; a decoder thread (``DecoderWorker``) fills a bounded queue of decoded chunks; an
/// output thread (``OutputWorker``) feeds the device. The state manager only sends commands and
/// receives reports.
///
/// - **Gapless**: when a track's last frame is decoded the decoder goes straight on with the track
///   announced by ``prepareNext(_:)``; the output never stops between them.
/// - **Position** is what was heard (``PositionLedger``): frames written minus the device's delay.
/// - **End of track** is reported when its last frame has been *played*, once.
/// - **Volume**: software gain on a cubic curve (``SoftwareGain``), or a hardware mixer control.
/// - **Device**: opened by name on the output thread; a device that cannot be opened or fails
///   makes `health` unavailable and is retried every `retryInterval`.
/// - **Feedback sounds** (``play(_:volume:)``) go through the same output (``CueMixer``): mixed
///   into the music while it plays, written alone while it does not.
public final class ALSAPlaybackEngine: PlaybackEngine {
    public struct Configuration: Sendable {
        public var device = "default"
        public var format = PCMFormat.standard
        /// The ALSA buffer: how much is written ahead of what is heard.
        public var latencyMs = 100
        /// How often the device asks for more (`nil`: a quarter of the buffer).
        public var periodMs: Int?
        /// Pause, stop, seek and skip fade out over this long, and playing from mid-track fades in
        /// (no click where the waveform is cut).
        public var fadeMs = 12
        /// A hardware volume control to use instead of software gain (`nil`: software gain), and
        /// the mixer it is on.
        public var mixerControl: String?
        public var mixerDevice = "default"
        /// How much decoded audio waits between decoder and output.
        public var queueMs = 1000
        public var retryInterval: Duration = .seconds(3)
        /// Live streams: how long opening and reading may wait, and which certificates https is checked against.
        public var stream = StreamConnection.Limits()
        /// Live streams: how a drop is reconnected.
        public var streamRetry = StreamRetry.Policy()
        public init(device: String = "default") { self.device = device }
    }

    /// Where a track's file is, from its id (the media folder; `nil` when the track is gone).
    public typealias FileResolver = @Sendable (TrackID) -> String?

    public let configuration: Configuration
    private let control: EngineControl

    /// Plays on the ALSA device the configuration names.
    public convenience init(configuration: Configuration, resolve: @escaping FileResolver, logger: Logger = Logger(label: "musicboxd.audio")) {
        self.init(configuration: configuration, resolve: resolve, logger: logger) { () throws(BoxError) -> any PCMSink in
            try ALSAOutput(device: configuration.device, format: configuration.format,
                           latencyMs: configuration.latencyMs, periodMs: configuration.periodMs)
        }
    }

    /// Plays on whatever `openSink` opens (tests: a fake device), on the output thread.
    init(configuration: Configuration, resolve: @escaping FileResolver, logger: Logger, openSink: @escaping OutputWorker.SinkOpener) {
        self.configuration = configuration
        let format = configuration.format
        control = EngineControl(
            state: EngineState(format: format, device: configuration.device, now: .now),
            queue: ChunkQueue(capacityFrames: format.sampleRate * configuration.queueMs / 1000, channels: format.channels)
        )
        let control = control
        Self.startThread("musicboxd.audio.decoder") {
            DecoderWorker(
                control: control, format: format, resolve: resolve, streamLimits: configuration.stream,
                streamRetry: configuration.streamRetry, logger: logger
            ).run()
        }
        Self.startThread("musicboxd.audio.output") {
            OutputWorker(control: control, configuration: configuration, openSink: openSink, logger: logger).run()
        }
    }

    private static func startThread(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.qualityOfService = .userInteractive
        thread.start()
    }

    // MARK: PlaybackEngine

    /// Ends both threads (the device closes with the output worker).
    public func shutdown() { control.send(.shutdown) }

    public var health: ComponentHealth { control.read(\.deviceAvailable) ? .available : .unavailable }

    public var problem: String? { control.read { $0.deviceAvailable ? nil : $0.problem } }

    public var statistics: OutputStatistics? { control.read(\.statistics) }

    public func setReportHandler(_ handler: @escaping @Sendable (PlaybackReport) -> Void) {
        control.setReportHandler(handler)
    }

    public func load(_ item: PlaybackItem, at positionMs: Int64, playing: Bool) {
        control.send(.load(item, atMs: positionMs, playing: playing))
    }

    public func prepareNext(_ item: PlaybackItem?) { control.send(.prepareNext(item)) }

    public func resume() { control.send(.resume) }

    public func pause() { control.send(.pause) }

    public func stop() { control.send(.stop) }

    public func seek(to positionMs: Int64) { control.send(.seek(toMs: positionMs)) }

    public func setVolume(_ volume: Int, muted: Bool) { control.send(.volume(volume, muted: muted)) }

    public func play(_ cue: FeedbackCue, volume: Int) { control.send(.cue(cue, volume: volume)) }

    public func position() -> Int64 { control.read { $0.position(at: .now) } }
}
