import Crypto
import CryptoExtras
import Foundation
import MusicBoxCore

/// A parent PIN as stored: never the PIN itself, only a salted scrypt hash, so a copied database
/// does not give the PIN away at a glance and each guess costs memory and time. Encoded as
/// `scrypt$N$r$p$salt$hash` (base64), so the cost can be raised later without losing old PINs.
public struct PINHash: Sendable, Equatable {
    public var rounds: Int
    public var blockSize: Int
    public var parallelism: Int
    public var salt: [UInt8]
    public var hash: [UInt8]

    /// scrypt with N = 2^14, r = 8: 16 MiB and tens of milliseconds on a Pi, once per login.
    public static let defaultRounds = 1 << 14

    /// Digits only, 4 to 12 of them: typed on a phone's number pad, long enough for a family.
    public static func validate(_ pin: String) throws(BoxError) {
        guard (4...12).contains(pin.count), pin.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw BoxError(.validationError, "The PIN must be 4 to 12 digits.", details: ["field": "pin", "reason": "pin_format"])
        }
    }

    public static func make(_ pin: String, rounds: Int = defaultRounds) throws -> PINHash {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let hash = try derive(pin, salt: salt, rounds: rounds, blockSize: 8, parallelism: 1)
        return PINHash(rounds: rounds, blockSize: 8, parallelism: 1, salt: salt, hash: hash)
    }

    public func matches(_ pin: String) -> Bool {
        guard let candidate = try? Self.derive(pin, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism) else { return false }
        return ConstantTime.equal(candidate, hash)
    }

    static func derive(_ pin: String, salt: [UInt8], rounds: Int, blockSize: Int, parallelism: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(pin.utf8), salt: salt, outputByteCount: 32, rounds: rounds, blockSize: blockSize, parallelism: parallelism
        )
        return key.withUnsafeBytes { Array($0) }
    }

    public var encoded: String {
        ["scrypt", String(rounds), String(blockSize), String(parallelism), Data(salt).base64EncodedString(), Data(hash).base64EncodedString()]
            .joined(separator: "$")
    }

    public init(rounds: Int, blockSize: Int, parallelism: Int, salt: [UInt8], hash: [UInt8]) {
        self.rounds = rounds
        self.blockSize = blockSize
        self.parallelism = parallelism
        self.salt = salt
        self.hash = hash
    }

    /// Nil for anything that is not a well-formed stored hash (then no PIN is taken as set: the
    /// caller logs it, since a damaged row must not lock parents out for good).
    public init?(encoded: String) {
        let parts = encoded.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let rounds = Int(parts[1]), let blockSize = Int(parts[2]),
            let parallelism = Int(parts[3]), let salt = Data(base64Encoded: parts[4]), let hash = Data(base64Encoded: parts[5]),
            rounds > 1, rounds & (rounds - 1) == 0, (1...64).contains(blockSize), (1...16).contains(parallelism), !hash.isEmpty
        else { return nil }
        self.init(rounds: rounds, blockSize: blockSize, parallelism: parallelism, salt: Array(salt), hash: Array(hash))
    }
}

enum ConstantTime {
    /// Compares without stopping at the first difference.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
