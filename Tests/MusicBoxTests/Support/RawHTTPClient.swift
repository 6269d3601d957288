import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client over a plain TCP socket.
///
/// It sends exactly the bytes a test gives it (so tests can send broken requests) and
/// reads the reply until the server closes. The blocking socket calls run on a thread of their
/// own, never on Swift's cooperative pool, which the server under test needs.
struct HTTPReply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    func json() throws -> JSON { try JSONDecoder().decode(JSON.self, from: body) }
}

struct HTTPClientError: Error, CustomStringConvertible {
    var description: String
}

enum RawHTTP {
    /// Sends `method path` with an optional body and returns the parsed reply.
    static func request(
        port: Int, _ method: String, _ path: String, body: String? = nil,
        headers: [String: String] = [:], timeout: TimeInterval = 10
    ) async throws -> HTTPReply {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        var allHeaders = headers
        if let body {
            allHeaders["Content-Length"] = allHeaders["Content-Length"] ?? String(body.utf8.count)
            allHeaders["Content-Type"] = allHeaders["Content-Type"] ?? "application/json"
        }
        for (name, value) in allHeaders.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        return try await send(port: port, bytes: Array(head.utf8) + Array((body ?? "").utf8), timeout: timeout)
    }

    /// Sends raw bytes and parses whatever comes back.
    static func send(port: Int, bytes: [UInt8], timeout: TimeInterval = 10) async throws -> HTTPReply {
        let raw = try await onOwnThread { try exchange(port: port, bytes: bytes, timeout: timeout) }
        return try parse(raw)
    }

    private static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.start()
        }
    }

    private static func exchange(port: Int, bytes: [UInt8], timeout: TimeInterval) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError(description: "socket() failed: \(errno)") }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw HTTPClientError(description: "connect to port \(port) failed: \(errno)") }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            // The server may answer (413) and close before taking the whole body; read what it said.
            if n <= 0 { break }
            sent += n
        }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n > 0 { reply += buffer[0..<n] } else if n == 0 { break } else {
                if errno == EINTR { continue }
                if reply.isEmpty { throw HTTPClientError(description: "read failed: \(errno)") }
                break
            }
        }
        return reply
    }

    static func parse(_ raw: [UInt8]) throws -> HTTPReply {
        guard let split = raw.firstRange(of: Array("\r\n\r\n".utf8)) else {
            throw HTTPClientError(description: "no HTTP head in \(raw.count) bytes")
        }
        let head = String(decoding: raw[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HTTPClientError(description: "bad status line \(head[0])")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(raw[split.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = try dechunk(body) }
        return HTTPReply(status: status, headers: headers, body: Data(body))
    }

    private static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = bytes[index...].firstRange(of: Array("\r\n".utf8)) else { break }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else {
                throw HTTPClientError(description: "bad chunk size \(sizeText)")
            }
            if size == 0 { break }
            let start = lineEnd.upperBound
            output += bytes[start..<min(start + size, bytes.count)]
            index = start + size + 2
        }
        return output
    }
}
