import NIOCore
import NIOEmbedded
import Testing
@testable import SocketIO

@Suite("HTTP connection deadlines and the connection limit")
struct ConnectionLimitTests {
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    func at(_ ms: Int64) -> NIODeadline { t0 + .milliseconds(ms) }

    var limits: HTTPConnectionLimits {
        var limits = HTTPConnectionLimits()
        limits.headTimeout = .seconds(5)
        limits.bodyTimeout = .seconds(60)
        limits.idleTimeout = .seconds(75)
        return limits
    }

    @Test("a connection that never sends a byte is closed quietly at the idle timeout, not before")
    func idle() {
        let deadlines = RequestDeadlines(limits: limits, now: t0)
        #expect(deadlines.deadline == at(75_000))
        #expect(deadlines.expired(at: at(74_999)) == nil)
        #expect(deadlines.expired(at: at(75_000)) == .close)
    }

    @Test("the head timeout counts from the first byte: a head sent one byte a second still ends at 5 s with 408")
    func slowloris() {
        var deadlines = RequestDeadlines(limits: limits, now: t0)
        for second in 0..<5 { deadlines.bytesArrived(at: at(Int64(second) * 1000 + 10)) }
        #expect(deadlines.deadline == at(5_010))
        #expect(deadlines.expired(at: at(5_000)) == nil)
        #expect(deadlines.expired(at: at(5_010)) == .refuse(.headTimeout(.seconds(5))))
    }

    @Test("a body may pause up to the body timeout between reads; a longer pause is 408, or only a close once the answer began")
    func body() {
        var deadlines = RequestDeadlines(limits: limits, now: t0)
        deadlines.bytesArrived(at: at(0))
        deadlines.headReceived(at: at(1))
        deadlines.bytesArrived(at: at(50_000))
        #expect(deadlines.deadline == at(110_000))
        #expect(deadlines.expired(at: at(100_000)) == nil)
        #expect(deadlines.expired(at: at(110_000)) == .refuse(.bodyTimeout(.seconds(60))))
        deadlines.responseStarted()
        #expect(deadlines.expired(at: at(110_000)) == .close)
    }

    @Test("while a request is answered (a long poll) nothing times out; the idle timeout starts when the answer ends")
    func answering() {
        var deadlines = RequestDeadlines(limits: limits, now: t0)
        deadlines.bytesArrived(at: at(0))
        deadlines.headReceived(at: at(0))
        deadlines.requestEnded(at: at(0))
        #expect(deadlines.deadline == nil)
        deadlines.bytesArrived(at: at(10_000))  // a pipelined byte does not start a head timeout mid-answer
        #expect(deadlines.deadline == nil)
        deadlines.responseStarted()
        deadlines.responseEnded(at: at(25_000))
        #expect(deadlines.isIdle)
        #expect(deadlines.deadline == at(100_000))
        deadlines.bytesArrived(at: at(30_000))
        #expect(deadlines.deadline == at(35_000))
    }

    @Test("a client that stops reading its answer is dropped after the body timeout; one that reads again is not")
    func stalledReader() {
        var deadlines = RequestDeadlines(limits: limits, now: t0)
        deadlines.bytesArrived(at: at(0))
        deadlines.headReceived(at: at(0))
        deadlines.requestEnded(at: at(0))
        deadlines.responseStarted()
        deadlines.writabilityChanged(writable: false, at: at(1_000))
        deadlines.writabilityChanged(writable: false, at: at(2_000))  // still the first moment counts
        #expect(deadlines.deadline == at(61_000))
        deadlines.writabilityChanged(writable: true, at: at(30_000))
        #expect(deadlines.deadline == nil)
        deadlines.writabilityChanged(writable: false, at: at(40_000))
        #expect(deadlines.expired(at: at(99_999)) == nil)
        #expect(deadlines.expired(at: at(100_000)) == .close)
    }

    @Test("an answer given before the body is read (413) leaves the connection waiting once the body has ended")
    func earlyAnswer() {
        var deadlines = RequestDeadlines(limits: limits, now: t0)
        deadlines.bytesArrived(at: at(0))
        deadlines.headReceived(at: at(0))
        deadlines.responseStarted()
        deadlines.responseEnded(at: at(5))
        #expect(deadlines.deadline == at(60_000))
        #expect(deadlines.expired(at: at(60_000)) == .close)
        #expect(deadlines.parserFailed(.malformed) == .close)
        deadlines.requestEnded(at: at(100))
        #expect(deadlines.isIdle)
    }

    @Test("what the parser refuses is answered while no answer has begun, else the connection only closes")
    func parserRefusals() {
        var deadlines = RequestDeadlines(limits: limits, now: t0)
        #expect(deadlines.parserFailed(.malformed) == .refuse(.malformed))
        deadlines.bytesArrived(at: at(0))
        #expect(deadlines.parserFailed(.headersTooLarge(10)) == .refuse(.headersTooLarge(10)))
        deadlines.headReceived(at: at(0))
        #expect(deadlines.parserFailed(.malformed) == .refuse(.malformed))
        deadlines.requestEnded(at: at(0))
        #expect(deadlines.parserFailed(.malformed) == .close)
    }

    @Test("past the limit a new connection replaces the longest-waiting idle one; when none is idle it is refused; a close frees a place")
    func registry() throws {
        let registry = ConnectionRegistry(limit: 3)
        let channels = (0..<3).map { _ in EmbeddedChannel() }
        for channel in channels { #expect(isAdmitted(registry.admit(channel))) }
        #expect(registry.count == 3)
        let newcomer = EmbeddedChannel()
        guard case .refused = registry.admit(newcomer) else { Issue.record("admitted past the limit with none idle"); return }
        registry.setIdle(channels[2], since: at(10))
        registry.setIdle(channels[1], since: at(5))
        guard case .admittedInPlaceOf(let evicted) = registry.admit(newcomer) else { Issue.record("an idle connection was not replaced"); return }
        #expect(evicted === channels[1])
        #expect(registry.count == 3)
        registry.setIdle(channels[2], since: nil)  // busy again: not to be replaced
        guard case .refused = registry.admit(EmbeddedChannel()) else { Issue.record("a busy connection was replaced"); return }
        _ = try channels[0].finish()
        #expect(registry.count == 2)
        #expect(isAdmitted(registry.admit(EmbeddedChannel())))
    }

    @Test("the connection limit stays under the open-file limit")
    func descriptors() {
        var limits = HTTPConnectionLimits()
        limits.maxConnections = 2048
        #expect(limits.capped(byDescriptorLimit: 8192).maxConnections == 2048)
        #expect(limits.capped(byDescriptorLimit: 1024).maxConnections == 768)
    }

    private func isAdmitted(_ admission: ConnectionRegistry.Admission) -> Bool {
        if case .admitted = admission { true } else { false }
    }
}
