import Daemon
import Foundation
import HTTPTypes
import MusicBoxCore
import NIOCore
import Parental
import SocketIO
import Testing

@testable import Server

@Suite("The OpenAPI document (Sources/WebUI/site/openapi.json, served at /openapi.json)")
struct OpenAPITests {
    static let documentURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/WebUI/site/openapi.json")

    /// (method path) → the document's `x-access` for it.
    static func documented() throws -> [String: String] {
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: documentURL)) as! [String: Any]
        #expect((root["openapi"] as? String)?.hasPrefix("3.") == true)
        var operations: [String: String] = [:]
        for (path, item) in root["paths"] as! [String: [String: Any]] {
            for (method, operation) in item {
                let details = operation as! [String: Any]
                #expect(details["summary"] is String, "\(method) \(path) has no summary")
                #expect(details["responses"] is [String: Any], "\(method) \(path) has no responses")
                operations["\(method.uppercased()) \(path)"] = details["x-access"] as? String
            }
        }
        return operations
    }

    @Test("lists every route the daemon serves and no other, each with who may call it as the access rules say")
    func matchesTheRouter() async throws {
        let dir = try TemporaryDirectory()
        let box = try await InProcessDaemon.start(dataDir: dir.url.path)
        let served = Set(box.daemon.routes)
        try await box.stop()
        let documented = try Self.documented()
        #expect(served.count > 50)
        #expect(served.subtracting(documented.keys).sorted() == [], "served but not documented")
        #expect(Set(documented.keys).subtracting(served).sorted() == [], "documented but not served")
        for (route, access) in documented {
            let declared = OperationTable.operation(route: route)?.access.rawValue
            #expect(access == declared, "\(route): the document says \(access), the operation table \(declared ?? "nothing")")
        }
    }

    @Test("names every error_type the box sends, the connection layer's refusals too")
    func errorTypes() throws {
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.documentURL)) as! [String: Any]
        let schemas = (root["components"] as! [String: Any])["schemas"] as! [String: Any]
        let errorType = ((schemas["Error"] as! [String: Any])["properties"] as! [String: Any])["error_type"] as! [String: Any]
        #expect(Set(errorType["enum"] as! [String]) == Set(ErrorCode.allCases.map(\.rawValue)))
        let refusals: [HTTPRefusal] = [
            .headTimeout(.seconds(1)), .bodyTimeout(.seconds(1)), .uriTooLong(1), .headersTooLarge(1), .malformed, .tooManyConnections,
        ]
        for refusal in refusals {
            let code = try #require(ErrorCode(rawValue: refusal.code), "\(refusal.code) is no ErrorCode")
            #expect(code.httpStatus.code == refusal.status, "\(refusal.code)")
            let body = try JSONSerialization.jsonObject(with: Data(ConnectionRefusal.body(refusal).utf8)) as! [String: String]
            #expect(body == ["status": "error", "error_type": refusal.code, "message": refusal.message])
        }
    }

    @Test("the web UI serves it")
    func served() async throws {
        let dir = try TemporaryDirectory()
        let box = try await InProcessDaemon.start(dataDir: dir.url.path)
        let reply = try await box.request("GET", "/openapi.json")
        try await box.stop()
        #expect(reply.status == 200)
        #expect(String(decoding: reply.body, as: UTF8.self).contains("\"openapi\": \"3.0.3\""))
    }
}
