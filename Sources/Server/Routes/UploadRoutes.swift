import HTTPTypes
import Hummingbird
import MusicBoxCore
import Uploads

/// Chunked, resumable uploads (CONTRACT §6). The work is ``UploadService``'s; these routes read
/// requests and stream chunk bodies into it.
struct UploadRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    var body: JSONBodyReader { JSONBodyReader(limit: dependencies.maxJSONBodyBytes) }
    var uploads: UploadService { dependencies.uploads }

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.startUpload, use: createSession)
        routes.add(.putChunk, use: putChunk)
        routes.add(.uploadStatus, use: status)
        routes.add(.finalizeUpload, use: finalize)
        routes.add(.cancelUpload, use: cancel)
        routes.add(.listUploads, use: list)
        routes.add(.cancelAllUploads, use: cancelAll)
    }

    struct SessionBody: Decodable {
        var filename: String
        var file_size: Int64
        var chunk_size: Int?
        var file_hash: String?
    }

    @Sendable func createSession(_ request: Request, context: Context) async throws -> Response {
        let playlist = try PathID.playlist(context)
        let input = try await body.decode(SessionBody.self, from: request)
        let info = try await uploads.createSession(
            playlistID: playlist, filename: input.filename, fileSize: input.file_size, chunkSize: input.chunk_size, fileHash: input.file_hash,
            client: client
        )
        return try JSONResponse.success(info, message: "Upload session created", status: .created)
    }

    /// The parent login that asks, else (no PIN set) the address it asks from.
    private var client: UploadClient { UploadClient(RequestClient.current ?? "unknown") }

    struct SessionList: Encodable {
        var sessions: [UploadSessionSummary]
    }

    /// Every open upload, for parents: who opened it, how far it got, how long it has been idle.
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let sessions = await uploads.list()
        return try JSONResponse.success(SessionList(sessions: sessions), message: "\(sessions.count) upload(s) open")
    }

    /// Cancels every upload still receiving (a parent freeing the slots).
    @Sendable func cancelAll(_ request: Request, context: Context) async throws -> Response {
        let ids = await uploads.cancelAll()
        return try JSONResponse.success(["cancelled": ids], message: "\(ids.count) upload(s) cancelled")
    }

    /// Streams the body (raw, or the `file` field of a form) into the session's file.
    @Sendable func putChunk(_ request: Request, context: Context) async throws -> Response {
        let playlist = try PathID.playlist(context)
        let sessionID = try context.parameters.require("session_id")
        let indexText = try context.parameters.require("index")
        guard let index = Int(indexText) else {
            throw BoxError(.validationError, "The chunk index must be a whole number, not \(indexText).", details: ["field": "index"])
        }
        let ticket = try await uploads.beginChunk(playlistID: playlist, sessionID: sessionID, index: index)
        let contentType = request.headers[.contentType]
        let multipart = MultipartFileReader.isMultipart(contentType)
        let writer = ChunkWriter(ticket: ticket)
        do {
            // A raw body that says up front it is too large is refused before a byte is written.
            if !multipart, let length = request.headers[.contentLength].flatMap(Int.init), length > ticket.length {
                throw BoxError(
                    .payloadTooLarge, "Chunk \(index) is \(length) bytes; this upload's chunks are at most \(ticket.length) bytes.",
                    details: ["field": "chunk", "reason": "chunk_too_large", "limit": String(ticket.length)]
                )
            }
            if multipart, let contentType {
                var form = try MultipartFileReader(contentType: contentType)
                for try await piece in request.body {
                    for part in try form.feed(piece) { try await writer.append(part) }
                }
                try form.finish()
            } else {
                for try await piece in request.body { try await writer.append(piece) }
            }
            let digest = try await writer.finish()
            let status = try await uploads.finishChunk(ticket, digest: digest)
            return try JSONResponse.success(ChunkReceipt(index: index, status: status), message: "Chunk \(index) received")
        } catch let error as BoxError {
            await writer.drain()
            await uploads.abandonChunk(ticket, error: error)
            throw error
        } catch {
            // The connection broke off mid-chunk: the chunk is simply not received.
            await writer.drain()
            await uploads.abandonChunk(ticket, error: BoxError(.validationError, "The chunk did not arrive whole: \(error)."))
            throw error
        }
    }

    struct ChunkReceipt: Encodable {
        var index: Int
        var status: UploadStatus

        enum CodingKeys: String, CodingKey {
            case complete
            case chunkIndex = "chunk_index"
            case receivedCount = "received_count"
            case totalChunks = "total_chunks"
            case bytesReceived = "bytes_received"
            case fileSize = "file_size"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .chunkIndex)
            try container.encode(status.receivedChunks.count, forKey: .receivedCount)
            try container.encode(status.totalChunks, forKey: .totalChunks)
            try container.encode(status.bytesReceived, forKey: .bytesReceived)
            try container.encode(status.fileSize, forKey: .fileSize)
            try container.encode(status.complete, forKey: .complete)
        }
    }

    @Sendable func status(_ request: Request, context: Context) async throws -> Response {
        let playlist = try PathID.playlist(context)
        let status = try await uploads.status(playlistID: playlist, sessionID: try context.parameters.require("session_id"))
        return try JSONResponse.success(status, message: "Upload status")
    }

    struct FinalizeBody: Decodable {
        var metadata_override: MetadataOverride?
    }

    @Sendable func finalize(_ request: Request, context: Context) async throws -> Response {
        let playlist = try PathID.playlist(context)
        let sessionID = try context.parameters.require("session_id")
        let input = try await body.decodeIfPresent(FinalizeBody.self, from: request)
        let result = try await uploads.finalize(playlistID: playlist, sessionID: sessionID, override: input?.metadata_override)
        return try JSONResponse.success(result, message: "Upload added to the playlist", status: .created)
    }

    @Sendable func cancel(_ request: Request, context: Context) async throws -> Response {
        let playlist = try PathID.playlist(context)
        let sessionID = try context.parameters.require("session_id")
        try await uploads.cancel(playlistID: playlist, sessionID: sessionID)
        return try JSONResponse.success(["session_id": sessionID], message: "Upload cancelled")
    }
}
