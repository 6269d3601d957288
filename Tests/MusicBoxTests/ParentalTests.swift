import Foundation
import Logging
import MediaLibrary
import MusicBoxCore
import Testing
import HTTPTypes

@testable import Parental
@testable import Server

@Suite("Parental controls: PIN hash, attempt limit, tokens, which requests need what")
struct ParentalTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("a PIN hash checks the PIN, survives its encoding, and rejects damaged encodings")
    func pinHash() throws {
        let hash = try PINHash.make("2468", rounds: 1 << 10)
        #expect(hash.matches("2468"))
        #expect(!hash.matches("2469") && !hash.matches("") && !hash.matches("24680"))
        let decoded = try #require(PINHash(encoded: hash.encoded))
        #expect(decoded == hash && decoded.matches("2468"))
        // Salted: the same PIN twice gives different hashes.
        let again = try PINHash.make("2468", rounds: 1 << 10)
        #expect(again.salt != hash.salt && again.hash != hash.hash)
        for damaged in ["", "2468", "bcrypt$1024$8$1$AA==$AA==", "scrypt$1000$8$1$AA==$AA==", "scrypt$1024$8$1$AA==", "scrypt$1024$8$1$@@$AA=="] {
            #expect(PINHash(encoded: damaged) == nil, "\(damaged)")
        }
        #expect(throws: BoxError.self) { try PINHash.validate("123") }
        #expect(throws: BoxError.self) { try PINHash.validate("12a4") }
        #expect(throws: BoxError.self) { try PINHash.validate("１２３４") }  // full-width digits are not ASCII
        try PINHash.validate("0000")
    }

    @Test("five wrong PINs lock a client out for 30 s, doubling up to 15 minutes; others are not affected")
    func attemptLimiter() {
        var limiter = AttemptLimiter()
        let start = ContinuousClock.now
        for _ in 0..<4 { limiter.failed("a", now: start) }
        #expect(limiter.wait(for: "a", now: start) == nil)
        limiter.failed("a", now: start)
        #expect(limiter.wait(for: "a", now: start) == .seconds(30))
        #expect(limiter.wait(for: "b", now: start) == nil)
        #expect(limiter.wait(for: "a", now: start + .seconds(30)) == nil)
        limiter.failed("a", now: start + .seconds(30))
        #expect(limiter.wait(for: "a", now: start + .seconds(30)) == .seconds(60))
        var later = start + .seconds(90)
        for _ in 0..<10 {
            limiter.failed("a", now: later)
            later = later + .seconds(3600)
        }
        #expect(limiter.wait(for: "a", now: later - .seconds(3600)) == .seconds(15 * 60))
        limiter.succeeded("a")
        #expect(limiter.wait(for: "a", now: later) == nil)
    }

    @Test("logins give tokens that work until logout, revocation or a new PIN; all of it survives a restart")
    func tokens() throws {
        let harness = try StateHarness()
        defer { harness.manager.shutdown() }
        let access = ParentalAccess(store: harness.store, logger: Self.quiet)
        #expect(!access.isPINSet)
        #expect(access.decide(.parent, token: nil, playbackNeedsToken: true) == .allowed)
        try access.setPIN("2468", current: nil, client: "a")
        #expect(access.isPINSet)
        let (token, id) = try access.login(pin: "2468", client: "a", label: "laptop")
        #expect(access.isParent(token) && !access.isParent("x") && !access.isParent(nil))
        #expect(access.decide(.parent, token: token, playbackNeedsToken: false) == .allowed)
        #expect(access.decide(.playback, token: nil, playbackNeedsToken: false) == .allowed)
        guard case .refused(let error) = access.decide(.playback, token: nil, playbackNeedsToken: true) else {
            Issue.record("playback with the setting on needs the token")
            return
        }
        #expect(error.code == .unauthorized && error.details["reason"] == "parent_token_required")
        #expect(access.tokens().map(\.label) == ["laptop"])

        // A second process on the same database knows the PIN and the token.
        let reloaded = ParentalAccess(store: harness.store, logger: Self.quiet)
        #expect(reloaded.isPINSet && reloaded.isParent(token))

        try access.revoke(id: id)
        #expect(!access.isParent(token))
        #expect(throws: BoxError.self) { try access.revoke(id: id) }
        let (second, _) = try access.login(pin: "2468", client: "a", label: "phone")
        try access.setPIN("1357", current: "2468", client: "a")
        #expect(!access.isParent(second) && access.tokens().isEmpty)
        #expect(throws: BoxError.self) { try access.setPIN("0000", current: "2468", client: "a") }
        try access.removePIN(current: "1357", client: "a")
        #expect(!access.isPINSet)
        #expect(!ParentalAccess(store: harness.store, logger: Self.quiet).isPINSet)
    }

}
