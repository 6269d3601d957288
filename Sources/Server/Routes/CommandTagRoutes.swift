import Hummingbird
import MusicBoxCore

/// `/api/nfc/commands`: tags that do something instead of playing a playlist (``TagCommand``),
/// and `/api/player/toddler_lock`, which locks the box's buttons. Parents only: a child must not
/// unlock the box from a phone.
struct CommandTagRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    var body: JSONBodyReader { JSONBodyReader(limit: dependencies.maxJSONBodyBytes) }

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.listCommandTags, use: list)
        routes.add(.linkCommandTag, use: link)
        routes.add(.unlinkCommandTag, use: unlink)
        routes.add(.toddlerLock, use: lock)
    }

    struct Listing: Encodable {
        var commands: [CommandTag]
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        try JSONResponse.success(Listing(commands: try await dependencies.state.listCommandTags()), message: "Command tags")
    }

    struct LinkBody: Decodable {
        var tag_id: String
        var action: String
        var minutes: Int?
        var volume: Int?
        var force: Bool?
        var client_op_id: String?
    }

    @Sendable func link(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(LinkBody.self, from: request)
        let opID = try ClientOpID.validate(input.client_op_id)
        guard let tag = TagID(input.tag_id) else { throw OperationFailure(error: .invalidTagID, clientOpID: opID) }
        let command = try TagCommand.checked(action: input.action, minutes: input.minutes, volume: input.volume)
        let committed = try await dependencies.perform(LinkCommandTag(tag: tag, command: command, force: input.force ?? false), clientOpID: opID, request: request)
        return try JSONResponse.success(
            Listing(commands: committed.value), message: "Command tag linked", serverSeq: committed.serverSeq, clientOpID: opID
        )
    }

    @Sendable func unlink(_ request: Request, context: Context) async throws -> Response {
        let text = try context.parameters.require("tag_id")
        let opID = try ClientOpID.validate(request.uri.queryParameters.get("client_op_id"))
        guard let tag = TagID(text) else { throw OperationFailure(error: .invalidTagID, clientOpID: opID) }
        let committed = try await dependencies.perform(UnlinkCommandTag(tag: tag), clientOpID: opID, request: request)
        return try JSONResponse.success(
            Listing(commands: committed.value), message: "Command tag removed", serverSeq: committed.serverSeq, clientOpID: opID
        )
    }

    struct LockBody: Decodable {
        var locked: Bool
        var client_op_id: String?
    }

    @Sendable func lock(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(LockBody.self, from: request)
        let opID = try ClientOpID.validate(input.client_op_id)
        return try await dependencies.respond(
            to: request, with: SetToddlerLock(locked: input.locked), clientOpID: opID, message: input.locked ? "Buttons locked" : "Buttons unlocked"
        )
    }
}
