import Synchronization

/// Makes `event_id`s: the boot's epoch and a counter, unique across events and boots.
/// Shared by the state manager and the position ticker, which runs on its own thread.
public final class EventIDs: Sendable {
    public let epoch: String
    private let counter = Atomic<UInt64>(0)

    public init(epoch: String) { self.epoch = epoch }

    public func next() -> String {
        let number = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return "\(epoch)-\(number)"
    }
}
