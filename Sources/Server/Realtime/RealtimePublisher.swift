import Logging
import MusicBoxCore
import Parental
import SocketIO

/// Delivers the state manager's events to Socket.IO rooms. Each event is encoded once and the
/// same packet queued for every member (a socket in several of the event's rooms gets it once).
/// Queuing is synchronous and never waits on a client, as ``EventPublisher`` requires.
///
/// Upload notices name their session, and a session id is enough to send chunks, read the status
/// or cancel: they go only to sockets that may upload (`mayUpload`: parents once a PIN is set).
public struct RealtimePublisher: EventPublisher {
    let namespace: Namespace
    let logger: Logger
    let mayUpload: @Sendable (Socket) -> Bool

    public init(namespace: Namespace, logger: Logger, mayUpload: @escaping @Sendable (Socket) -> Bool = { _ in true }) {
        self.namespace = namespace
        self.logger = logger
        self.mayUpload = mayUpload
    }

    /// Sockets of parents: everyone until a PIN is set, then those with a parent token.
    public static func parents(_ parental: ParentalAccess) -> @Sendable (Socket) -> Bool {
        { socket in !parental.isPINSet || parental.isParent(ParentToken.from(socket)) }
    }

    public func publish(_ event: StateEvent) {
        guard let first = event.rooms.first else { return }
        var target = namespace.to(first.description)
        for room in event.rooms.dropFirst() { target = target.to(room.description) }
        for room in event.exceptRooms { target = target.except(room.description) }
        if case .upload = event.payload { target = target.filter(mayUpload) }
        // The whole collection for a room whose members all take deltas is encoded for nobody.
        // (Sockets enter the state rooms on the state manager, which is the caller here.)
        guard target.hasRecipients else { return }
        let envelope: SocketValue
        do {
            envelope = try SocketValue.encoding(event)
        } catch {
            // Our own types always encode; this would be a programming error, not bad input.
            logger.critical("cannot encode \(event.type.rawValue) #\(event.serverSeq): \(error)")
            return
        }
        target.emit(event.type.rawValue, envelope)
    }
}

/// One Socket.IO client as the state manager's subscriber.
struct SocketSubscriber: EventSubscriber {
    let socket: Socket
    let logger: Logger

    func enter(_ room: Room) { socket.join(room.description) }
    func exit(_ room: Room) { socket.leave(room.description) }
    var rooms: Set<Room> { Set(socket.rooms.compactMap(Room.init(socketRoom:))) }

    func deliver(_ events: [StateEvent]) {
        for event in events {
            do {
                socket.emit(event.type.rawValue, try SocketValue.encoding(event))
            } catch {
                logger.critical("cannot encode \(event.type.rawValue) #\(event.serverSeq): \(error)")
            }
        }
    }
}
