/// What a physical control asks of the box. Mapped from buttons and the encoder by the pin map
/// in the configuration; each becomes a player command in the state manager.
public enum ControlAction: String, Sendable, Equatable, Codable, CaseIterable {
    case playPause = "play_pause"
    case next
    case previous
    case volumeUp = "volume_up"
    case volumeDown = "volume_down"
    case stop
    /// Switch the box off (saved, a goodbye sound, then the system powers down). Only as a long
    /// press, held for the longer shutdown hold, so a child leaning on a button does not.
    case shutdown
    /// The toddler lock on or off (two buttons held together, or a button's long press the
    /// parents mapped to it); never held by the lock itself.
    case toddlerLock = "toddler_lock"
    case none
}

/// The seam between the box and its buttons: libgpiod on the box, simulated elsewhere. An input
/// works on its own thread and calls its handler from there.
public protocol ControlInput: AnyObject, Sendable {
    func setActionHandler(_ handler: @escaping @Sendable (ControlAction) -> Void)
    func start()
    /// Stops at once (a pending wait for edges is woken).
    func shutdown()
    var health: ComponentHealth { get }
    /// Why the input is unavailable, for health reports ("no GPIO chip gpiochip0").
    var problem: String? { get }
}

/// Controls pressed by hand: the simulated input behind `POST /api/dev/controls/press`.
@_spi(Simulation) public protocol ManualControlInput: ControlInput {
    func trigger(_ action: ControlAction)
}
