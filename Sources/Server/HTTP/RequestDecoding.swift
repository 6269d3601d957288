import Foundation
import Hummingbird
import MusicBoxCore
import NIOCore
import SocketIO

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
        let data = Data(buffer.readableBytesView)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            if Self.isBareCorruption(error), let field = Self.nonIntegerField(in: data, decoding: T.self) {
                throw BoxError.validation(field: field, "\(field) must be an integer.")
            }
            throw Self.describe(error)
        }
    }

    /// Foundation's decoder says only "not valid JSON" (no field) when a number does not fit the
    /// integer it is read into (`1e28`, `1.5`, `-1.79e28`). When the body is valid JSON, this finds
    /// that number: each number that is not an exact 64-bit integer is set to 0 in turn, and the one
    /// whose change lets the decoding past that error is named. (At most 16 tries: bodies are small.)
    static func nonIntegerField<T: Decodable>(in data: Data, decoding type: T.Type) -> String? {
        guard let value = try? SocketValue(jsonText: String(decoding: data, as: UTF8.self)) else { return nil }
        for path in nonIntegers(in: value, at: []).prefix(16) {
            let changed = replacing(path, in: value, with: .int(0))
            do {
                _ = try JSONDecoder().decode(T.self, from: Data(changed.jsonText.utf8))
            } catch let error as DecodingError where isBareCorruption(error) {
                continue
            } catch {}
            return path.map { $0.intValue.map { "[\($0)]" } ?? $0.key }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        return nil
    }

    private static func isBareCorruption(_ error: DecodingError) -> Bool {
        if case .dataCorrupted(let context) = error { return context.codingPath.isEmpty }
        return false
    }

    private enum Step { case key(String), index(Int)
        var key: String { if case .key(let key) = self { key } else { "" } }
        var intValue: Int? { if case .index(let index) = self { index } else { nil } }
    }

    private static func nonIntegers(in value: SocketValue, at path: [Step]) -> [[Step]] {
        switch value {
        case .double: [path]
        case .array(let values): values.enumerated().flatMap { nonIntegers(in: $1, at: path + [.index($0)]) }
        case .object(let object): object.keys.sorted().flatMap { nonIntegers(in: object[$0]!, at: path + [.key($0)]) }
        default: []
        }
    }

    private static func replacing(_ path: [Step], in value: SocketValue, with replacement: SocketValue) -> SocketValue {
        guard let step = path.first else { return replacement }
        let rest = Array(path.dropFirst())
        switch (step, value) {
        case (.key(let key), .object(var object)):
            object[key] = replacing(rest, in: object[key] ?? .null, with: replacement)
            return .object(object)
        case (.index(let index), .array(var values)):
            values[index] = replacing(rest, in: values[index], with: replacement)
            return .array(values)
        default:
            return value
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
