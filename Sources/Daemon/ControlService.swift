import BoxConfig
@_spi(Simulation) import Controls
import Logging
@_spi(Simulation) import MusicBoxCore
import Server
import ServiceLifecycle

/// Runs the buttons for the daemon's lifetime and turns each action into a player command, in
/// order, through the state manager (so every phone sees the change at once).
final class ControlService: Service {
    let input: any ControlInput
    let state: StateManager
    let volumeStep: Int
    let power: PowerOff
    let logger: Logger

    init(input: any ControlInput, state: StateManager, volumeStep: Int, power: PowerOff, logger: Logger) {
        self.power = power
        self.input = input
        self.state = state
        self.volumeStep = volumeStep
        self.logger = logger
    }

    func run() async throws {
        let (actions, continuation) = AsyncStream.makeStream(of: ControlAction.self)
        input.setActionHandler { continuation.yield($0) }
        input.start()
        await withGracefulShutdownHandler {
            for await action in actions.cancelOnGracefulShutdown() {
                do {
                    try await perform(action)
                } catch {
                    // Nothing to play yet, say: the button does nothing, as a child would expect.
                    logger.info("button \(action.rawValue): \((error as? BoxError)?.message ?? "\(error)")")
                }
            }
        } onGracefulShutdown: { [input] in
            input.shutdown()
            continuation.finish()
        }
        input.shutdown()
    }

    private func perform(_ action: ControlAction) async throws(BoxError) {
        guard await state.buttonAllowed(action) else {
            logger.info("button \(action.rawValue) held by the toddler lock")
            return
        }
        switch action {
        case .playPause: _ = try await state.perform(TogglePlayback())
        case .next: _ = try await state.perform(NextTrack())
        case .previous: _ = try await state.perform(PreviousTrack())
        case .stop: _ = try await state.perform(Stop())
        case .volumeUp: _ = try await state.perform(ChangeVolume(by: volumeStep))
        case .volumeDown: _ = try await state.perform(ChangeVolume(by: -volumeStep))
        case .shutdown:
            do {
                try await power.request(by: "the shutdown button")
            } catch {
                // A box without the shutdown path says so in the log, and with its error sound.
                logger.error("\(error.message)")
                await state.playFeedback(.error)
            }
        case .toddlerLock:
            let locked = try await state.perform(SetToddlerLock()).value.toddlerLock
            logger.notice("toddler lock \(locked ? "on" : "off") by the buttons")
            await state.playFeedback(locked ? .tagLinked : .ready, evenIfJustPlayed: true)
        case .none: break
        }
    }

    /// The pin map of the configuration.
    static func layout(_ config: DaemonConfig.Controls) -> ControlLayout {
        var layout = ControlLayout()
        layout.chip = config.chip
        layout.bias = ControlLayout.Bias(rawValue: config.bias) ?? .pullUp
        layout.activeLow = config.activeLevel == "low"
        let long = { (name: String) in ControlAction(rawValue: name) ?? .none }
        let buttons: [(Int, ControlAction, ControlAction, Bool)] = [
            (config.playPausePin, .playPause, long(config.longPressPlayPause), false),
            (config.nextPin, .next, long(config.longPressNext), false),
            (config.previousPin, .previous, long(config.longPressPrevious), false),
            (config.volumeUpPin, .volumeUp, .none, true),
            (config.volumeDownPin, .volumeDown, .none, true),
            (config.stopPin, .stop, .none, false),
            (config.shutdownPin, .none, .shutdown, false),
            (config.encoderPushPin, .playPause, long(config.longPressPlayPause), false),
        ]
        layout.buttons = buttons.filter { $0.0 >= 0 }.map { ControlLayout.Button(line: $0.0, action: $0.1, longAction: $0.2, repeats: $0.3) }
        if config.encoderAPin >= 0, config.encoderBPin >= 0 {
            layout.encoder = .init(lineA: config.encoderAPin, lineB: config.encoderBPin, transitionsPerStep: config.encoderType == "half-step" ? 2 : 4)
        }
        layout.timing.debounce = .milliseconds(config.debounceMs)
        layout.timing.longPress = .milliseconds(config.longPressMs)
        layout.timing.repeatInterval = .milliseconds(config.repeatMs)
        layout.timing.shutdownHold = .milliseconds(config.shutdownHoldMs)
        return layout
    }

    /// The pin map as `/api/controls` shows it: buttons, then the encoder's turn.
    static func buttonMap(_ config: DaemonConfig.Controls) -> ButtonMap {
        let layout = layout(config)
        var map = ButtonMap(chip: layout.chip)
        let names: [(pin: Int, name: String)] = [
            (config.playPausePin, "play_pause_button"), (config.nextPin, "next_button"), (config.previousPin, "previous_button"),
            (config.volumeUpPin, "volume_up_button"), (config.volumeDownPin, "volume_down_button"), (config.stopPin, "stop_button"), (config.shutdownPin, "shutdown_button"),
            (config.encoderPushPin, "encoder_push"),
        ]
        map.buttons = layout.buttons.map { button in
            ButtonMap.Assignment(
                control: names.first { $0.pin == button.line }?.name ?? "button", pin: button.line, action: button.action.rawValue,
                longPress: button.longAction == .none ? nil : button.longAction.rawValue
            )
        }
        if let encoder = layout.encoder {
            map.buttons.append(.init(control: "encoder_a", pin: encoder.lineA, action: "volume_up"))
            map.buttons.append(.init(control: "encoder_b", pin: encoder.lineB, action: "volume_down"))
        }
        return map
    }

    /// `sim`: simulated buttons (dev endpoint). `real`: libgpiod on the pin map. `auto`: libgpiod
    /// when buttons are configured, the simulation otherwise.
    static func makeInput(mode: HardwareMode, config: DaemonConfig.Controls, logger: Logger) -> any ControlInput {
        let layout = layout(config)
        switch mode {
        case .sim: return SimulatedControls()
        case .auto where layout.isEmpty: return SimulatedControls()
        case .auto, .real: return LibGPIODInput(layout: layout, logger: logger)
        }
    }
}
