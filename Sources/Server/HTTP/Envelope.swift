import Foundation
import Hummingbird
import MusicBoxCore
import SocketIO

/// The contract's success body: `{status:"success", message, data, server_seq?, client_op_id?}`.
struct SuccessEnvelope<Payload: Encodable>: Encodable {
    var message: String
    var data: Payload
    var serverSeq: UInt64?
    var clientOpID: String?

    enum CodingKeys: String, CodingKey {
        case status, message, data
        case serverSeq = "server_seq"
        case clientOpID = "client_op_id"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("success", forKey: .status)
        try container.encode(message, forKey: .message)
        try container.encode(data, forKey: .data)
        try container.encodeIfPresent(serverSeq, forKey: .serverSeq)
        try container.encodeIfPresent(clientOpID, forKey: .clientOpID)
    }
}

/// The contract's error body: `{status:"error", error_type, message, details?, client_op_id?}`.
struct ErrorEnvelope: Encodable {
    var error: BoxError
    var clientOpID: String?

    enum CodingKeys: String, CodingKey {
        case status, message, details
        case errorType = "error_type"
        case clientOpID = "client_op_id"
        case retryAfter = "retry_after"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("error", forKey: .status)
        try container.encode(error.code.rawValue, forKey: .errorType)
        try container.encode(error.message, forKey: .message)
        if !error.details.isEmpty { try container.encode(error.details, forKey: .details) }
        if let retry = error.details["retry_after"].flatMap(Int.init) { try container.encode(retry, forKey: .retryAfter) }
        try container.encodeIfPresent(clientOpID, forKey: .clientOpID)
    }
}

/// The contract's error body for what the connection layer refuses by itself (408, 414, 431,
/// 400 for what the parser rejects, 503 past the connection limit).
public enum ConnectionRefusal {
    @Sendable public static func body(_ refusal: HTTPRefusal) -> String {
        let error = BoxError(ErrorCode(rawValue: refusal.code) ?? .internalError, refusal.message)
        let data = (try? JSONEncoder().encode(ErrorEnvelope(error: error))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Writes envelopes as JSON responses.
enum JSONResponse {
    static func success<Payload: Encodable>(
        _ data: Payload, message: String, status: HTTPResponse.Status = .ok,
        serverSeq: UInt64? = nil, clientOpID: String? = nil
    ) throws -> Response {
        let body = SuccessEnvelope(message: message, data: data, serverSeq: serverSeq, clientOpID: clientOpID)
        return try make(body, status: status)
    }

    static func failure(_ error: BoxError, clientOpID: String? = nil) -> Response {
        let body = ErrorEnvelope(error: error, clientOpID: clientOpID)
        var response = (try? make(body, status: error.code.httpStatus)) ?? Response(status: .internalServerError)
        if let retry = error.details["retry_after"] { response.headers[.retryAfter] = retry }
        return response
    }

    private static func make(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = try encoder.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(data.count)
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension ErrorCode {
    /// The HTTP status each error kind is reported with. No failure is ever a 200.
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .validationError: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .conflict: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedFormat: .unsupportedMediaType
        case .rateLimited: .tooManyRequests
        case .insufficientStorage: HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
        case .hardwareUnavailable: .serviceUnavailable
        // The stream's server (another server the box reaches for the parent) did not answer well.
        case .streamUnavailable: .badGateway
        case .downloadFailed: .badGateway
        case .unavailable: .serviceUnavailable
        case .storageError, .internalError: .internalServerError
        case .requestTimeout: .requestTimeout
        case .uriTooLong: .uriTooLong
        case .headersTooLarge: HTTPResponse.Status(code: 431, reasonPhrase: "Request Header Fields Too Large")
        case .malformedRequest: .badRequest
        case .tooManyConnections: .serviceUnavailable
        }
    }

    /// The closest error kind for an HTTP status raised outside our code (router, body limits).
    init(httpStatus: HTTPResponse.Status) {
        switch httpStatus.code {
        case 401: self = .unauthorized
        case 403: self = .forbidden
        case 404: self = .notFound
        case 405: self = .methodNotAllowed
        case 409: self = .conflict
        case 413: self = .payloadTooLarge
        case 415: self = .unsupportedFormat
        case 429: self = .rateLimited
        case 400..<500: self = .validationError
        default: self = .internalError
        }
    }
}
