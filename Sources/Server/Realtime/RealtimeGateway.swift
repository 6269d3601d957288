import Foundation
import Logging
import MusicBoxCore
import Parental
import ServiceLifecycle
import SocketIO
import Synchronization

/// The box's side of the Socket.IO contract (CONTRACT §2–§4), on top of the protocol-only
/// `SocketIO` module: greets clients, joins them to rooms with snapshots, answers sync requests,
/// pings and health checks, and runs Socket.IO operations through the state manager.
///
/// Every client→server event is answered on the event the contract names *and*, when the client
/// passed a callback, through the Socket.IO acknowledgement with the same payload.
///
/// As a `Service` it watches the box's health and pushes `health_error`/`health_status` to
/// everyone when a component fails or recovers.
public final class RealtimeGateway: Service {
    let io: SocketIOServer
    let state: StateManager
    let operations: OperationReporter
    let health: HealthProbe
    let healthInterval: Duration
    let logger: Logger
    /// Guards operations once a parent PIN is set (nil: no guard, for tests of the contract alone).
    let parental: ParentalAccess?
    private let registered = Mutex<[APIOperation]>([])

    /// The operations whose events this gateway handles (the tests compare them with ``OperationTable``).
    public var handledOperations: [APIOperation] { registered.withLock { $0 } }

    public init(
        io: SocketIOServer, state: StateManager, operations: OperationReporter, health: HealthProbe, healthInterval: Duration = .seconds(5),
        parental: ParentalAccess? = nil, logger: Logger
    ) {
        self.parental = parental
        self.io = io
        self.state = state
        self.operations = operations
        self.health = health
        self.healthInterval = healthInterval
        self.logger = logger
        install()
    }

    var sockets: Namespace { io.sockets }

    private func install() {
        let state = self.state
        sockets.onConnection { socket in
            // `connection_status`: who the client is, where the event order stands, and which boot this is.
            socket.emit("connection_status", [
                "status": "connected",
                "sid": .string(socket.id),
                "server_seq": .int(Int64(await state.currentServerSeq)),
                "server_epoch": .string(state.serverEpoch),
                "server_time": .int(Date().epochMillis),
            ])
        }
        sockets.onRateLimited { socket, event, retryAfter in
            var error = BoxError(.rateLimited, "Too many events: wait \(retryAfter) ms before sending \(event) again.")
            error.details["retry_after"] = String(max(1, (retryAfter + 999) / 1000))
            socket.emit("err:op", OperationReporter.failure(clientOpID: nil, error: error, serverSeq: await state.currentServerSeq))
        }
        installRooms()
        installSync()
        installUtilities()
        installOperations()
        installAssociation()
    }

    // MARK: Rooms

    private func installRooms() {
        on(.joinPlaylists) { socket, arguments, reply in
            switch Self.deltasFlag(arguments.first) {
            case .success(let deltas): await self.join(.playlists, deltas: deltas ?? false, socket, reply)
            case .failure(let error): reply("ack:join", Self.joinFailure(error, room: .playlists))
            }
        }
        on(.joinNFC) { socket, _, reply in await self.join(.nfc, socket, reply) }
        on(.joinPlaylist) { socket, arguments, reply in
            switch Self.playlistRoom(arguments) {
            case .success(let room): await self.join(room, socket, reply)
            case .failure(let error): reply("ack:join", Self.joinFailure(error, room: nil))
            }
        }
        on(.leavePlaylists) { socket, _, reply in await self.leave(.playlists, socket, reply) }
        on(.leaveNFC) { socket, _, reply in await self.leave(.nfc, socket, reply) }
        on(.leavePlaylist) { socket, arguments, reply in
            switch Self.playlistRoom(arguments) {
            case .success(let room): await self.leave(room, socket, reply)
            case .failure(let error): reply("ack:leave", Self.joinFailure(error, room: nil))
            }
        }
    }

    private func join(_ room: Room, deltas: Bool = false, _ socket: Socket, _ reply: Reply) async {
        do {
            let joined = try await state.join(room, deltas: deltas, subscriber: SocketSubscriber(socket: socket, logger: logger))
            reply("ack:join", Self.joinSuccess(joined, message: "Joined \(room)"))
        } catch {
            reply("ack:join", Self.joinFailure(error, room: room))
        }
    }

    private func leave(_ room: Room, _ socket: Socket, _ reply: Reply) async {
        let left = await state.leave(room, subscriber: SocketSubscriber(socket: socket, logger: logger))
        reply("ack:leave", Self.joinSuccess(left, message: "Left \(room)"))
    }

