import Hummingbird
import MusicBoxCore

/// `/api/settings`: the parents' settings, changed through the state manager.
struct SettingsRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    var body: JSONBodyReader { JSONBodyReader(limit: dependencies.maxJSONBodyBytes) }

    func register(on router: Router<Context>) {
        router.get("api/settings", use: get)
        router.put("api/settings", use: update)
        router.patch("api/settings", use: update)
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        try JSONResponse.success(try await dependencies.state.settings(), message: "Settings")
    }

    struct UpdateBody: Decodable {
        var max_volume: Int?
        var startup_volume: Int?
        var tag_removal: String?
        var start_over_after_hours: Int?
        var client_op_id: String?
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(UpdateBody.self, from: request)
        let opID = try ClientOpID.validate(input.client_op_id)
        let command = UpdateSettings(
            maxVolume: input.max_volume, startupVolume: input.startup_volume,
            tagRemoval: input.tag_removal, startOverAfterHours: input.start_over_after_hours
        )
        return try await dependencies.respond(to: request, with: command, clientOpID: opID, message: "Settings saved")
    }
}

/// `/api/nfc/associate`: link a tag to a playlist by its id; `/api/nfc/status`: the reader and
/// the tag on it. With a manual (simulated) reader, `/api/dev/nfc/place|remove` put tags on it.
struct TagRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    var body: JSONBodyReader { JSONBodyReader(limit: dependencies.maxJSONBodyBytes) }

    func register(on router: Router<Context>) {
        router.post("api/nfc/associate", use: link)
        router.delete("api/nfc/associate/:tag_id", use: unlink)
        router.get("api/nfc/status", use: status)
        router.post("api/nfc/scan", use: scan)
        router.delete("api/nfc/session/:assoc_id", use: stopScan)
        if dependencies.tags is any ManualTagReader {
            router.post("api/dev/nfc/place", use: place)
            router.post("api/dev/nfc/remove", use: remove)
        }
        if dependencies.controls is any ManualControlInput {
            router.post("api/dev/controls/press", use: press)
        }
    }

    struct PressBody: Decodable {
        var action: String
    }

    /// Presses a simulated button: `{action: "play_pause" | "next" | "previous" | "volume_up" | "volume_down" | "stop"}`.
    @Sendable func press(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(PressBody.self, from: request)
        guard let action = ControlAction(rawValue: input.action), action != .none else {
            let names = ControlAction.allCases.filter { $0 != .none }.map(\.rawValue).joined(separator: ", ")
            throw BoxError.validation(field: "action", "action must be one of \(names).")
        }
        (dependencies.controls as? any ManualControlInput)?.trigger(action)
        return try JSONResponse.success(["action": action.rawValue], message: "Pressed")
    }

    struct ReaderStatus: Encodable {
        var reader: ComponentHealth
        var tag_id: TagID?
        /// The open linking session (`nfc_status` shape), or null.
        var session: AssociationStatusPayload?

        enum CodingKeys: String, CodingKey { case reader, tag_id, session }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(reader, forKey: .reader)
            try container.encode(tag_id, forKey: .tag_id)
            try container.encode(session, forKey: .session)
        }
    }

    @Sendable func status(_ request: Request, context: Context) async throws -> Response {
        let session = await dependencies.state.currentAssociation.map(AssociationStatusPayload.init)
        return try JSONResponse.success(
            ReaderStatus(reader: dependencies.tags.health, tag_id: dependencies.tags.currentTag, session: session), message: "NFC reader"
        )
    }

    struct ScanBody: Decodable {
        var playlist_id: String
        var timeout_s: Int?
    }

    /// Opens a linking session (the HTTP twin of `start_nfc_link`).
    @Sendable func scan(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(ScanBody.self, from: request)
        guard let playlist = PlaylistID(input.playlist_id) else { throw BoxError.playlistNotFoundText(input.playlist_id) }
        let status = try await dependencies.state.startAssociation(playlistID: playlist, timeoutSeconds: input.timeout_s ?? 60)
        return try JSONResponse.success(AssociationStatusPayload(status: status), message: status.message)
    }

    @Sendable func stopScan(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("assoc_id")
        let status = try await dependencies.state.stopAssociation(id)
        return try JSONResponse.success(AssociationStatusPayload(status: status), message: status.message)
    }

    struct PlaceBody: Decodable {
        var tag_id: String
    }

    @Sendable func place(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(PlaceBody.self, from: request)
        guard let tag = TagID(input.tag_id) else { throw BoxError.invalidTagID }
        (dependencies.tags as? any ManualTagReader)?.place(tag)
        return try JSONResponse.success(ReaderStatus(reader: dependencies.tags.health, tag_id: tag, session: nil), message: "Tag placed")
    }

    @Sendable func remove(_ request: Request, context: Context) async throws -> Response {
        (dependencies.tags as? any ManualTagReader)?.remove()
        return try JSONResponse.success(ReaderStatus(reader: dependencies.tags.health, tag_id: nil, session: nil), message: "Tag removed")
    }

    struct LinkBody: Decodable {
        var tag_id: String
        var playlist_id: String
        var force: Bool?
        var client_op_id: String?
    }

    @Sendable func link(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(LinkBody.self, from: request)
        let opID = try ClientOpID.validate(input.client_op_id)
        guard let tag = TagID(input.tag_id) else {
            throw OperationFailure(error: .invalidTagID, clientOpID: opID)
        }
        guard let playlist = PlaylistID(input.playlist_id) else {
            throw OperationFailure(error: .playlistNotFoundText(input.playlist_id), clientOpID: opID)
        }
        let command = LinkTag(tag: tag, playlistID: playlist, force: input.force ?? false)
        return try await dependencies.respond(to: request, with: command, clientOpID: opID, message: "Tag linked")
    }

    @Sendable func unlink(_ request: Request, context: Context) async throws -> Response {
        let text = try context.parameters.require("tag_id")
        let opID = try ClientOpID.validate(request.uri.queryParameters.get("client_op_id"))
        guard let tag = TagID(text) else {
            throw OperationFailure(error: .invalidTagID, clientOpID: opID)
        }
        return try await dependencies.respond(to: request, with: UnlinkTag(tag: tag), clientOpID: opID, message: "Tag unlinked")
    }
}
