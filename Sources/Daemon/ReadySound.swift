import Logging
import MusicBoxCore
import Server
import ServiceLifecycle

/// Plays the ready sound once, when the box can really do what a child expects: the audio output
/// is open, the tag reader answers and the library is there. Not before (a chime from a box whose
/// reader is unplugged would promise too much), and not again when a part comes back later.
/// A part that appears late (a reader plugged in after boot) still gets its chime then.
///
/// A simulated part counts only when the whole box is simulated (`hardware.mode = "sim"`): in
/// `auto`, a reader missing at start is replaced by a simulated one, and such a box cannot read
/// tags, so it does not say it is ready.
struct ReadySound: Service {
    let health: HealthProbe
    let state: StateManager
    let hardwareMode: HardwareMode
    var interval: Duration = .milliseconds(100)
    let logger: Logger

    /// The parts that must work, by their names in health.
    static let required = ["audio", "nfc", "database"]

    func isUp(_ health: ComponentHealth) -> Bool {
        switch health {
        case .available, .connected: true
        case .simulated: hardwareMode == .sim
        case .unavailable: false
        }
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            var waited = Duration.zero
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                let report = await health.check()
                if Self.required.allSatisfy({ report.components[$0].map(isUp) == true }) {
                    let volume = await state.playFeedback(.ready)
                    logger.info(volume.map { "ready sound at volume \($0)" } ?? "ready (sounds off)")
                    break
                }
                // Checked often at first, then every few seconds while a part stays missing.
                let pause = waited < .seconds(10) ? interval : .seconds(2)
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
                waited += pause
            }
            // Stays until shutdown, like every other service (one that returns ends the group).
            try? await gracefulShutdown()
        } onGracefulShutdown: {}
    }
}
