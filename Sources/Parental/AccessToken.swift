import Crypto
import Foundation
import MusicBoxCore

/// A parent token: 32 random bytes, handed out once at login. The box keeps only its SHA-256,
/// so the stored list cannot be replayed; each entry has an id to revoke it by.
public struct StoredToken: Sendable, Codable, Equatable {
    public var id: String
    public var sha256: String
    public var label: String
    public var createdAt: EpochMillis
    /// When it last let a request through (recorded to the day); nil: not since it was made.
    public var lastUsedAt: EpochMillis?

    enum CodingKeys: String, CodingKey {
        case id, sha256, label
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
    }
}

enum AccessToken {
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func digest(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension ParentalAccess {
    /// The digest a token is stored under (to tell which stored login is the caller's own).
    public static func digest(_ token: String) -> String { AccessToken.digest(token) }
}
