using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Yoi.Protocol.Cursors;

namespace Yoi.BackendService.AgUi;

/// <summary>
/// The SSE <c>id</c> of an AG-UI event: the cursor of the worker event it came from. One worker event can become
/// several AG-UI events; all but the last of them carry <c>&lt;cursor&gt;:&lt;n&gt;</c> (n of them sent), so a client cut
/// off in the middle resumes with exactly the rest. The events a stream starts with (snapshot) carry the snapshot's
/// cursor. Resuming after <c>&lt;cursor&gt;</c> is resuming after <c>&lt;cursor&gt;:&lt;all&gt;</c> (docs/agui.md).
/// </summary>
public readonly record struct AgUiEventId(StreamCursor Cursor, int Sent)
{
    /// <summary>Longest id text: a cursor, ':' and a count.</summary>
    public const int MaxLength = StreamCursor.MaxLength + 11;

    public override string ToString() =>
        Sent == 0 ? Cursor.ToString() : string.Create(CultureInfo.InvariantCulture, $"{Cursor}:{Sent}");

    public static bool TryParse(string? text, out AgUiEventId id, [NotNullWhen(false)] out string? reason)
    {
        id = default;
        if (string.IsNullOrEmpty(text)) { reason = "cursor is empty"; return false; }
        if (text.Length > MaxLength) { reason = $"cursor is longer than {MaxLength} characters"; return false; }
        var colon = text.IndexOf(':');
        var cursorText = colon < 0 ? text.AsSpan() : text.AsSpan(0, colon);
        if (!StreamCursor.TryParse(cursorText, out var cursor, out reason)) return false;
        var sent = 0;
        if (colon >= 0)
        {
            var count = text.AsSpan(colon + 1);
            if (count.IsEmpty || count.ContainsAnyExceptInRange('0', '9') || !int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out sent) || sent < 1)
            {
                reason = "the part after ':' must be a positive count";
                return false;
            }
        }
        id = new AgUiEventId(cursor, sent);
        reason = null;
        return true;
    }
}