    /// The optional `deltas` of `join:playlists` and `sync:request`: a boolean when present.
    static func deltasFlag(_ value: SocketValue?) -> Result<Bool?, BoxError> {
        guard let flag = value?["deltas"], flag != .null else { return .success(nil) }
        guard let deltas = flag.boolValue else { return .failure(.validation(field: "deltas", "deltas must be true or false.")) }
        return .success(deltas)
    }

    static func playlistRoom(_ arguments: [SocketValue]) -> Result<Room, BoxError> {
        guard let text = arguments.first?["playlist_id"]?.stringValue else {
            return .failure(.validation(field: "playlist_id", "playlist_id is required."))
        }
        guard let id = PlaylistID(text) else { return .failure(.playlistNotFoundText(text)) }
        return .success(.playlist(id))
    }

    static func joinSuccess(_ result: JoinResult, message: String) -> SocketValue {
        var payload: [String: SocketValue] = [
            "room": .string(result.room.description),
            "success": true,
            "server_seq": .int(Int64(result.serverSeq)),
            "message": .string(message),
        ]
        if let id = result.room.playlistID { payload["playlist_id"] = .string(id.description) }
        if let seq = result.playlistSeq { payload["playlist_seq"] = .int(Int64(seq)) }
        return .object(payload)
    }

    static func joinFailure(_ error: BoxError, room: Room?) -> SocketValue {
        var payload: [String: SocketValue] = [
            "success": false,
            "message": .string(error.message),
            "error_type": .string(error.code.rawValue),
        ]
        if let room { payload["room"] = .string(room.description) }
        if let id = room?.playlistID ?? error.details["playlist_id"].flatMap(PlaylistID.init) {
            payload["playlist_id"] = .string(id.description)
        }
        return .object(payload)
    }

    // MARK: Sync

    private func installSync() {
        on(.syncRequest) { socket, arguments, reply in
            let request: SyncRequest
            switch Self.parseSync(arguments.first) {
            case .success(let parsed): request = parsed
            case .failure(let error):
                let rooms = arguments.first?["requested_rooms"]?.arrayValue ?? []
                reply("sync:error", [
                    "error": .string(error.message), "error_type": .string(error.code.rawValue),
                    "requested_rooms": .array(rooms),
                ])
                return
            }
            let result = await self.state.sync(request, subscriber: SocketSubscriber(socket: socket, logger: self.logger))
            reply("sync:complete", [
                "synced_rooms": .array(result.rooms.filter(\.isPublic).map { .string($0.description) }),
                "server_seq": .int(Int64(result.serverSeq)),
                "server_epoch": .string(self.state.serverEpoch),
                "mode": .string(result.mode.rawValue),
            ])
        }
    }

    /// `{last_global_seq, last_playlist_seqs?, requested_rooms?, server_epoch?}`; every field checked.
    static func parseSync(_ value: SocketValue?) -> Result<SyncRequest, BoxError> {
        guard let object = value?.objectValue else {
            return .failure(.validation(field: "body", "sync:request needs an object with last_global_seq."))
        }
        guard let last = object["last_global_seq"]?.intValue, last >= 0 else {
            return .failure(.validation(field: "last_global_seq", "last_global_seq must be a non-negative integer."))
        }
        var request = SyncRequest(lastGlobalSeq: UInt64(last))
        if let seqs = object["last_playlist_seqs"], seqs != .null {
            guard let seqs = seqs.objectValue else {
                return .failure(.validation(field: "last_playlist_seqs", "last_playlist_seqs must map playlist ids to integers."))
            }
            for (key, seq) in seqs {
                guard let id = PlaylistID(key), let number = seq.intValue, number >= 0 else {
                    return .failure(.validation(field: "last_playlist_seqs", "last_playlist_seqs must map playlist ids to non-negative integers (\(key) does not)."))
                }
                request.lastPlaylistSeqs[id] = UInt64(number)
            }
        }
        if let rooms = object["requested_rooms"], rooms != .null {
            guard let names = rooms.arrayValue else {
                return .failure(.validation(field: "requested_rooms", "requested_rooms must be a list of room names."))
            }
            var parsed: [Room] = []
            for name in names {
                guard let text = name.stringValue, let room = Room(name: text) else {
                    return .failure(.validation(field: "requested_rooms", "Unknown room \(name.stringValue ?? "(not a string)"): use playlists, nfc or playlist:{id}."))
                }
                parsed.append(room)
            }
            request.rooms = parsed
        }
        if let epoch = object["server_epoch"], epoch != .null {
            guard let text = epoch.stringValue else {
                return .failure(.validation(field: "server_epoch", "server_epoch must be a string."))
            }
            request.serverEpoch = text
        }
        switch deltasFlag(value) {
        case .success(let deltas): request.deltas = deltas
        case .failure(let error): return .failure(error)
        }
        return .success(request)
    }

