import Hummingbird
import MusicBoxCore

/// `/api/playlists`: list with paging, create, get, rename, delete.
struct PlaylistRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    var body: JSONBodyReader { JSONBodyReader(limit: dependencies.maxJSONBodyBytes) }

    static var maxPageSize: Int { 1000 }

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.listPlaylists, use: list)
        routes.add(.createPlaylist, use: create)
        routes.add(.getPlaylist, use: get)
        routes.add(.replacePlaylist, use: update)
        routes.add(.updatePlaylist, use: update)
        routes.add(.deletePlaylist, use: delete)
        routes.add(.startPlaylist, use: start)
    }

    struct ListData: Encodable {
        var playlists: [PlaylistSummary]
        var total: Int
        var page: Int
        var limit: Int
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let page = try QueryInt.read(request, "page", default: 1, range: 1...Int(Int32.max))
        let limit = try QueryInt.read(request, "limit", default: 50, range: 1...Self.maxPageSize)
        let result = try await dependencies.library.playlistPage(offset: (page - 1) * limit, limit: limit)
        let data = ListData(playlists: result.playlists, total: result.total, page: page, limit: limit)
        return try JSONResponse.success(data, message: "\(result.total) playlist(s)")
    }

    struct CreateBody: Decodable {
        var title: String
        var description: String?
        var client_op_id: String?
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(CreateBody.self, from: request)
        let opID = try ClientOpID.validate(input.client_op_id)
        let committed = try await dependencies.perform(
            CreatePlaylist(title: input.title, description: input.description ?? ""), clientOpID: opID, request: request
        )
        return try JSONResponse.success(
            committed.value, message: "Playlist created", status: .created,
            serverSeq: committed.serverSeq, clientOpID: opID
        )
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        let id = try playlistID(context)
        guard let playlist = try await dependencies.library.playlist(id) else { throw BoxError.playlistNotFound(id) }
        return try JSONResponse.success(playlist, message: "Playlist \(id)")
    }

    struct UpdateBody: Decodable {
        var title: String?
        var description: String?
        var client_op_id: String?
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        let id = try playlistID(context)
        let input = try await body.decode(UpdateBody.self, from: request)
        let opID = try ClientOpID.validate(input.client_op_id)
        let committed = try await dependencies.perform(
            UpdatePlaylist(id: id, title: input.title, description: input.description), clientOpID: opID, request: request
        )
        return try JSONResponse.success(
            committed.value, message: "Playlist updated", serverSeq: committed.serverSeq, clientOpID: opID
        )
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let id = try playlistID(context)
        let opID = try ClientOpID.validate(request.uri.queryParameters.get("client_op_id"))
        let committed = try await dependencies.perform(DeletePlaylist(id: id), clientOpID: opID, request: request)
        return try JSONResponse.success(
            committed.value, message: "Playlist deleted", serverSeq: committed.serverSeq, clientOpID: opID
        )
    }

    struct StartBody: Decodable {
        var track_index: Int?
        var position_ms: Int64?
        var client_op_id: String?
    }

    /// Plays the playlist (from its first track, or the one given).
    @Sendable func start(_ request: Request, context: Context) async throws -> Response {
        let id = try playlistID(context)
        let input = try await body.decodeIfPresent(StartBody.self, from: request) ?? StartBody()
        let opID = try ClientOpID.validate(input.client_op_id)
        let command = PlayPlaylist(playlistID: id, trackIndex: input.track_index, positionMs: input.position_ms)
        return try await dependencies.respond(to: request, with: command, clientOpID: opID, message: "Playing")
    }

    private func playlistID(_ context: Context) throws -> PlaylistID { try PathID.playlist(context) }
}

/// Integer query parameters with a default and a range; anything else is a 400 naming the parameter.
enum QueryInt {
    static func read(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw BoxError.validation(field: name, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return number
    }
}

/// `client_op_id`: an opaque string a client picks to recognise its operation's result.
enum ClientOpID {
    static let maxLength = 128

    static func validate(_ value: String?) throws -> String? {
        guard let value else { return nil }
        guard !value.isEmpty, value.count <= maxLength, !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw BoxError.validation(field: "client_op_id", "client_op_id must be 1 to \(maxLength) printable characters.")
        }
        return value
    }
}
