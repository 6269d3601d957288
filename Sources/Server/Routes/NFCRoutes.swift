import Hummingbird
@_spi(Simulation) import MusicBoxCore

/// NFC over HTTP: `/api/nfc/associate` links a tag to a playlist by its id; `/api/nfc/scan` and
/// `/api/nfc/session/{id}` open and close a linking session (CONTRACT §5); `/api/nfc/status` gives
/// the reader, the tag on it and the open session. With a manual (simulated) reader,
/// `/api/dev/nfc/place|remove` put tags on it.
struct NFCRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    var body: JSONBodyReader { JSONBodyReader(limit: dependencies.maxJSONBodyBytes) }

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.linkTag, use: link)
        routes.add(.unlinkTag, use: unlink)
        routes.add(.readerStatus, use: status)
        routes.add(.startLinking, use: scan)
        routes.add(.stopLinking, use: stopScan)
        if dependencies.tags is any ManualTagReader {
            routes.add(.devPlaceTag, use: place)
            routes.add(.devRemoveTag, use: remove)
        }
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
        let response = try await dependencies.respond(to: request, with: command, clientOpID: opID, message: "Tag linked")
        // The same as `override_nfc_tag`: a session waiting on this playlist's duplicate is done.
        if response.status.code < 300 { await dependencies.state.tagLinkedByHand(tag, playlistID: playlist) }
        return response
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
