import Foundation
import GRDB
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

    /// Parental access on the harness's database, writing through its state manager as the daemon's does.
    static func access(_ harness: StateHarness) -> ParentalAccess {
        let access = ParentalAccess(store: harness.store, logger: quiet)
        access.writeThrough(harness.manager)
        return access
    }

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

    @Test("five wrong PINs lock the box's PIN for 30 s, doubling up to 15 minutes; a right one clears it")
    func attemptLimiter() {
        var limiter = AttemptLimiter()
        let start: EpochMillis = 1_800_000_000_000
        for _ in 0..<4 { limiter.failed(now: start) }
        #expect(limiter.wait(now: start) == nil)
        limiter.failed(now: start)
        #expect(limiter.wait(now: start) == 30_000)
        #expect(limiter.wait(now: start + 30_000) == nil)
        limiter.failed(now: start + 30_000)
        #expect(limiter.wait(now: start + 30_000) == 60_000)
        var later = start + 90_000
        for _ in 0..<10 {
            limiter.failed(now: later)
            later += 3_600_000
        }
        #expect(limiter.wait(now: later - 3_600_000) == AttemptLimiter.longestLockoutMs)
        // A clock set back cannot stretch the wait past the longest lockout.
        #expect(limiter.wait(now: later - 100 * 3_600_000) == AttemptLimiter.longestLockoutMs)
        limiter.succeeded()
        #expect(limiter.wait(now: later) == nil && limiter == AttemptLimiter())
    }

    @Test("the lockout counts for the whole box and outlives a restart")
    func lockoutIsPersistedAndPerBox() async throws {
        let harness = try StateHarness()
        defer { harness.manager.shutdown() }
        let access = Self.access(harness)
        try await access.setPIN("2468", current: nil, client: "parent")
        for attempt in 0..<5 {
            await #expect(throws: BoxError.self) { _ = try await access.login(pin: "0000", client: "10.0.0.\(attempt)", label: "x") }
        }
        // Another address gets no fresh tries, and neither does a restarted daemon.
        for checker in [access, ParentalAccess(store: harness.store, logger: Self.quiet)] {
            do {
                _ = try await checker.login(pin: "2468", client: "10.0.0.99", label: "x")
                Issue.record("the right PIN went through during the lockout")
            } catch {
                #expect(error.code == .rateLimited)
            }
        }
        let later = Date().epochMillis + 31_000
        _ = try await access.login(pin: "2468", client: "10.0.0.99", label: "x", now: later)
        #expect(try harness.store.setting(ParentalAccess.attemptsKey) == AttemptLimiter())
    }

    @Test("a login unused for 90 days stops working; using it moves that on")
    func tokenExpiry() async throws {
        let harness = try StateHarness()
        defer { harness.manager.shutdown() }
        let access = Self.access(harness)
        try await access.setPIN("2468", current: nil, client: "a")
        let (token, _) = try await access.login(pin: "2468", client: "a", label: "old phone")
        let day: Int64 = 24 * 3600 * 1000
        let made = access.tokens()[0].createdAt
        #expect(access.isParent(token, now: made + 89 * day))
        #expect(access.isParent(token, now: made + 170 * day), "used on day 89, it lasts until day 179")
        #expect(!access.isParent(token, now: made + 260 * day + 1))
        #expect(access.tokens(now: made + 260 * day + 1).isEmpty)
    }

    @Test("a reset file turns the PIN off once, revoking every login")
    func physicalReset() async throws {
        let harness = try StateHarness()
        defer { harness.manager.shutdown() }
        let access = Self.access(harness)
        try await access.setPIN("2468", current: nil, client: "a")
        let (token, _) = try await access.login(pin: "2468", client: "a", label: "laptop")
        let file = harness.dir.file("reset-pin")
        #expect(access.resetIfRequested(files: [harness.dir.file("absent").path, file.path]) == nil)
        #expect(access.isPINSet)
        _ = FileManager.default.createFile(atPath: file.path, contents: Data())
        #expect(access.resetIfRequested(files: [harness.dir.file("absent").path, file.path]) == file.path)
        #expect(!access.isPINSet && !access.isParent(token) && access.tokens().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: file.path))
        #expect(!ParentalAccess(store: harness.store, logger: Self.quiet).isPINSet)
    }

    @Test("a PIN change that cannot save its logins saves nothing: the old PIN and its logins stay, in memory and on disk")
    func pinChangeIsOneTransaction() async throws {
        let harness = try StateHarness()
        defer { harness.manager.shutdown() }
        let access = Self.access(harness)
        try await access.setPIN("2468", current: nil, client: "a")
        let (token, _) = try await access.login(pin: "2468", client: "a", label: "laptop")
        // A real SQLite failure on the second of the two rows a PIN change writes.
        try await harness.store.database.pool.write { db in
            for event in ["INSERT", "UPDATE"] {
                try db.execute(sql: """
                    CREATE TRIGGER injected_fault_\(event) BEFORE \(event) ON settings WHEN NEW.key = 'parent_tokens'
                    BEGIN SELECT RAISE(ABORT, 'injected storage fault'); END
                    """)
            }
        }
        do {
            try await access.setPIN("1357", current: "2468", client: "a")
            Issue.record("the PIN change went through without its logins")
        } catch {
            #expect(error.code == .storageError)
        }
        #expect(access.isParent(token))
        let reloaded = ParentalAccess(store: harness.store, logger: Self.quiet)
        #expect(reloaded.isParent(token), "the stored PIN and logins belong together")
        try await harness.store.database.pool.write { db in
            try db.execute(sql: "DROP TRIGGER injected_fault_INSERT; DROP TRIGGER injected_fault_UPDATE")
        }
        _ = try await reloaded.login(pin: "2468", client: "a", label: "phone")
    }

    @Test("login labels are device names, never the raw user agent")
    func deviceNames() {
        #expect(DeviceName.from(userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36") == "Chrome on Android")
        #expect(DeviceName.from(userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1") == "Safari on iPhone")
        #expect(DeviceName.from(userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0") == "Firefox on Linux")
        #expect(DeviceName.from(userAgent: "curl/7.88.1") == "curl")
        #expect(DeviceName.from(userAgent: nil) == "unknown device")
        #expect(DeviceName.label(given: "Mum's laptop\n2026-12-01 critical: forged", userAgent: nil) == "Mum's laptop 2026-12-01 critical: forged")
        #expect(DeviceName.label(given: "\u{202E}kcatta", userAgent: "curl/8") == "kcatta")
        #expect(DeviceName.label(given: " \u{200B} ", userAgent: "curl/8") == "curl")
    }

    @Test("logins give tokens that work until logout, revocation or a new PIN; all of it survives a restart")
    func tokens() async throws {
        let harness = try StateHarness()
        defer { harness.manager.shutdown() }
        let access = Self.access(harness)
        #expect(!access.isPINSet)
        #expect(access.decide(.parent, token: nil, playbackNeedsToken: true) == .allowed)
        try await access.setPIN("2468", current: nil, client: "a")
        #expect(access.isPINSet)
        let (token, id) = try await access.login(pin: "2468", client: "a", label: "laptop")
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

        try await access.revoke(id: id)
        #expect(!access.isParent(token))
        await #expect(throws: BoxError.self) { try await access.revoke(id: id) }
        let (second, _) = try await access.login(pin: "2468", client: "a", label: "phone")
        try await access.setPIN("1357", current: "2468", client: "a")
        #expect(!access.isParent(second) && access.tokens().isEmpty)
        await #expect(throws: BoxError.self) { try await access.setPIN("0000", current: "2468", client: "a") }
        try await access.removePIN(current: "1357", client: "a")
        #expect(!access.isPINSet)
        #expect(!ParentalAccess(store: harness.store, logger: Self.quiet).isPINSet)
    }

}
