using Yoi.Protocol.Cursors;

namespace Yoi.EventLog;

/// <summary>
/// The cursor decision of docs/protocol.md ("Cursor rules": expired, unknown, retained), decided only from the stream's own metadata plus whether the
/// cursor's entry is present. Pure: both engines and the tests call it.
/// </summary>
/// <remarks>
/// Redis records trimming (<c>XADD MAXLEN/MINID</c>, <c>XTRIM</c>) only as <c>entries-added</c> exceeding
/// <c>length</c> and a moved <c>recorded-first-entry-id</c>; <c>max-deleted-entry-id</c> moves only on <c>XDEL</c>.
/// Trimming removes from the front, so every removed entry lies below the first retained one, and every entry
/// after the last generated ID is still to come. Hence:
/// <list type="bullet">
/// <item>a cursor at the last generated ID misses nothing (retained, even if its own entry was trimmed);</item>
/// <item>below the first retained entry, or anywhere in an emptied stream, after removals: expired;
///   without removals: unknown (no entry of this stream was ever there);</item>
/// <item>within the retained range: retained when its entry is present, otherwise unknown.</item>
/// </list>
/// </remarks>
public static class CursorClassifier
{
    /// <param name="cursor">The client's cursor (already well formed).</param>
    /// <param name="metadata">The stream's metadata, or null when the stream is missing.</param>
    /// <param name="entryPresent">Whether an entry with exactly this ID is retained.</param>
    public static CursorStatus Classify(StreamCursor cursor, StreamMetadata? metadata, bool entryPresent)
    {
        if (metadata is null) return CursorStatus.StreamMissing;
        if (cursor > metadata.LastGeneratedId) return CursorStatus.Unknown;
        if (cursor == metadata.LastGeneratedId) return CursorStatus.Retained;

        var removed = metadata.EntriesAdded > metadata.Length || !metadata.MaxDeletedEntryId.IsZero;

        // Zero ("I have seen nothing") and every other position before the first retained entry.
        if (cursor.IsZero || metadata.FirstEntryId is not { } first || cursor < first)
            return removed ? CursorStatus.Expired : cursor.IsZero ? CursorStatus.Retained : CursorStatus.Unknown;

        return entryPresent ? CursorStatus.Retained : CursorStatus.Unknown;
    }
}
