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
        switch await operations.run(command, clientOpID: clientOpID, socket: socket, encode: SocketValue.encoding).0 {
        case .success(let committed): return committed
        case .failure(let error): throw OperationFailure(error: error, clientOpID: clientOpID)
        }
    }
}

enum OperationSupport {
    static let socketHeader = HTTPField.Name(OperationReporter.socketHeader)!
}
