import Foundation
import MusicBoxCore

/// How the box runs yt-dlp, and how it reads what yt-dlp says: pure (no process here).
///
/// - Audio only, in the container the site offers it in (m4a, webm/opus, ogg, mp3): the box
///   decodes all of them with its own FFmpeg, so no conversion (and no `ffmpeg` program) is needed.
/// - Nothing from the user's yt-dlp configuration, no playlists, no cache, plain file names
///   chosen by the box (the task id) inside the staging folder.
/// - Progress as one line per update (`MBXP downloaded total estimate eta`), and at the end the
///   file's path and the title (`MBXFILE …`, `MBXTITLE …`), so nothing else yt-dlp prints is parsed.
public enum YTDLP {
    public static func arguments(url: String, output directory: String, taskID: String, maxBytes: Int64, socketTimeoutS: Int) -> [String] {
        [
            "--ignore-config", "--no-playlist", "--no-cache-dir", "--no-mtime", "--no-part", "--restrict-filenames",
            "--newline", "--progress", "--no-warnings", "--no-colors",
            "--socket-timeout", String(socketTimeoutS),
            "--max-filesize", String(maxBytes),
            "--format", "bestaudio[ext=m4a]/bestaudio[ext=webm]/bestaudio/best[height<=480]/best",
            "--output", "\(directory)/\(taskID).%(ext)s",
            "--progress-template", "download:MBXP %(progress.downloaded_bytes)s %(progress.total_bytes)s %(progress.total_bytes_estimate)s %(progress.eta)s",
            "--print", "after_move:MBXFILE %(filepath)s",
            "--print", "after_move:MBXTITLE %(title)s",
            "--", url,
        ]
    }

    /// One line of yt-dlp's standard output.
    public enum Line: Sendable, Equatable {
        /// Bytes so far, of `total` (exact or estimated; `nil`: unknown), and seconds to go.
        case progress(downloaded: Int64, total: Int64?, etaSeconds: Int64?)
        case file(String)
        case title(String)
        case other
    }

    public static func parse(_ line: String) -> Line {
        if line.hasPrefix("MBXFILE ") { return .file(String(line.dropFirst("MBXFILE ".count))) }
        if line.hasPrefix("MBXTITLE ") { return .title(String(line.dropFirst("MBXTITLE ".count))) }
        guard line.hasPrefix("MBXP ") else { return .other }
        let fields = line.dropFirst("MBXP ".count).split(separator: " ").map { Int64(Double($0) ?? -1) }
        guard fields.count == 4, fields[0] >= 0 else { return .other }
        let total = fields[1] > 0 ? fields[1] : fields[2] > 0 ? fields[2] : nil
        return .progress(downloaded: fields[0], total: total, etaSeconds: fields[3] >= 0 ? fields[3] : nil)
    }

    /// What yt-dlp's last error line means for a parent ("ERROR: [generic] … HTTP Error 404").
    public static func failure(stderr: String) -> BoxError {
        let lines = stderr.split(separator: "\n").map(String.init)
        let last = lines.last { $0.hasPrefix("ERROR:") } ?? lines.last ?? ""
        var text = last.hasPrefix("ERROR: ") ? String(last.dropFirst("ERROR: ".count)) : last
        text = TextRules.cleaned(text, limit: 300)?.text ?? "yt-dlp stopped without saying why."
        let reason: String
        if text.contains("404") {
            reason = "not_found"
        } else if text.contains("File is larger than max-filesize") || text.contains("larger than max-filesize") {
            reason = "too_large"
        } else if text.localizedCaseInsensitiveContains("unsupported url") {
            reason = "unsupported_url"
        } else {
            reason = "download_failed"
        }
        return BoxError(.downloadFailed, "Download failed: \(text)", details: ["reason": reason])
    }
}

extension YTDLP {
    /// Reading a feed: its entries only (`--flat-playlist`), as one JSON document.
    public static func listArguments(url: String, socketTimeoutS: Int) -> [String] {
        ["--ignore-config", "--no-cache-dir", "--flat-playlist", "--dump-single-json", "--no-warnings", "--no-colors",
         "--socket-timeout", String(socketTimeoutS), "--", url]
    }

    /// The episodes of yt-dlp's flat listing of a feed, as it lists them. yt-dlp's generic
    /// extractor reads RSS: each `enclosure` becomes an entry whose URL carries the item's
    /// `guid` in a `#__youtubedl_smuggle` fragment (taken off here, kept as the episode's id).
    public static func episodes(fromListing data: Data) throws(BoxError) -> (title: String?, episodes: [FeedEpisode]) {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw BoxError(.downloadFailed, "The address did not give a podcast feed.", details: ["reason": "not_a_feed"])
        }
        guard let entries = root["entries"] as? [[String: Any]], !entries.isEmpty else {
            throw BoxError(.downloadFailed, "The feed lists no episodes (or the address is not a podcast feed).", details: ["reason": "not_a_feed"])
        }
        var seen = Set<String>()
        let episodes = entries.prefix(500).compactMap { entry -> FeedEpisode? in
            guard let raw = entry["url"] as? String, let url = try? StreamURL.check(Self.withoutSmuggle(raw)) else { return nil }
            let guid = Self.smuggledID(raw) ?? url
            guard seen.insert(guid).inserted else { return nil }
            let title = (entry["title"] as? String).flatMap { TextRules.cleaned($0)?.text } ?? URL(string: url)?.lastPathComponent ?? url
            let published = (entry["timestamp"] as? Double).map { EpochMillis($0 * 1000) }
            let duration = (entry["duration"] as? Double).map { Int64($0 * 1000) }
            return FeedEpisode(guid: String(guid.prefix(500)), title: title, publishedAt: published, durationMs: duration, url: url)
        }
        guard !episodes.isEmpty else {
            throw BoxError(.downloadFailed, "The feed lists no episode with an audio address.", details: ["reason": "not_a_feed"])
        }
        return ((root["title"] as? String).flatMap { TextRules.cleaned($0)?.text }, episodes)
    }

    static func withoutSmuggle(_ url: String) -> String {
        guard let range = url.range(of: "#__youtubedl_smuggle=") else { return url }
        return String(url[..<range.lowerBound])
    }

    static func smuggledID(_ url: String) -> String? {
        guard let range = url.range(of: "#__youtubedl_smuggle=") else { return nil }
        let encoded = String(url[range.upperBound...]).replacingOccurrences(of: "+", with: " ")
        guard let json = encoded.removingPercentEncoding, let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            return nil
        }
        return object["force_videoid"] as? String
    }
}
