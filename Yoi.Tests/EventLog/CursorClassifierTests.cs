using Yoi.EventLog;
using Yoi.Protocol.Cursors;

namespace Yoi.Tests.EventLog;

/// <summary>
/// The pure cursor decision over hand-built <c>XINFO STREAM</c> metadata. Each row: the cursor, then the stream
/// (length, last-generated-id, first and last entry or "" when empty, entries-added, max-deleted-entry-id),
/// whether the cursor's entry is present, and the expected status.
/// </summary>
public sealed class CursorClassifierTests
{
    [Theory]
    // Ahead of everything the stream ever generated.
    [InlineData("10-1", 5, "10-0", "1-0", "10-0", 5, "0-0", false, CursorStatus.Unknown)]
    [InlineData("11-0", 3, "10-0", "5-0", "10-0", 9, "0-0", false, CursorStatus.Unknown)]
    // The last generated ID: nothing after it can have been missed.
    [InlineData("10-0", 5, "10-0", "1-0", "10-0", 5, "0-0", true, CursorStatus.Retained)]
    [InlineData("10-0", 0, "10-0", "", "", 5, "0-0", false, CursorStatus.Retained)]
    // Zero: "I have seen nothing".
    [InlineData("0-0", 5, "10-0", "1-0", "10-0", 5, "0-0", false, CursorStatus.Retained)]
    [InlineData("0-0", 3, "10-0", "5-0", "10-0", 5, "0-0", false, CursorStatus.Expired)]
    [InlineData("0-0", 0, "10-0", "", "", 5, "0-0", false, CursorStatus.Expired)]
    [InlineData("0-0", 5, "10-0", "1-0", "10-0", 5, "3-0", false, CursorStatus.Expired)]
    // Before the first retained entry.
    [InlineData("4-0", 3, "10-0", "5-0", "10-0", 5, "0-0", false, CursorStatus.Expired)]
    [InlineData("1-0", 3, "10-0", "5-0", "10-0", 5, "0-0", false, CursorStatus.Expired)]
    [InlineData("4-9", 3, "10-0", "5-0", "10-0", 3, "0-0", false, CursorStatus.Unknown)]
    [InlineData("4-0", 3, "10-0", "5-0", "10-0", 3, "4-0", false, CursorStatus.Expired)]
    // In an emptied stream, below the last generated ID.
    [InlineData("9-0", 0, "10-0", "", "", 5, "0-0", false, CursorStatus.Expired)]
    // Within the retained range.
    [InlineData("5-0", 3, "10-0", "5-0", "10-0", 5, "0-0", true, CursorStatus.Retained)]
    [InlineData("7-0", 3, "10-0", "5-0", "10-0", 5, "0-0", true, CursorStatus.Retained)]
    [InlineData("7-1", 3, "10-0", "5-0", "10-0", 5, "0-0", false, CursorStatus.Unknown)]
    [InlineData("7-1", 3, "10-0", "5-0", "10-0", 3, "0-0", false, CursorStatus.Unknown)]
    public void A_cursor_is_classified_from_the_stream_metadata_and_whether_its_entry_is_present(string cursor, long length, string lastGenerated, string first, string last, long entriesAdded,
        string maxDeleted, bool entryPresent, CursorStatus expected)
    {
        var metadata = new StreamMetadata(
            length,
            StreamCursor.Parse(lastGenerated),
            StreamCursor.Parse(maxDeleted),
            first.Length == 0 ? null : StreamCursor.Parse(first),
            last.Length == 0 ? null : StreamCursor.Parse(last),
            entriesAdded);

        Assert.Equal(expected, CursorClassifier.Classify(StreamCursor.Parse(cursor), metadata, entryPresent));
    }

    [Theory]
    [InlineData("0-0")]
    [InlineData("5-0")]
    public void A_missing_stream_is_stream_missing(string cursor)
    {
        Assert.Equal(CursorStatus.StreamMissing, CursorClassifier.Classify(StreamCursor.Parse(cursor), null, entryPresent: false));
    }
}
