import Logging
@_spi(Simulation) import MusicBoxCore
@_spi(Simulation) import NFC
import Server
import ServiceLifecycle

/// Runs the NFC reader for the daemon's lifetime and hands its settled events, in order, to the
/// state manager. Stopping aborts the reader's pending poll, so shutdown is immediate.
final class TagService: Service {
    let reader: any TagReader
    let state: StateManager
    let timeline: BootTimeline?

    init(reader: any TagReader, state: StateManager, timeline: BootTimeline? = nil) {
        self.reader = reader
        self.state = state
        self.timeline = timeline
    }

    func run() async throws {
        let (events, continuation) = AsyncStream.makeStream(of: TagEvent.self)
        reader.setEventHandler { continuation.yield($0) }
        reader.start()
        timeline?.mark(.readerOpen)
        await withGracefulShutdownHandler {
            for await event in events.cancelOnGracefulShutdown() {
                await state.tag(event)
            }
        } onGracefulShutdown: { [reader] in
            reader.shutdown()
            continuation.finish()
        }
        reader.shutdown()
    }

    /// `sim`: a simulated reader (dev endpoints place tags). `real`: libnfc on `nfc.device`,
    /// retried while missing. `auto`: libnfc when a reader opens now, the simulation otherwise.
    static func makeReader(mode: HardwareMode, device: String, graceMs: Int, logger: Logger) -> any TagReader {
        var configuration = LibNFCReader.Configuration(device: device)
        configuration.removalGrace = .milliseconds(graceMs)
        switch mode {
        case .sim:
            return SimulatedTagReader()
        case .auto:
            guard LibNFCReader.probe(device: device) else {
                logger.notice("no NFC reader at \(device); simulating one")
                return SimulatedTagReader()
            }
            fallthrough
        case .real:
            return LibNFCReader(configuration: configuration, logger: logger)
        }
    }
}
