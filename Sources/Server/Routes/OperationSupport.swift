import HTTPTypes
import Hummingbird
import MusicBoxCore
import SocketIO

extension APIDependencies {
    /// Runs an HTTP operation through the state manager. The requesting Socket.IO client, named by
    /// the `X-Socket-ID` header, also gets `ack:op`/`err:op`; the error envelope echoes `client_op_id`.
    func perform<Command: BoxCommand>(
        _ command: Command, clientOpID: String?, request: Request
    ) async throws -> Committed<Command.Output> where Command.Output: Encodable {
        let socket = operations.socket(named: request.headers[OperationSupport.socketHeader])
        let client = RequestClient.current ?? "unknown"
        switch await operations.run(command, clientOpID: clientOpID, client: client, socket: socket, encode: SocketValue.encoding).0 {
        case .success(let committed): return committed
        case .failure(let error): throw OperationFailure(error: error, clientOpID: clientOpID)
        }
    }
}

extension APIDependencies {
    /// Performs an operation and answers with the contract's success envelope: the result as
    /// `data`, its `server_seq`, and the `client_op_id` echoed.
    func respond<Command: BoxCommand>(
        to request: Request, with command: Command, clientOpID: String?, message: String, status: HTTPResponse.Status = .ok
    ) async throws -> Response where Command.Output: Encodable {
        let committed = try await perform(command, clientOpID: clientOpID, request: request)
        return try JSONResponse.success(committed.value, message: message, status: status, serverSeq: committed.serverSeq, clientOpID: clientOpID)
    }
}

enum OperationSupport {
    static let socketHeader = HTTPField.Name(OperationReporter.socketHeader)!
}
