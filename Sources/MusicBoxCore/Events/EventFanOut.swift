/// Hands every event to several publishers in turn (the Socket.IO clients, the smart home), each
/// as ``EventPublisher`` requires: synchronously, without waiting.
public struct EventFanOut: EventPublisher {
    public let publishers: [any EventPublisher]

    public init(_ publishers: [any EventPublisher]) { self.publishers = publishers }

    public func publish(_ event: StateEvent) {
        for publisher in publishers { publisher.publish(event) }
    }
}

/// An ``EventPublisher`` that queues events for a task of its own to read, keeping the newest
/// `limit` when that task falls behind (the smart home reads player states: the newest win).
public struct EventQueue: EventPublisher {
    public let events: AsyncStream<StateEvent>
    private let continuation: AsyncStream<StateEvent>.Continuation

    public init(limit: Int = 1024) {
        (events, continuation) = AsyncStream.makeStream(of: StateEvent.self, bufferingPolicy: .bufferingNewest(limit))
    }

    public func publish(_ event: StateEvent) { continuation.yield(event) }
}
