import Foundation
import HTTPTypes
import Hummingbird
import MusicBoxCore
import Uploads

/// Pictures and sound for the web UI: track covers, the playlist cover (its first track with
/// one), and a track's audio with HTTP `Range` so a browser can preview and seek.
struct MediaRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    let files = FileIO()

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.trackCover, use: trackCover)
        routes.add(.trackAudio, use: audio)
        routes.add(.playlistCover, use: playlistCover)
    }

    @Sendable func trackCover(_ request: Request, context: Context) async throws -> Response {
        let track = try trackID(context)
        guard let artwork = try await dependencies.library.artwork(for: track) else {
            throw BoxError(.notFound, "Track \(track) has no cover picture.", details: ["track_id": track.description])
        }
        return Self.picture(artwork)
    }

    @Sendable func playlistCover(_ request: Request, context: Context) async throws -> Response {
        let playlist = try PathID.playlist(context)
        guard let detail = try await dependencies.library.playlist(playlist) else { throw BoxError.playlistNotFound(playlist) }
        guard let first = detail.summary.coverTrackID, let artwork = try await dependencies.library.artwork(for: first) else {
            throw BoxError(.notFound, "None of the playlist's tracks has a cover picture.", details: ["playlist_id": playlist.description])
        }
        return Self.picture(artwork)
    }

    static func picture(_ artwork: Artwork) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = artwork.mimeType
        headers[.contentLength] = String(artwork.data.count)
        // A track's cover never changes; a playlist's may, so phones revalidate after a minute.
        headers[.cacheControl] = "max-age=60"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: artwork.data)))
    }

    @Sendable func audio(_ request: Request, context: Context) async throws -> Response {
        let track = try trackID(context)
        guard let file = try await dependencies.library.audioFile(for: track) else { throw BoxError.trackNotFound(track) }
        let path = file.path
        let size = try await BlockingIO().run { () throws(BoxError) -> Int in
            // (FileManager rather than stat(2): the C struct is declared by two modules, and
            // release builds disagree about which one a file sees.)
            guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber else {
                throw BoxError(.notFound, "The track's audio file is missing from the media folder.", details: ["track_id": track.description, "reason": "missing"])
            }
            return size.intValue
        }
        var headers = HTTPFields()
        headers[.contentType] = Self.mimeType(forExtension: (path as NSString).pathExtension)
        headers[.acceptRanges] = "bytes"
        headers[.cacheControl] = "max-age=3600"
        headers[.contentDisposition] = "inline; filename*=UTF-8''\(Self.percentEncoded(file.originalName))"
        guard size > 0 else {
            headers[.contentLength] = "0"
            return Response(status: .ok, headers: headers, body: ResponseBody())
        }
        switch ByteRange.parse(request.headers[.range], size: size) {
        case .whole:
            headers[.contentLength] = String(size)
            return Response(status: .ok, headers: headers, body: try await files.loadFile(path: path, context: context))
        case .part(let range):
            headers[.contentLength] = String(range.count)
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            return Response(status: .partialContent, headers: headers, body: try await files.loadFile(path: path, range: range, context: context))
        case .unsatisfiable:
            var failure = JSONResponse.failure(BoxError(
                .validationError, "The requested range lies outside the file's \(size) bytes.", details: ["field": "range", "size": String(size)]
            ))
            failure.status = .rangeNotSatisfiable
            failure.headers[.contentRange] = "bytes */\(size)"
            return failure
        }
    }

    private func trackID(_ context: Context) throws -> TrackID {
        let text = try context.parameters.require("track_id")
        guard let id = TrackID(text) else { throw BoxError(.notFound, "No track with id \(text).", details: ["track_id": text]) }
        return id
    }

    static func mimeType(forExtension ext: String) -> String {
        switch ext.lowercased() {
        case "mp3": "audio/mpeg"
        case "m4a", "m4b": "audio/mp4"
        case "aac": "audio/aac"
        case "flac": "audio/flac"
        case "ogg", "oga", "opus": "audio/ogg"
        case "wav": "audio/wav"
        case "aif", "aiff": "audio/aiff"
        case "mka": "audio/x-matroska"
        default: "application/octet-stream"
        }
    }

    static func percentEncoded(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? "audio"
    }
}

/// A `Range: bytes=…` header against a file of `size` bytes (RFC 9110 §14). Only the first range
/// of a list is served; a header that cannot be read is ignored, as the RFC allows.
enum ByteRange: Equatable {
    case whole
    case part(ClosedRange<Int>)
    case unsatisfiable

    static func parse(_ header: String?, size: Int) -> ByteRange {
        guard let header, header.hasPrefix("bytes="), size > 0 else { return .whole }
        guard let first = header.dropFirst("bytes=".count).split(separator: ",").first?.trimmingCharacters(in: .whitespaces) else { return .whole }
        let ends = first.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard ends.count == 2 else { return .whole }
        switch (Int(ends[0]), Int(ends[1])) {
        case (let start?, let end?):
            guard start <= end else { return .whole }
            guard start < size else { return .unsatisfiable }
            return .part(start...min(end, size - 1))
        case (let start?, nil) where ends[1].isEmpty:
            guard start < size else { return .unsatisfiable }
            return .part(start...(size - 1))
        case (nil, let suffix?) where ends[0].isEmpty:
            guard suffix > 0 else { return .unsatisfiable }
            return .part(max(0, size - suffix)...(size - 1))
        default:
            return .whole
        }
    }
}
