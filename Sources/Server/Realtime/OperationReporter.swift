import Logging
import MusicBoxCore
import SocketIO

/// Runs operations through the state manager and tells the requesting client how they went
/// (CONTRACT §4): `ack:op {client_op_id, success:true, data, server_seq}` or
/// `err:op {client_op_id, success:false, message, error_type, server_seq}`, to that socket alone.
///
/// HTTP requests name their socket with the `X-Socket-ID` header (the Socket.IO id the client got
/// in `connection_status`); Socket.IO operations come from the socket itself.
public struct OperationReporter: Sendable {
    public static let socketHeader = "X-Socket-ID"

    let state: StateManager
    let namespace: Namespace
    let logger: Logger

    public init(state: StateManager, namespace: Namespace, logger: Logger) {
        self.state = state
        self.namespace = namespace
        self.logger = logger
    }

    /// Performs `command` and reports the outcome to `socket` (when there is one and a
    /// `client_op_id` was given). Returns the outcome and the `ack:op`/`err:op` payload, for the
    /// HTTP response or the Socket.IO acknowledgement.
    func run<Command: BoxCommand>(
        _ command: Command, clientOpID: String?, client: String, socket: Socket?, encode: (Command.Output) throws -> SocketValue
    ) async -> (Result<Committed<Command.Output>, BoxError>, SocketValue) {
        do {
            let committed = try await state.perform(command, clientOpID: clientOpID, client: client)
            let data: SocketValue
            do {
                data = try encode(committed.value)
            } catch {
                logger.critical("cannot encode the result of \(Command.self): \(error)")
                data = .null
            }
            let payload = Self.success(clientOpID: clientOpID, data: data, serverSeq: committed.serverSeq)
            if let socket, clientOpID != nil { socket.emit("ack:op", payload) }
            return (.success(committed), payload)
        } catch {
            let payload = Self.failure(clientOpID: clientOpID, error: error, serverSeq: await state.currentServerSeq)
            if let socket, clientOpID != nil { socket.emit("err:op", payload) }
            return (.failure(error), payload)
        }
    }

    /// The socket an HTTP request names, if it is connected.
    func socket(named id: String?) -> Socket? {
        guard let id, !id.isEmpty else { return nil }
        return namespace.socket(id)
    }

    static func success(clientOpID: String?, data: SocketValue, serverSeq: UInt64) -> SocketValue {
        [
            "client_op_id": clientOpID.map(SocketValue.string) ?? .null,
            "success": true,
            "data": data,
            "server_seq": .int(Int64(serverSeq)),
        ]
    }

    static func failure(clientOpID: String?, error: BoxError, serverSeq: UInt64) -> SocketValue {
        var payload: [String: SocketValue] = [
            "client_op_id": clientOpID.map(SocketValue.string) ?? .null,
            "success": false,
            "message": .string(error.message),
            "error_type": .string(error.code.rawValue),
            "server_seq": .int(Int64(serverSeq)),
        ]
        if !error.details.isEmpty { payload["details"] = .object(error.details.mapValues(SocketValue.string)) }
        if let retry = error.details["retry_after"].flatMap(Int64.init) { payload["retry_after"] = .int(retry) }
        return .object(payload)
    }
}
