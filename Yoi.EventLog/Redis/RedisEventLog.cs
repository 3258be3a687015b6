using System.Diagnostics;
using System.Text;
using Yoi.Protocol.Cursors;

namespace Yoi.EventLog.Redis;

/// <summary>
/// The Redis Streams engine of <see cref="IEventLog"/>. Each entry has the fields <c>payload</c> (the UTF-8 JSON
/// as-is), <c>traceparent</c> and <c>tracestate</c> (each omitted when null). Retention: <c>MAXLEN ~</c> and/or
/// <c>MINID ~ &lt;now - max age&gt;-0</c> on append.
/// </summary>
public sealed class RedisEventLog : IEventLog, IEventLogTrimming, IAsyncDisposable
{
    internal const string PayloadField = "payload";
    internal const string TraceParentField = "traceparent";
    internal const string TraceStateField = "tracestate";

    private readonly RedisClient _client;
    private readonly bool _ownsClient;
    private readonly TimeProvider _time;

    /// <param name="client">The shared client.</param>
    /// <param name="ownsClient">Whether disposing the log disposes the client.</param>
    /// <param name="time">Clock for <see cref="StreamRetention.MaxAge"/>; the system clock when null.</param>
    public RedisEventLog(RedisClient client, bool ownsClient = false, TimeProvider? time = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _ownsClient = ownsClient;
        _time = time ?? TimeProvider.System;
    }

    public static async Task<RedisEventLog> ConnectAsync(string connectionString, CancellationToken cancellationToken = default) =>
        new(await RedisClient.ConnectAsync(connectionString, cancellationToken).ConfigureAwait(false), ownsClient: true);

    public RedisClient Client => _client;

