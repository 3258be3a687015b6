using Yoi.Protocol.Cursors;

namespace Yoi.EventLog;

/// <summary>What a page read after a client's cursor found: the cursor's status, and the entries when it is retained.</summary>
public readonly record struct ClientCursorPage(CursorStatus Status, IReadOnlyList<LogEntry> Entries);

/// <summary>
/// Reading after a cursor a client sent, under the cursor rules of the observation protocol (docs/protocol.md, "Cursor rules"): a page is
/// only served after a retained cursor, so paging never jumps silently over a gap that retention left.
/// </summary>
public static class ClientCursorPaging
{
    /// <summary>
    /// A client's cursor against the stream: <see cref="IEventLog.ClassifyAsync"/>, except that <c>0-0</c> on a
    /// stream that does not exist yet counts as retained (nothing was missed).
    /// </summary>
    public static async ValueTask<CursorStatus> ClassifyClientCursorAsync(this IEventLog log, string stream, StreamCursor cursor,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        return ForClient(await log.ClassifyAsync(stream, cursor, cancellationToken).ConfigureAwait(false), cursor);
    }

    /// <summary>
    /// The cursor's status (as <see cref="ClassifyClientCursorAsync"/>) and, when retained, up to
    /// <paramref name="limit"/> entries after it. Both reads are issued together.
    /// </summary>
    public static async ValueTask<ClientCursorPage> ReadAfterClientCursorAsync(this IEventLog log, string stream, StreamCursor after,
        int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        var classify = log.ClassifyAsync(stream, after, cancellationToken).AsTask();
        var read = log.ReadAfterAsync(stream, after, limit, cancellationToken).AsTask();
        await Task.WhenAll(classify, read).ConfigureAwait(false);
        var status = ForClient(classify.Result, after);
        return new ClientCursorPage(status, status == CursorStatus.Retained ? read.Result : []);
    }

    private static CursorStatus ForClient(CursorStatus status, StreamCursor cursor) =>
        status == CursorStatus.StreamMissing && cursor.IsZero ? CursorStatus.Retained : status;
}
