import Synchronization

/// Which sockets are in which room, for one namespace.
final class RoomRegistry: Sendable {
    private let rooms = Mutex<[String: [String: Socket]]>([:])

    func add(_ socket: Socket, to room: String) {
        rooms.withLock { $0[room, default: [:]][socket.id] = socket }
    }

    func remove(_ socket: Socket, from room: String) {
        rooms.withLock { rooms in
            rooms[room]?[socket.id] = nil
            if rooms[room]?.isEmpty == true { rooms[room] = nil }
        }
    }

    func members(of room: String) -> [Socket] {
        rooms.withLock { $0[room].map { Array($0.values) } ?? [] }
    }

    /// Sockets in any of `included` (all sockets given when it is empty), minus those in any of `excluded`.
    func select(included: Set<String>, excluded: Set<String>, all: () -> [Socket]) -> [Socket] {
        rooms.withLock { rooms in
            var chosen: [String: Socket] = [:]
            if included.isEmpty {
                for socket in all() { chosen[socket.id] = socket }
            } else {
                for room in included { chosen.merge(rooms[room] ?? [:]) { first, _ in first } }
            }
            for room in excluded {
                for id in rooms[room]?.keys ?? [:].keys { chosen[id] = nil }
            }
            return Array(chosen.values)
        }
    }

    var names: [String] { rooms.withLock { Array($0.keys) } }
}

/// A broadcast target: rooms to include and exclude. The packet is encoded once for all recipients.
public struct BroadcastOperator: Sendable {
    let namespace: Namespace
    var included: Set<String> = []
    var excluded: Set<String> = []
    var predicate: (@Sendable (Socket) -> Bool)?

    /// Every socket of a namespace.
    public static func all(_ namespace: Namespace) -> BroadcastOperator { BroadcastOperator(namespace: namespace) }

    public func to(_ room: String) -> BroadcastOperator {
        var copy = self
        copy.included.insert(room)
        return copy
    }

    public func except(_ room: String) -> BroadcastOperator {
        var copy = self
        copy.excluded.insert(room)
        return copy
    }

    /// Only the selected sockets for which `predicate` holds (checked as the packet goes out).
    public func filter(_ predicate: @escaping @Sendable (Socket) -> Bool) -> BroadcastOperator {
        var copy = self
        let previous = copy.predicate
        copy.predicate = { socket in (previous?(socket) ?? true) && predicate(socket) }
        return copy
    }

    /// Whether any socket is selected now (so a caller can skip encoding for nobody).
    public var hasRecipients: Bool {
        var targets = namespace.rooms.select(included: included, excluded: excluded) { namespace.allSockets }
        if let predicate { targets = targets.filter(predicate) }
        return !targets.isEmpty
    }

    public func emit(_ event: String, _ arguments: SocketValue...) { emit(event, arguments) }

    /// Sends to every selected socket; returns how many it was sent to.
    @discardableResult
    public func emit(_ event: String, _ arguments: [SocketValue]) -> Int {
        let packets = PacketEncoder.encode(SocketPacket(.event, namespace: namespace.name, data: .array([.string(event)] + arguments)))
        return emit(encoded: packets)
    }

    @discardableResult
    func emit(encoded packets: [EnginePacket]) -> Int {
        var targets = namespace.rooms.select(included: included, excluded: excluded) { namespace.allSockets }
        if let predicate { targets = targets.filter(predicate) }
        for socket in targets where socket.isConnected { socket.send(encoded: packets) }
        return targets.count
    }
}
