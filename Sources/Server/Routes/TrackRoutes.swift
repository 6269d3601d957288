import Foundation
import Hummingbird
import Logging
import MusicBoxCore

/// Track edits (CONTRACT §7): reorder, delete, move between playlists, and edit one track's fields.
struct TrackRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    var body: JSONBodyReader { JSONBodyReader(limit: dependencies.maxJSONBodyBytes) }

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.moveTrack, use: move)
        routes.add(.reorderTracks, use: reorder)
        routes.add(.deleteTracks, use: delete)
        routes.add(.updateTrack, use: update)
        routes.add(.addStream, use: addStream)
    }

    struct StreamBody: Decodable {
        var url: String
        var title: String?
        var client_op_id: String?
    }

    /// Adds a live stream (web radio) at the end of a playlist, once the box has heard that the
    /// address answers with audio it plays (off the state manager: up to the open timeout). The
    /// title is the parent's, else the station's own name, else the server's.
    @Sendable func addStream(_ request: Request, context: Context) async throws -> Response {
        let playlist = try PathID.playlist(context)
        let input = try await body.decode(StreamBody.self, from: request)
        let opID = try ClientOpID.validate(input.client_op_id)
        do {
            let url = try StreamURL.check(input.url)
            let title = try input.title.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : try TextRules.title($0) }
            guard try await dependencies.library.playlist(playlist) != nil else { throw BoxError.playlistNotFound(playlist) }
            guard let probe = dependencies.streamProbe else {
                throw BoxError(.hardwareUnavailable, "This box cannot play streams.", details: ["reason": "streams_not_set_up"])
            }
            let facts = try await probe(url)
            let name = title ?? facts.stationName ?? URLComponents(string: url)?.host ?? url
            dependencies.logger.info("stream \(StreamURL.shown(url)) answers with \(facts.codec); adding it as \(name)")
            let command = AddStream(playlistID: playlist, stream: NewStream(url: url, title: name))
            return try await dependencies.respond(to: request, with: command, clientOpID: opID, message: "Stream added", status: .created)
        } catch let error as BoxError {
            throw OperationFailure(error: error, clientOpID: opID)
        }
    }

    struct TrackListBody: Decodable {
        var track_ids: [String]
        var client_op_id: String?
    }

    @Sendable func reorder(_ request: Request, context: Context) async throws -> Response {
        try await trackList(request, context, message: "Tracks reordered") { ReorderTracks(playlistID: $0, trackIDs: $1) }
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        try await trackList(request, context, message: "Tracks deleted") { DeleteTracks(playlistID: $0, trackIDs: $1) }
    }

    /// The operations on a list of a playlist's tracks (`{track_ids}`).
    private func trackList<Command: BoxCommand>(
        _ request: Request, _ context: Context, message: String, _ make: (PlaylistID, [TrackID]) -> Command
    ) async throws -> Response where Command.Output: Encodable {
        let playlist = try PathID.playlist(context)
        let input = try await body.decode(TrackListBody.self, from: request)
        let opID = try ClientOpID.validate(input.client_op_id)
        let tracks = try TrackIDs.parse(input.track_ids, clientOpID: opID)
        return try await dependencies.respond(to: request, with: make(playlist, tracks), clientOpID: opID, message: message)
    }

    struct MoveBody: Decodable {
        var track_id: String
        var target_playlist_id: String
        var position: Int?
        var client_op_id: String?
    }

    @Sendable func move(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(MoveBody.self, from: request)
        let opID = try ClientOpID.validate(input.client_op_id)
        let track = try TrackIDs.parse([input.track_id], clientOpID: opID)[0]
        guard let target = PlaylistID(input.target_playlist_id) else {
            throw OperationFailure(error: .playlistNotFoundText(input.target_playlist_id), clientOpID: opID)
        }
        let command = MoveTrack(trackID: track, targetPlaylistID: target, position: input.position)
        return try await dependencies.respond(to: request, with: command, clientOpID: opID, message: "Track moved")
    }

    struct UpdateBody: Decodable {
        var title: String?
        var artist: String?
        var album: String?
        var client_op_id: String?
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        let playlist = try PathID.playlist(context)
        let input = try await body.decode(UpdateBody.self, from: request)
        let opID = try ClientOpID.validate(input.client_op_id)
        let text = try context.parameters.require("track_id")
        let track = try TrackIDs.parse([text], clientOpID: opID)[0]
        guard let current = try await dependencies.library.playlist(playlist), current.tracks.contains(where: { $0.id == track }) else {
            throw OperationFailure(error: .trackNotFound(track), clientOpID: opID)
        }
        let command = UpdateTrack(trackID: track, title: input.title, artist: input.artist, album: input.album)
        return try await dependencies.respond(to: request, with: command, clientOpID: opID, message: "Track updated")
    }
}

enum TrackIDs {
    /// Track ids from a body; one that is not a UUID cannot name a track: 404, like any unknown id.
    static func parse(_ texts: [String], clientOpID: String?) throws -> [TrackID] {
        try texts.map { text in
            guard let id = TrackID(text) else {
                throw OperationFailure(error: BoxError(.notFound, "No track with id \(text).", details: ["track_id": text]), clientOpID: clientOpID)
            }
            return id
        }
    }
}

enum PathID {
    /// A path id that is not a UUID cannot name a playlist: 404, like any unknown id.
    static func playlist<Context: RequestContext>(_ context: Context) throws -> PlaylistID {
        let text = try context.parameters.require("id")
        guard let id = PlaylistID(text) else { throw BoxError.playlistNotFoundText(text) }
        return id
    }
}
