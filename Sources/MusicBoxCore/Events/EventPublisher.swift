/// Where the state manager hands events for delivery (the Socket.IO gateway in the daemon,
/// a recorder in tests).
///
/// Called synchronously, on the state manager's executor, in `server_seq` order, right after the
/// change is committed: an implementation must queue the event for its clients without blocking
/// or suspending. That is what makes every client see the same order, and a joining client's
/// snapshot line up exactly with the events after it.
public protocol EventPublisher: Sendable {
    func publish(_ event: StateEvent)
}

/// One client, as the state manager sees it when the client joins rooms or asks to catch up.
/// Its methods are called on the state manager's executor and must not block.
public protocol EventSubscriber: Sendable {
    /// Starts delivering the events of `room` to this client.
    func enter(_ room: Room)
    /// Stops delivering the events of `room` to this client.
    func exit(_ room: Room)
    /// The rooms this client is in.
    var rooms: Set<Room> { get }
    /// Sends events to this client alone (snapshots, replays).
    func deliver(_ events: [StateEvent])
}
