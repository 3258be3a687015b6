using Yoi.Protocol.Cursors;

namespace Yoi.EventLog;

/// <summary>Bounded retention applied on append: approximate <c>MAXLEN ~</c> and, optionally, an age via <c>MINID</c>.</summary>
public readonly record struct StreamRetention(long MaxLength, TimeSpan? MaxAge = null)
{
    public static readonly StreamRetention Unbounded = new(0);
    public bool HasMaxLength => MaxLength > 0;
}

/// <summary>One stored event: its cursor, UTF-8 JSON payload and stored trace context.</summary>
public sealed record LogEntry(StreamCursor Cursor, ReadOnlyMemory<byte> Payload, string? TraceParent, string? TraceState);

/// <summary>Where a tail read continues from: entries strictly after <see cref="After"/>.</summary>
public readonly record struct StreamPosition(string Stream, StreamCursor After);

/// <summary>
/// Entries that arrived on one stream during a tail read, oldest first. <see cref="Gap"/>: retention removed entries
/// after the read's position before they could be read, so <see cref="Entries"/> do not follow the position
/// (decided like a client cursor: <see cref="CursorClassifier"/> says the position expired).
/// </summary>
public sealed record StreamBatch(string Stream, IReadOnlyList<LogEntry> Entries, bool Gap = false);

/// <summary>
/// What <c>XINFO STREAM</c> tells about a stream (Redis 7 fields). Trimming shows as <see cref="EntriesAdded"/>
/// above <see cref="Length"/> and a moved <see cref="FirstEntryId"/>; <see cref="MaxDeletedEntryId"/> moves only
/// on <c>XDEL</c> (Redis does not update it when trimming).
/// </summary>
public sealed record StreamMetadata(
    long Length,
    StreamCursor LastGeneratedId,
    StreamCursor MaxDeletedEntryId,
    StreamCursor? FirstEntryId,
    StreamCursor? LastEntryId,
    long EntriesAdded);

public enum CursorStatus
{
    /// <summary>Every entry after the cursor is retained: resume exactly.</summary>
    Retained,
    /// <summary>Retention trimmed entries the client has not seen: there is a gap.</summary>
    Expired,
    /// <summary>Well formed, but not an ID of this stream (never existed, ahead of it, another stream's).</summary>
    Unknown,
    /// <summary>The stream does not exist.</summary>
    StreamMissing,
}
