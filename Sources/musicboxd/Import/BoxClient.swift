import Foundation

/// A small blocking HTTP/1.1 client for the command line, talking to a running daemon's API
/// (one connection per request). The daemon is the single writer of the library, so `import`
/// goes through its upload API rather than into the database behind its back.
struct BoxClient {
    let host: String
    let port: Int

    struct Reply {
        var status: Int
        var json: [String: Any]

        var data: [String: Any] { json["data"] as? [String: Any] ?? [:] }
        var message: String { json["message"] as? String ?? "HTTP \(status)" }
        var details: [String: Any] { json["details"] as? [String: Any] ?? [:] }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func json(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> Reply {
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        return try send(method, path, body: payload, contentType: body == nil ? nil : "application/json")
    }

    func send(_ method: String, _ path: String, body: Data, contentType: String?) throws -> Reply {
        let socket = try connect()
        defer { close(socket) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        head += "\r\n"
        try write(socket, Data(head.utf8) + body)
        let response = try readAll(socket)
        guard let split = response.range(of: Data("\r\n\r\n".utf8)),
              let statusLine = String(data: response[..<split.lowerBound], encoding: .utf8)?.split(separator: "\r\n").first,
              let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw Failure(description: "the daemon at \(host):\(port) sent an answer that is not HTTP")
        }
        let bodyData = response[split.upperBound...]
        let object = (try? JSONSerialization.jsonObject(with: bodyData)) as? [String: Any] ?? [:]
        return Reply(status: status, json: object)
    }

    private func connect() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw Failure(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            if fd >= 0 {
                if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return fd }
                close(fd)
            }
            entry = address.pointee.ai_next
        }
        throw Failure(description: "no musicboxd answers at \(host):\(port) (is it running? `systemctl status musicboxd`)")
    }

    private func write(_ socket: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(socket, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0, errno == EINTR { continue }
                guard sent > 0 else { throw Failure(description: "the connection to the daemon broke: \(String(cString: strerror(errno)))") }
                offset += sent
            }
        }
    }

    private func readAll(_ socket: Int32) throws -> Data {
        var result = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw Failure(description: "reading the daemon's answer failed: \(String(cString: strerror(errno)))") }
            if count == 0 { return result }
            result.append(contentsOf: buffer[0..<count])
        }
    }
}
