import Hummingbird
import MusicBoxCore
import NIOCore
import SocketIO

/// The HTTP side of ``SharedCommands``: the JSON body (empty means no fields), the playlist id of
/// the path as `playlist_id`, and for `DELETE` the `client_op_id` of the query, read into the
/// fields the Socket.IO event would carry, then the command's one reader.
struct SharedCommandRoutes<Context: RequestContext> {
    let dependencies: APIDependencies

    func register(on routes: OperationRoutes<Context>) {
        for command in SharedCommands.all {
            routes.add(command.operation) { request, context in try await respond(command, request, context) }
        }
    }

    private func respond(_ command: SharedCommand, _ request: Request, _ context: Context) async throws -> Response {
        guard var object = try await Self.body(request, limit: dependencies.maxJSONBodyBytes) ?? (command.needsBody ? nil : [:]) else {
            throw BoxError.validation(field: "body", "The request needs a JSON object as its body.")
        }
        if context.parameters.get("id") != nil { object["playlist_id"] = .string(try PathID.playlist(context).description) }
        if let opID = request.uri.queryParameters.get("client_op_id"), object["client_op_id"] == nil { object["client_op_id"] = .string(String(opID)) }
        let fields = OperationFields(.object(object))
        do {
            let opID = try fields.validatedClientOpID()
            let operation = try command.read(fields)
            return try await operation.runForHTTP(dependencies, request, opID, command.message, command.status)
        } catch let error as BoxError {
            throw OperationFailure(error: error, clientOpID: fields.clientOpID)
        }
    }

    /// The body's JSON object: 413 past the limit, 400 when it is not a JSON object.
    static func body(_ request: Request, limit: Int) async throws -> [String: SocketValue]? {
        let buffer = try await JSONBodyReader(limit: limit).bytes(of: request)
        guard buffer.readableBytes > 0 else { return nil }
        let value: SocketValue
        do {
            value = try SocketValue(jsonText: String(decoding: buffer.readableBytesView, as: UTF8.self))
        } catch {
            throw BoxError.validation(field: "body", "The body is not valid JSON.")
        }
        guard let object = value.objectValue else { throw BoxError.validation(field: "body", "The body must be a JSON object.") }
        return object
    }
}
