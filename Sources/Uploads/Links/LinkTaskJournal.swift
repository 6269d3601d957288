import Foundation
import MusicBoxCore

/// The link tasks on disk (`tasks.json` in the links folder): written whole, to a temp file that
/// is flushed and renamed over the old one, at every change of a task's status (not at every
/// progress step). Read once at start. A damaged file reads as no tasks.
struct LinkTaskJournal: Sendable {
    let path: String

    func load() -> [LinkTask] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return (try? JSONDecoder().decode([LinkTask].self, from: data)) ?? []
    }

    func save(_ tasks: [LinkTask]) {
        guard let data = try? JSONEncoder().encode(tasks.sorted { $0.createdAt < $1.createdAt }) else { return }
        let temp = path + ".tmp"
        guard FileManager.default.createFile(atPath: temp, contents: data) else { return }
        if let handle = FileHandle(forWritingAtPath: temp) {
            fsync(handle.fileDescriptor)
            try? handle.close()
        }
        rename(temp, path)
    }
}
