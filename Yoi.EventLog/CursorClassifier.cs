using Yoi.Protocol.Cursors;

namespace Yoi.EventLog;

/// <summary>
/// The cursor decision of SPEC 5.3 rules 2-4, decided only from the stream's own metadata plus whether the
/// cursor's entry is present. Pure: both engines and the tests call it.
/// </summary>
public static class CursorClassifier
{
    /// <param name="cursor">The client's cursor (already well formed).</param>
    /// <param name="metadata">The stream's metadata, or null when the stream is missing.</param>
    /// <param name="entryPresent">Whether an entry with exactly this ID is retained.</param>
    public static CursorStatus Classify(StreamCursor cursor, StreamMetadata? metadata, bool entryPresent)
    {
        if (metadata is null) return CursorStatus.StreamMissing;
        if (cursor > metadata.LastGeneratedId) return CursorStatus.Unknown;

        // Zero means "I have seen nothing": exact unless retention already removed something.
        if (cursor.IsZero)
            return metadata.MaxDeletedEntryId.IsZero ? CursorStatus.Retained : CursorStatus.Expired;

        if (metadata.FirstEntryId is not { } first || cursor < first)
        {
            // Before the first retained entry: if it is at or below what was deleted, retention passed it.
            return cursor <= metadata.MaxDeletedEntryId ? CursorStatus.Expired : CursorStatus.Unknown;
        }

        return entryPresent ? CursorStatus.Retained : CursorStatus.Unknown;
    }
}
