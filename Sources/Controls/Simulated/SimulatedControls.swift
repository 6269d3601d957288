@_spi(Simulation) import MusicBoxCore
import Synchronization

/// Buttons for machines without GPIO: `POST /api/dev/controls/press {action}` (present only with
/// simulated hardware) acts as if the button were pressed.
@_spi(Simulation) public final class SimulatedControls: ManualControlInput {
    private let handler = Mutex<(@Sendable (ControlAction) -> Void)?>(nil)

    public init() {}

    public var health: ComponentHealth { .simulated }
    public var problem: String? { nil }
    public func setActionHandler(_ handler: @escaping @Sendable (ControlAction) -> Void) { self.handler.withLock { $0 = handler } }
    public func start() {}
    public func shutdown() {}

    public func trigger(_ action: ControlAction) {
        guard action != .none else { return }
        handler.withLock { $0 }?(action)
    }
}
