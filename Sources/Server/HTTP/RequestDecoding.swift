import Foundation
import Hummingbird
import MusicBoxCore
import NIOCore

/// Reads a JSON request body into `T`, with the contract's errors:
/// too large → 413 `payload_too_large`; not JSON, or a field missing or of the wrong type →
/// 400 `validation_error` naming the field.
struct JSONBodyReader: Sendable {
    var limit: Int

    func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        guard let value = try await decodeIfPresent(type, from: request) else {
            throw BoxError.validation(field: "body", "The request needs a JSON object as its body.")
        }
        return value
    }

    /// Like ``decode(_:from:)``, but an empty body is `nil` (for operations whose fields are all optional).
    func decodeIfPresent<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T? {
        let buffer = try await bytes(of: request)
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw Self.describe(error)
        }
    }

    /// The whole body, or 413 `payload_too_large` past the limit.
    func bytes(of request: Request) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw BoxError(.payloadTooLarge, "The JSON body is larger than \(limit) bytes.", details: ["limit": String(limit)])
        }
    }

    /// Converts Foundation's decoding errors into messages that name the field.
    static func describe(_ error: DecodingError) -> BoxError {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return .validation(field: field, "\(field) is required.")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            if field.isEmpty { return .validation(field: "body", "The body must be a JSON object.") }
            return .validation(field: field, "\(field) must be \(Self.name(of: type)).")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty { return .validation(field: "body", "The body is not valid JSON.") }
            return .validation(field: field, "\(field) is not valid: \(context.debugDescription)")
        @unknown default:
            return .validation(field: "body", "The body could not be read.")
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is UInt64.Type: "an integer"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        default: "of another type"
        }
    }
}
