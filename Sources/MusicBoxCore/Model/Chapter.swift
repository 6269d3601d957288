/// A chapter of one audio file: an audiobook's M4B/MP4 chapter list or an MP3's ID3 `CHAP`
/// frames, read once at upload (the file never changes after).
public struct Chapter: Sendable, Equatable, Codable {
    /// The chapter's own title, cleaned like any tag; `nil` when the file names none (clients
    /// then say "Chapter 3").
    public var title: String?
    public var startMs: Int64
    public var endMs: Int64

    public init(title: String?, startMs: Int64, endMs: Int64) {
        self.title = title
        self.startMs = startMs
        self.endMs = endMs
    }

    enum CodingKeys: String, CodingKey {
        case title
        case startMs = "start_ms"
        case endMs = "end_ms"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(title, forKey: .title)
        try container.encode(startMs, forKey: .startMs)
        try container.encode(endMs, forKey: .endMs)
    }
}

/// The rules of a file's chapters, in one place: what is kept of what a file says, which chapter
/// a position is in, and where "next" and "previous" go inside the file.
///
/// A kept list is sorted, has at least two chapters (one chapter over the whole file is no
/// chapter at all), starts each chapter where the one before ends, and lies within the file.
public enum Chapters {
    /// More than any real audiobook has; a file claiming more is cut here (each costs a row in
    /// every answer that carries the track).
    public static let maximumCount = 1000
    /// A chapter shorter than this is a marker, not a chapter (some encoders leave 0 ms ones).
    public static let minimumLengthMs: Int64 = 500
    /// "Previous" within this much of a chapter's start goes to the chapter before; later it
    /// restarts the chapter (as tracks do).
    public static let restartThresholdMs: Int64 = 3000

    /// What is kept of the chapters a file states, for a file `durationMs` long: out-of-order,
    /// overlapping, empty and out-of-file entries are mended or dropped, never refused (a file
    /// with odd chapters still plays). Empty when fewer than two remain.
    public static func kept(_ stated: [Chapter], durationMs: Int64) -> [Chapter] {
        guard durationMs > 0 else { return [] }
        var starts: [(start: Int64, title: String?)] = []
        for chapter in stated.sorted(by: { $0.startMs < $1.startMs }) {
            let start = max(0, chapter.startMs)
            guard start < durationMs - minimumLengthMs else { continue }
            let title = chapter.title.flatMap { TextRules.cleaned($0)?.text }
            if let last = starts.last, start - last.start < minimumLengthMs {
                // Two chapters at (nearly) one place: the first named one stands.
                if last.title == nil, let title { starts[starts.count - 1].title = title }
                continue
            }
            starts.append((start, title))
            if starts.count == maximumCount { break }
        }
        guard starts.count >= 2 else { return [] }
        // The first chapter begins the file: a stated gap before it would be a stretch no chapter holds.
        starts[0].start = 0
        return starts.indices.map { index in
            Chapter(
                title: starts[index].title, startMs: starts[index].start,
                endMs: index + 1 < starts.count ? starts[index + 1].start : durationMs
            )
        }
    }

    /// The 0-based chapter that `positionMs` is in (`nil` for a file without chapters).
    public static func index(in chapters: [Chapter], at positionMs: Int64) -> Int? {
        guard !chapters.isEmpty else { return nil }
        // Sorted: the last chapter starting at or before the position.
        var low = 0
        var high = chapters.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if chapters[middle].startMs <= positionMs { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// Where "next" goes inside the file from `positionMs`: the next chapter's start, or `nil`
    /// in the last chapter (then "next" is the next track's business).
    public static func next(in chapters: [Chapter], from positionMs: Int64) -> Int64? {
        guard let current = index(in: chapters, at: positionMs), current + 1 < chapters.count else { return nil }
        return chapters[current + 1].startMs
    }

    /// Where "previous" goes inside the file from `positionMs`: this chapter's start when more
    /// than ``restartThresholdMs`` of it were heard, else the chapter before's start; `nil` early
    /// in the first chapter (then "previous" is the previous track's business).
    public static func previous(in chapters: [Chapter], from positionMs: Int64) -> Int64? {
        guard let current = index(in: chapters, at: positionMs) else { return nil }
        if positionMs - chapters[current].startMs > restartThresholdMs { return chapters[current].startMs }
        return current > 0 ? chapters[current - 1].startMs : nil
    }
}

/// The chapter a position is in, as `state:player` and a playlist's resume point show it.
public struct ChapterPlace: Sendable, Equatable, Encodable {
    /// 0-based.
    public var index: Int
    public var count: Int
    public var title: String?
    public var startMs: Int64
    public var endMs: Int64

    public init?(_ chapters: [Chapter], at positionMs: Int64) {
        guard let index = Chapters.index(in: chapters, at: positionMs) else { return nil }
        self.init(chapters, index: index)
    }

    public init(_ chapters: [Chapter], index: Int) {
        self.index = index
        count = chapters.count
        title = chapters[index].title
        startMs = chapters[index].startMs
        endMs = chapters[index].endMs
    }

    enum CodingKeys: String, CodingKey {
        case index, count, title
        case startMs = "start_ms"
        case endMs = "end_ms"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(count, forKey: .count)
        try container.encode(title, forKey: .title)
        try container.encode(startMs, forKey: .startMs)
        try container.encode(endMs, forKey: .endMs)
    }
}
