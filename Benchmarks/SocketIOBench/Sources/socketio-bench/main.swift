// Socket.IO broadcast benchmark client.
//
// Opens N WebSocket clients (Engine.IO v4 / Socket.IO v5 spoken by hand, so the harness costs the
// same against any server), plus one driver. The driver asks the server to broadcast ("all"
// event, acknowledged) a tick carrying its send time; every client records arrival.
//   latency mode:    one tick every --interval-ms; reports p50/p99 emit-to-receipt.
//   throughput mode: ticks back to back with at most --window unacknowledged; reports messages/s delivered.
// It also reads the server's RSS from /proc before and after the clients connect.
// Prints one JSON object.
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import WSClient

struct Options {
    var url = ""
    var clients = 10
    var ticks = 100
    var mode = "latency"
    var intervalMs = 10
    var window = 32
    var serverPID: Int32 = 0
    /// Only open the Engine.IO session (no Socket.IO CONNECT): splits memory by layer.
    var engineOnly = false

    init() {
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let flag = arguments.next() {
            if flag == "--engine-only" { engineOnly = true; continue }
            let value = arguments.next() ?? ""
            switch flag {
            case "--url": url = value
            case "--clients": clients = Int(value)!
            case "--ticks": ticks = Int(value)!
            case "--mode": mode = value
            case "--interval-ms": intervalMs = Int(value)!
            case "--window": window = Int(value)!
            case "--server-pid": serverPID = Int32(value)!
            default: fatalError("unknown flag \(flag)")
            }
        }
    }
}

func monotonicNanos() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
}

func residentKiB(_ pid: Int32) -> Int {
    guard pid > 0, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
    return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
}

/// What all receivers saw.
final class Collector: Sendable {
    struct State {
        var latencies: [Int64] = []
        var received = 0
        var connected = 0
        var firstSend: Int64 = 0
        var lastReceipt: Int64 = 0
    }
    let state = Mutex(State())
    let writers = Mutex<[WebSocketOutboundWriter]>([])
}

/// Driver state: acknowledgements outstanding.
final class DriverState: Sendable {
    let pending = Mutex(0)
    let acked = Mutex(0)
}

let options = Options()
let collector = Collector()
let driver = DriverState()
let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return logger
}()
let group = MultiThreadedEventLoopGroup.singleton

/// Reads one tick "42["tick",seq,sentNanos]" (fast path, no JSON library).
func tickTime(_ text: String) -> Int64? {
    guard text.hasPrefix("42[\"tick\",") else { return nil }
    let body = text.dropFirst(10).dropLast()
    guard let comma = body.firstIndex(of: ",") else { return nil }
    return Int64(body[body.index(after: comma)...])
}

func runClient(isDriver: Bool, ready: @escaping @Sendable () -> Void, drive: (@Sendable (WebSocketOutboundWriter) async throws -> Void)? = nil) async {
    let client = WebSocketClient(url: options.url, configuration: .init(maxFrameSize: 1 << 20), logger: logger) { inbound, outbound, _ in
        collector.writers.withLock { $0.append(outbound) }
        var connected = false
        for try await message in inbound.messages(maxSize: 1 << 20) {
            guard case .text(let text) = message else { continue }
            if text == "2" { try await outbound.write(.text("3")); continue }
            if text.hasPrefix("0{") {
                if options.engineOnly, !isDriver { ready(); continue }
                try await outbound.write(.text("40"))
                continue
            }
            if !connected, text.hasPrefix("40") {
                connected = true
                ready()
                if let drive { Task { try await drive(outbound) } }
                continue
            }
            if isDriver {
                if text.hasPrefix("43") {
                    driver.pending.withLock { $0 -= 1 }
                    driver.acked.withLock { $0 += 1 }
                }
                continue
            }
            if let sent = tickTime(text) {
                let now = monotonicNanos()
                collector.state.withLock { state in
                    state.latencies.append(now - sent)
                    state.received += 1
                    state.lastReceipt = now
                }
            }
        }
    }
    do { _ = try await client.run() } catch { FileHandle.standardError.write(Data("client error: \(error)\n".utf8)) }
}

let baselineKiB = residentKiB(options.serverPID)
let expected = options.clients * options.ticks

await withTaskGroup(of: Void.self) { tasks in
    // Receivers, opened a few at a time like phones joining.
    for _ in 0..<options.clients {
        tasks.addTask { await runClient(isDriver: false, ready: { collector.state.withLock { $0.connected += 1 } }) }
    }
    let deadline = monotonicNanos() + 60_000_000_000
    while collector.state.withLock({ $0.connected }) < options.clients, monotonicNanos() < deadline {
        try? await Task.sleep(for: .milliseconds(10))
    }
    try? await Task.sleep(for: .milliseconds(500))
    let connectedKiB = residentKiB(options.serverPID)

    tasks.addTask {
        await runClient(isDriver: true, ready: {}, drive: { outbound in
            collector.state.withLock { $0.firstSend = monotonicNanos() }
            for seq in 0..<options.ticks {
                if options.mode == "throughput" {
                    while driver.pending.withLock({ $0 }) >= options.window { try await Task.sleep(for: .microseconds(50)) }
                } else {
                    try await Task.sleep(for: .milliseconds(options.intervalMs))
                }
                driver.pending.withLock { $0 += 1 }
                try await outbound.write(.text("42\(seq)[\"all\",\"tick\",\(seq),\(monotonicNanos())]"))
            }
        })
    }
    let end = monotonicNanos() + 120_000_000_000
    while collector.state.withLock({ $0.received }) < expected, monotonicNanos() < end {
        try? await Task.sleep(for: .milliseconds(5))
    }
    try? await Task.sleep(for: .milliseconds(200))
    let state = collector.state.withLock { $0 }
    let sorted = state.latencies.sorted()
    func percentile(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return -1 }
        return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6
    }
    let seconds = Double(state.lastReceipt - state.firstSend) / 1e9
    let result: [String: Any] = [
        "clients": options.clients, "mode": options.mode, "ticks": options.ticks,
        "expected": expected, "received": state.received,
        "throughput_msgs_per_s": seconds > 0 ? Double(state.received) / seconds : 0,
        "p50_ms": percentile(0.50), "p99_ms": percentile(0.99),
        "rss_baseline_kib": baselineKiB, "rss_connected_kib": connectedKiB,
        "rss_per_connection_kib": options.clients > 0 ? Double(connectedKiB - baselineKiB) / Double(options.clients) : 0,
    ]
    let json = try! JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
    for writer in collector.writers.withLock({ $0 }) { try? await writer.close(.normalClosure, reason: nil) }
    tasks.cancelAll()
}