    public async ValueTask<StreamCursor> AppendAsync(string stream, ReadOnlyMemory<byte> payload, StreamRetention retention,
        CancellationToken cancellationToken = default)
    {
        using var activity = EventLogTelemetry.StartAppend("redis", stream, 1);
        var fields = Fields(payload, EventLogTelemetry.CaptureTraceContext(activity));
        var started = Stopwatch.GetTimestamp();
        StreamCursor id;
        try
        {
            id = await _client.StreamAddAsync(stream, fields, Trim(retention), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        RecordLatency(started, "XADD");
        EventLogTelemetry.EventsAppended.Add(1);
        return id;
    }

    public async ValueTask<IReadOnlyList<StreamCursor>> AppendBatchAsync(string stream, IReadOnlyList<ReadOnlyMemory<byte>> payloads,
        StreamRetention retention, CancellationToken cancellationToken = default)
    {
        if (payloads.Count == 0) return [];
        using var activity = EventLogTelemetry.StartAppend("redis", stream, payloads.Count);
        var trace = EventLogTelemetry.CaptureTraceContext(activity);
        var entries = new IReadOnlyList<StreamField>[payloads.Count];
        for (var i = 0; i < entries.Length; i++) entries[i] = Fields(payloads[i], trace);
        var started = Stopwatch.GetTimestamp();
        StreamCursor[] ids;
        try
        {
            ids = await _client.StreamAddBatchAsync(stream, entries, Trim(retention), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        RecordLatency(started, "XADD");
        EventLogTelemetry.EventsAppended.Add(ids.Length);
        return ids;
    }

    public async ValueTask<IReadOnlyList<LogEntry>> ReadAfterAsync(string stream, StreamCursor after, int maxCount,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        if (after == StreamCursor.Max) return [];
        var started = Stopwatch.GetTimestamp();
        var entries = await _client.StreamRangeAsync(stream, StreamRangeBound.Exclusive(after), StreamRangeBound.Max, maxCount,
            cancellationToken).ConfigureAwait(false);
        RecordLatency(started, "XRANGE");
        return ToLogEntries(entries);
    }

    public async ValueTask<LogEntry?> ReadLastAsync(string stream, CancellationToken cancellationToken = default)
    {
        var entries = await _client.StreamRevRangeAsync(stream, StreamRangeBound.Max, StreamRangeBound.Min, 1, cancellationToken)
            .ConfigureAwait(false);
        return entries.Count == 0 ? null : ToLogEntry(entries[0]);
    }

    /// <summary>
    /// XREAD over every position. A positive <paramref name="block"/> blocks on a dedicated connection (a block of
    /// zero would block forever in Redis, so zero or less is a non-blocking read). Cancellation sends
    /// <c>CLIENT UNBLOCK</c> and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async ValueTask<IReadOnlyList<StreamBatch>> TailAsync(IReadOnlyList<StreamPosition> positions, int maxCountPerStream,
        TimeSpan block, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (positions.Count == 0) return [];
        var reads = new StreamReadPosition[positions.Count];
        for (var i = 0; i < reads.Length; i++) reads[i] = new StreamReadPosition(positions[i].Stream, positions[i].After);
        var result = await _client.StreamReadAsync(reads, maxCountPerStream, block > TimeSpan.Zero ? block : null, cancellationToken)
            .ConfigureAwait(false);
        var batches = new List<StreamBatch>(result.Count);
        foreach (var read in result)
            if (read.Entries.Count > 0) batches.Add(new StreamBatch(read.Key, ToLogEntries(read.Entries)));
        return batches;
    }

    public async ValueTask<StreamMetadata?> GetMetadataAsync(string stream, CancellationToken cancellationToken = default) =>
        ToMetadata(await _client.StreamInfoAsync(stream, cancellationToken).ConfigureAwait(false));

    public async ValueTask<CursorStatus> ClassifyAsync(string stream, StreamCursor cursor, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var (info, present) = await _client.StreamInfoWithEntryAsync(stream, cursor, cancellationToken).ConfigureAwait(false);
        RecordLatency(started, "XINFO");
        return CursorClassifier.Classify(cursor, ToMetadata(info), present);
    }

    public async ValueTask<bool> DeleteAsync(string stream, CancellationToken cancellationToken = default) =>
        await _client.DeleteAsync(stream, cancellationToken).ConfigureAwait(false);

    public async ValueTask<long> TrimToLengthAsync(string stream, long maxLength, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        if (maxLength == 0)
        {
            // XTRIM MAXLEN 0 empties the stream but keeps it (and its metadata), like the in-memory engine.
            return await _client.StreamTrimAsync(stream, new StreamTrim(MinId: StreamCursor.Max, Approximate: false),
                cancellationToken).ConfigureAwait(false);
        }
        return await _client.StreamTrimAsync(stream, new StreamTrim(maxLength, Approximate: false), cancellationToken)
            .ConfigureAwait(false);
    }

    public async ValueTask<long> TrimBeforeAsync(string stream, StreamCursor minId, CancellationToken cancellationToken = default) =>
        await _client.StreamTrimAsync(stream, new StreamTrim(MinId: minId, Approximate: false), cancellationToken)
            .ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_ownsClient) await _client.DisposeAsync().ConfigureAwait(false);
    }

    private StreamTrim Trim(StreamRetention retention)
    {
        StreamCursor? minId = null;
        if (retention.MaxAge is { } age)
        {
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            minId = new StreamCursor((ulong)Math.Max(0, now - (long)age.TotalMilliseconds), 0);
        }
        return new StreamTrim(retention.HasMaxLength ? retention.MaxLength : 0, minId);
    }

    private static StreamField[] Fields(ReadOnlyMemory<byte> payload, (string? TraceParent, string? TraceState) trace)
    {
        var count = 1 + (trace.TraceParent is null ? 0 : 1) + (trace.TraceState is null ? 0 : 1);
        var fields = new StreamField[count];
        var i = 0;
        fields[i++] = new StreamField(PayloadField, payload);
        if (trace.TraceParent is { } parent) fields[i++] = new StreamField(TraceParentField, Encoding.UTF8.GetBytes(parent));
        if (trace.TraceState is { } state) fields[i] = new StreamField(TraceStateField, Encoding.UTF8.GetBytes(state));
        return fields;
    }

    private static LogEntry[] ToLogEntries(IReadOnlyList<RedisStreamEntry> entries)
    {
        var result = new LogEntry[entries.Count];
        for (var i = 0; i < result.Length; i++) result[i] = ToLogEntry(entries[i]);
        return result;
    }

    private static LogEntry ToLogEntry(RedisStreamEntry entry) => new(
        entry.Id,
        entry.Get(PayloadField) ?? ReadOnlyMemory<byte>.Empty,
        entry.Get(TraceParentField) is { } parent ? Encoding.UTF8.GetString(parent.Span) : null,
        entry.Get(TraceStateField) is { } state ? Encoding.UTF8.GetString(state.Span) : null);

    /// <summary>
    /// XINFO STREAM as reported. Redis moves <c>max-deleted-entry-id</c> only on XDEL, never when trimming;
    /// <see cref="CursorClassifier"/> detects trimming from <c>entries-added</c> exceeding <c>length</c>.
    /// </summary>
    internal static StreamMetadata? ToMetadata(RedisStreamInfo? info) =>
        info is null
            ? null
            : new StreamMetadata(info.Length, info.LastGeneratedId, info.MaxDeletedEntryId, info.FirstEntry?.Id,
                info.LastEntry?.Id, info.EntriesAdded);

    private static void RecordLatency(long started, string command) =>
        EventLogTelemetry.RedisLatency.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>("db.operation.name", command));
}
