import GRDB

/// The database schema, as an ordered list of migrations.
///
/// Rules for future changes: never edit a migration that has shipped; add a new one.
/// Each migration runs in its own transaction, with foreign keys checked at its end.
public enum Schema {
    /// Migration identifiers in order. The last one is the current schema version.
    public static let versions = ["v1_library", "v2_playback_memory", "v3_artwork", "v4_streams", "v5_feeds", "v6_command_tags", "v7_chapters"]

    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        // v1: the library itself — playlists, their tracks, and the NFC tags that start them.
        migrator.registerMigration("v1_library") { db in
            try db.create(table: "playlists") { t in
                t.primaryKey("id", .text).notNull()
                t.column("title", .text).notNull()
                t.column("description", .text).notNull().defaults(to: "")
                t.column("position", .integer).notNull().check { $0 >= 0 }
                t.column("created_at", .integer).notNull()
                t.column("updated_at", .integer).notNull()
            }
            try db.create(index: "playlists_by_position", on: "playlists", columns: ["position"])

            try db.create(table: "tracks") { t in
                t.primaryKey("id", .text).notNull()
                t.column("playlist_id", .text).notNull().indexed().references("playlists", onDelete: .cascade)
                t.column("track_number", .integer).notNull().check { $0 >= 1 }
                t.column("title", .text).notNull()
                t.column("artist", .text)
                t.column("album", .text)
                t.column("duration_ms", .integer).notNull().check { $0 >= 0 }
                // Name inside the media folder, derived from the track id: never user input.
                t.column("file_name", .text).notNull().unique()
                t.column("original_filename", .text).notNull()
                t.column("file_size", .integer).notNull().check { $0 >= 0 }
                t.column("sha256", .text).notNull()
                t.column("created_at", .integer).notNull()
                t.uniqueKey(["playlist_id", "track_number"])
            }
            try db.create(index: "tracks_by_hash", on: "tracks", columns: ["playlist_id", "sha256"])

            // One tag plays one playlist (tag_id is the key); a playlist may have several tags.
            try db.create(table: "tags") { t in
                t.primaryKey("tag_id", .text).notNull()
                t.column("playlist_id", .text).notNull().indexed().references("playlists", onDelete: .cascade)
                t.column("created_at", .integer).notNull()
            }
        }

        // v2: what the box remembers between plays — resume points and settings.
        migrator.registerMigration("v2_playback_memory") { db in
            try db.create(table: "resume") { t in
                t.primaryKey("playlist_id", .text).notNull()
                    .references("playlists", onDelete: .cascade)
                t.column("track_id", .text).references("tracks", onDelete: .setNull)
                t.column("position_ms", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
                t.column("updated_at", .integer).notNull()
            }
            try db.create(index: "resume_by_track", on: "resume", columns: ["track_id"])

            try db.create(table: "settings") { t in
                t.primaryKey("key", .text).notNull()
                // JSON text, so one column holds any typed value.
                t.column("value", .text).notNull()
                t.column("updated_at", .integer).notNull()
            }
        }
        // v3: cover pictures read from uploaded files. Kept in the database, not beside the audio:
        // a cover is committed in the same transaction as its track, and goes with it by cascade.
        migrator.registerMigration("v3_artwork") { db in
            try db.alter(table: "tracks") { t in
                t.add(column: "has_cover", .boolean).notNull().defaults(to: false)
            }
            try db.create(table: "artwork") { t in
                t.primaryKey("track_id", .text).notNull().references("tracks", onDelete: .cascade)
                t.column("mime_type", .text).notNull()
                t.column("data", .blob).notNull()
            }
        }
        // v4: items that are not files: live streams (web radio). Their `file_name` is a
        // placeholder no media file can have (see `TrackRecord.streamFileName`), so the column's
        // uniqueness and the media folder's sweep stay as they are.
        migrator.registerMigration("v4_streams") { db in
            try db.alter(table: "tracks") { t in
                t.add(column: "kind", .text).notNull().defaults(to: "file").check { ["file", "stream"].contains($0) }
                t.add(column: "source_url", .text)
            }
        }
        // v5: podcasts. A playlist may follow a feed; what the feed lists is kept beside it, each
        // episode with the track it was downloaded into (unset when that track is deleted).
        migrator.registerMigration("v5_feeds") { db in
            try db.create(table: "feeds") { t in
                t.primaryKey("playlist_id", .text).notNull().references("playlists", onDelete: .cascade)
                t.column("url", .text).notNull()
                t.column("keep", .integer).notNull().check { $0 >= 1 }
                t.column("checked_at", .integer)
                t.column("error", .text)
                t.column("created_at", .integer).notNull()
            }
            try db.create(table: "feed_episodes") { t in
                t.column("playlist_id", .text).notNull().references("feeds", column: "playlist_id", onDelete: .cascade)
                t.column("guid", .text).notNull()
                t.column("title", .text).notNull()
                t.column("published_at", .integer)
                t.column("duration_ms", .integer)
                t.column("url", .text).notNull()
                t.column("track_id", .text).indexed().references("tracks", onDelete: .setNull)
                // Each episode keeps its own place, and whether it was heard to its end.
                t.column("position_ms", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
                t.column("finished", .boolean).notNull().defaults(to: false)
                t.column("progress_at", .integer)
                t.primaryKey(["playlist_id", "guid"])
            }
        }
        // v6: tags that do something instead of playing a playlist (a tag is one or the other:
        // the repositories move it between the two tables, never keep it in both).
        migrator.registerMigration("v6_command_tags") { db in
            try db.create(table: "tag_commands") { t in
                t.primaryKey("tag_id", .text).notNull()
                t.column("action", .text).notNull()
                t.column("minutes", .integer)
                t.column("volume", .integer)
                t.column("created_at", .integer).notNull()
            }
        }
        // v7: an audiobook file's chapters, read once at upload. They belong to the file alone
        // (never edited, gone with the track), so they sit on its row as one JSON array
        // (`[{"title","start_ms","end_ms"}]`, `NULL` for the many files without), read with it.
        migrator.registerMigration("v7_chapters") { db in
            try db.alter(table: "tracks") { t in
                t.add(column: "chapters", .text)
            }
        }
        return migrator
    }
}
