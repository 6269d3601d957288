import Foundation
import MusicBoxCore

/// The dates and lengths feeds write, read without a locale: RSS's RFC 822 dates
/// (`Wed, 02 Dec 2026 08:00:00 +0000`, zone names as RFC 822 lists them), Atom's RFC 3339 ones
/// (`2026-12-02T08:00:00.5+01:00`), and `itunes:duration` (`1:02:03`, `62:03`, `3723`,
/// `3723.5`). What does not read is `nil`: the episode is still listed, without it.
enum FeedValues {
    static func date(_ text: String) -> EpochMillis? {
        rfc3339(text) ?? rfc822(text)
    }

    static func durationMs(_ text: String) -> Int64? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var seconds = 0.0
        for (index, part) in parts.enumerated() {
            guard let value = Double(part), value >= 0, value.isFinite else { return nil }
            // Only the last part may carry a fraction; minutes and seconds below an hour count to 59.
            if index < parts.count - 1, value != value.rounded(.down) { return nil }
            if index > 0, value >= 60 { return nil }
            seconds = seconds * 60 + value
        }
        guard seconds < 100 * 3600 else { return nil }
        return Int64((seconds * 1000).rounded())
    }

    // MARK: RFC 822

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -300, "edt": -240, "cst": -360, "cdt": -300,
        "mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
    ]

    static func rfc822(_ text: String) -> EpochMillis? {
        var words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map { $0.lowercased() }
        if let first = words.first, first.count >= 3, Int(first) == nil { words.removeFirst() }  // the day's name
        guard words.count >= 4, let day = Int(words[0]), let monthIndex = months.firstIndex(of: String(words[1].prefix(3))),
              var year = Int(words[2]) else { return nil }
        if year < 100 { year += year < 50 ? 2000 : 1900 }
        let time = words[3].split(separator: ":")
        guard (2...3).contains(time.count), let hour = Int(time[0]), let minute = Int(time[1]) else { return nil }
        let second = time.count == 3 ? Int(time[2]) : 0
        guard let second else { return nil }
        var offsetMinutes = 0
        if words.count >= 5 {
            let zone = words[4]
            if let named = zones[zone] {
                offsetMinutes = named
            } else if let sign = zone.first, sign == "+" || sign == "-", zone.count == 5, let value = Int(zone.dropFirst()) {
                offsetMinutes = (sign == "-" ? -1 : 1) * (value / 100 * 60 + value % 100)
            }
        }
        return epoch(year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: Double(second), offsetMinutes: offsetMinutes)
    }

    // MARK: RFC 3339

    static func rfc3339(_ text: String) -> EpochMillis? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let bytes = Array(text.utf8)
        guard bytes.count >= 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " "),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":") else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let whole = number(17..<19) else { return nil }
        var index = 19
        var second = Double(whole)
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            let start = index
            index += 1
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            second += Double("0" + String(decoding: bytes[start..<index], as: UTF8.self)) ?? 0
        }
        var offsetMinutes = 0
        let zone = String(decoding: bytes[index...], as: UTF8.self)
        if zone == "Z" || zone == "z" || zone.isEmpty {
            offsetMinutes = 0
        } else if let sign = zone.first, sign == "+" || sign == "-", zone.count == 6, let hours = Int(zone.dropFirst().prefix(2)),
                  let minutes = Int(zone.suffix(2)) {
            offsetMinutes = (sign == "-" ? -1 : 1) * (hours * 60 + minutes)
        } else {
            return nil
        }
        return epoch(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offsetMinutes: offsetMinutes)
    }

    /// Milliseconds since 1970 of a civil date and time at a UTC offset (days from Howard
    /// Hinnant's civil-from-days algorithm, proleptic Gregorian).
    static func epoch(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Double, offsetMinutes: Int) -> EpochMillis? {
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute),
              (0..<61).contains(second), (1900...9999).contains(year) else { return nil }
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 - offsetMinutes * 60) + second
        return EpochMillis((seconds * 1000).rounded())
    }
}