    // MARK: Current state, ping, health

    private func installUtilities() {
        on(.currentState) { socket, _, reply in
            let event = await self.state.playerSnapshot()
            SocketSubscriber(socket: socket, logger: self.logger).deliver([event])
            reply.acknowledge((try? SocketValue.encoding(event)) ?? .null)
        }
        on(.clientPing) { socket, arguments, reply in
            let now = Date().epochMillis
            let sent = arguments.first?["timestamp"]?.intValue
            let seq = Int64(await self.state.currentServerSeq)
            socket.emit("client_pong", [
                "timestamp": sent.map(SocketValue.int) ?? .null, "server_time": .int(now), "server_seq": .int(seq),
            ])
            reply.acknowledge([
                "timestamp": sent.map(SocketValue.int) ?? .null,
                "latency": sent.map { .int(max(0, now - $0)) } ?? .null,
                "server_time": .int(now),
            ])
        }
        on(.healthCheck) { _, _, reply in
            reply("health_status", (try? SocketValue.encoding(await self.health.check())) ?? .null)
        }
    }

    /// Pushes health changes to every client until cancelled: `health_error` for each component
    /// that stops working, then a fresh `health_status` whenever anything changed.
    public func run() async throws {
        // Ends at once on graceful shutdown rather than after the current sleep.
        try? await cancelWhenGracefulShutdown { try await self.watchHealth() }
    }

    private func watchHealth() async throws {
        var last = await health.check()
        while !Task.isCancelled {
            try await Task.sleep(for: healthInterval)
            let now = await health.check()
            guard now.components != last.components else { continue }
            for name in now.failing where last.components[name]?.isWorking ?? true {
                logger.warning("health: \(name) is \(now.components[name]?.rawValue ?? "?")")
                sockets.emit("health_error", [
                    "error": .string("\(name) is unavailable"), "component": .string(name), "timestamp": .int(now.timestamp),
                ])
            }
            sockets.emit("health_status", (try? SocketValue.encoding(now)) ?? .null)
            last = now
        }
    }

    // MARK: Plumbing

    /// Answers an event on its named reply event and, when the client gave one, its callback.
    struct Reply: Sendable {
        let socket: Socket
        let ack: Acknowledgement?

        func callAsFunction(_ event: String, _ payload: SocketValue) {
            socket.emit(event, payload)
            ack?(payload)
        }

        func acknowledge(_ payload: SocketValue) { ack?(payload) }
    }

    /// Handles an operation's event, after its access check: a refused one answers
    /// `err:op` (when it carried a `client_op_id`) and its callback with the refusal, and runs nothing.
    func on(_ operation: APIOperation, _ handler: @escaping @Sendable (Socket, [SocketValue], Reply) async -> Void) {
        guard let event = operation.event else { preconditionFailure("\(operation) has no Socket.IO event") }
        registered.withLock { $0.append(operation) }
        sockets.on(event) { socket, arguments, ack in
            let reply = Reply(socket: socket, ack: ack)
            do throws(BoxError) {
                try await self.authorize(socket, operation.access)
            } catch {
                let opID = OperationFields(arguments.first).clientOpID
                let payload = OperationReporter.failure(clientOpID: opID, error: error, serverSeq: await self.state.currentServerSeq)
                if opID != nil { socket.emit("err:op", payload) }
                reply.acknowledge(payload)
                return
            }
            await handler(socket, arguments, reply)
        }
    }
}

extension BoxError {
    static func playlistNotFoundText(_ text: String) -> BoxError {
        BoxError(.notFound, "No playlist with id \(text).", details: ["playlist_id": text])
    }

    /// A `tag_id` that is not a tag UID (4 to 10 bytes of hex), from HTTP or Socket.IO.
    static let invalidTagID = BoxError.validation(field: "tag_id", "tag_id must be 4 to 10 bytes of hex.")
}

extension RealtimeGateway {
    /// Refuses an operation the socket may not run (CONTRACT §8). The socket's token is the
    /// handshake's `auth.token`, else the `musicbox_token` cookie its connection came with.
    /// Who a socket is for what is kept per client: its parent login, else the socket itself.
    func client(of socket: Socket) -> String {
        parental?.loginID(of: ParentToken.from(socket)).map { "token:\($0)" } ?? "socket:\(socket.id)"
    }

    func authorize(_ socket: Socket, _ access: APIOperation.Access) async throws(BoxError) {
        try await AccessGuard(parental: parental, state: state).check(access, token: ParentToken.from(socket))
    }
}
