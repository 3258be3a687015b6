using Yoi.Protocol.Cursors;

namespace Yoi.EventLog;

/// <summary>
/// The append-only log every Worker event goes to. One stream per key; the entry ID is the cursor.
/// Guarantees, identical for every engine (Redis Streams, in-memory):
/// <list type="bullet">
/// <item>IDs are <c>&lt;ms&gt;-&lt;seq&gt;</c>, strictly increasing per stream, never reused, even after trimming.</item>
/// <item>Appends to one stream from one caller are stored in call order; a batch is stored contiguously.</item>
/// <item>Each append stores the W3C trace context (<c>traceparent</c>, <c>tracestate</c>) of the producer span
///   and reads return it.</item>
/// <item>Retention is applied on append (<see cref="StreamRetention"/>); what was trimmed is recorded in the
///   stream's metadata so a cursor can be classified as expired rather than unknown.</item>
/// <item>Stream keys are internal: they never cross to clients.</item>
/// </list>
/// </summary>
public interface IEventLog
{
    /// <summary>Appends one event (UTF-8 JSON) and returns its entry ID.</summary>
    ValueTask<StreamCursor> AppendAsync(string stream, ReadOnlyMemory<byte> payload, StreamRetention retention,
        CancellationToken cancellationToken = default);

    /// <summary>Appends events contiguously, in order, pipelined; returns their IDs in the same order.</summary>
    ValueTask<IReadOnlyList<StreamCursor>> AppendBatchAsync(string stream, IReadOnlyList<ReadOnlyMemory<byte>> payloads,
        StreamRetention retention, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="maxCount"/> entries with ID strictly greater than <paramref name="after"/>, oldest first.</summary>
    ValueTask<IReadOnlyList<LogEntry>> ReadAfterAsync(string stream, StreamCursor after, int maxCount,
        CancellationToken cancellationToken = default);

    /// <summary>The newest retained entry, or null when the stream is missing or empty.</summary>
    ValueTask<LogEntry?> ReadLastAsync(string stream, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits up to <paramref name="block"/> for entries after each position and returns what arrived
    /// (an empty list on timeout; zero or less does not wait). A batch whose entries do not follow its position,
    /// because retention removed entries in between, is marked <see cref="StreamBatch.Gap"/>. Cancellation returns
    /// promptly. Concurrent calls are allowed (the Redis engine serves one at a time from its blocking connection and
    /// the others from the append notifications of the streams).
    /// </summary>
    ValueTask<IReadOnlyList<StreamBatch>> TailAsync(IReadOnlyList<StreamPosition> positions, int maxCountPerStream,
        TimeSpan block, CancellationToken cancellationToken = default);

    /// <summary>The stream's metadata, or null when the stream does not exist.</summary>
    ValueTask<StreamMetadata?> GetMetadataAsync(string stream, CancellationToken cancellationToken = default);

    /// <summary>Classifies a client's cursor against the stream (docs/protocol.md, "Cursor rules"); see <see cref="CursorClassifier"/>.</summary>
    ValueTask<CursorStatus> ClassifyAsync(string stream, StreamCursor cursor, CancellationToken cancellationToken = default);

    /// <summary>Deletes the stream; true when it existed.</summary>
    ValueTask<bool> DeleteAsync(string stream, CancellationToken cancellationToken = default);
}
