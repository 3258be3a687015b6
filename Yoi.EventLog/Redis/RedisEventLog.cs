using System.Diagnostics;
using StackExchange.Redis;
using Yoi.Protocol.Cursors;

namespace Yoi.EventLog.Redis;

/// <summary>
/// The Redis Streams engine of <see cref="IEventLog"/>, on a shared StackExchange.Redis multiplexer. Each entry has the
/// fields <c>payload</c> (the UTF-8 JSON as-is), <c>traceparent</c> and <c>tracestate</c> (each omitted when null).
/// </summary>
/// <remarks>
/// <para>Appends run one server-side script per batch (<see cref="RedisAppendScript"/>): the whole ordered batch is
/// stored atomically in one round trip under consecutive IDs of one millisecond, retention applied once (<c>XTRIM MAXLEN ~</c> / <c>MINID ~</c>), and a
/// notification published on the stream's sharded channel (the channel has the stream key's name, so it lives in the
/// key's cluster slot).</para>
/// <para>Live tails wait by <c>XREAD BLOCK</c> on a dedicated connection when Redis is standalone
/// (<see cref="BlockingStreamReader"/>: Redis answers the blocked read as the append lands), and otherwise by
/// non-blocking reads woken by those notifications (<see cref="StreamNotifications"/>), which need no connection of
/// their own and work in a Redis Cluster too (docs/benchmarks.md has the measurements behind both). Every command
/// on the shared multiplexer names one key, so none spans two slots.</para>
/// </remarks>
public sealed class RedisEventLog : IEventLog, IEventLogTrimming, IDisposable, IAsyncDisposable
{
    internal const string PayloadField = "payload";
    internal const string TraceParentField = "traceparent";
    internal const string TraceStateField = "tracestate";
    /// <summary>On the first entry of each appended batch, the ID of the entry before it; absent on the others.</summary>
    internal const string PrevField = "prev";

    private readonly IConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly TimeProvider _time;
    private readonly StreamNotifications _notifications;
    private readonly BlockingStreamReader? _blocking;

    /// <param name="redis">The shared multiplexer (the log does not own it).</param>
    /// <param name="time">Clock for <see cref="StreamRetention.MaxAge"/>; the system clock when null.</param>
    /// <param name="blockingReader">
    /// The connection settings for a dedicated <c>XREAD BLOCK</c> connection (<see cref="BlockingStreamReader"/>), which
    /// live tails use when Redis is standalone; null: every tail waits for append notifications.
    /// </param>
    public RedisEventLog(IConnectionMultiplexer redis, TimeProvider? time = null, ConfigurationOptions? blockingReader = null)
    {
        _redis = redis ?? throw new ArgumentNullException(nameof(redis));
        _db = redis.GetDatabase();
        _time = time ?? TimeProvider.System;
        _notifications = new StreamNotifications(redis);
        _blocking = blockingReader is null ? null : new BlockingStreamReader(blockingReader);
    }

    /// <summary>The multiplexer this log uses.</summary>
    public IConnectionMultiplexer Multiplexer => _redis;

    public async ValueTask<StreamCursor> AppendAsync(string stream, ReadOnlyMemory<byte> payload, StreamRetention retention,
        CancellationToken cancellationToken = default)
    {
        var ids = await AppendBatchAsync(stream, [payload], retention, cancellationToken).ConfigureAwait(false);
        return ids[0];
    }

    public async ValueTask<IReadOnlyList<StreamCursor>> AppendBatchAsync(string stream, IReadOnlyList<ReadOnlyMemory<byte>> payloads,
        StreamRetention retention, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(payloads);
        cancellationToken.ThrowIfCancellationRequested();
        if (payloads.Count == 0) return [];
        using var activity = EventLogTelemetry.StartAppend("redis", stream, payloads.Count);
        var trace = EventLogTelemetry.CaptureTraceContext(activity);
        var started = Stopwatch.GetTimestamp();
        StreamCursor[] ids;
        try
        {
            var args = RedisAppendScript.Arguments(payloads, retention.HasMaxLength ? retention.MaxLength : 0, MinId(retention), trace);
            var result = await _db.ScriptEvaluateAsync(RedisAppendScript.Text, [stream], args).WaitAsync(cancellationToken)
                .ConfigureAwait(false);
            ids = RedisAppendScript.ParseIds(result, payloads.Count);
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        RecordLatency(started, "EVALSHA");
        EventLogTelemetry.EventsAppended.Add(ids.Length);
        return ids;
    }

    public async ValueTask<IReadOnlyList<LogEntry>> ReadAfterAsync(string stream, StreamCursor after, int maxCount,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        cancellationToken.ThrowIfCancellationRequested();
        if (after == StreamCursor.Max) return [];
        var started = Stopwatch.GetTimestamp();
        var entries = await _db.StreamRangeAsync(stream, "(" + after, "+", maxCount).WaitAsync(cancellationToken).ConfigureAwait(false);
        RecordLatency(started, "XRANGE");
        return ToLogEntries(entries, 0);
    }

    public async ValueTask<LogEntry?> ReadLastAsync(string stream, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var entries = await _db.StreamRangeAsync(stream, "-", "+", 1, Order.Descending).WaitAsync(cancellationToken)
            .ConfigureAwait(false);
        return entries.Length == 0 ? null : ToLogEntry(entries[0]);
    }

    /// <summary>
    /// With a positive <paramref name="block"/>, waits by <c>XREAD BLOCK</c> on the dedicated connection when that is
    /// free (<see cref="BlockingStreamReader"/>); otherwise reads every position (one <c>XRANGE</c> each, pipelined)
    /// and, when nothing is there, waits for an append notification on any of the streams and reads again.
    /// Both reads start <b>at</b> the position: a batch is marked <see cref="StreamBatch.Gap"/> when the position's own
    /// entry is gone and the stream's metadata says entries after it were trimmed (<see cref="CursorClassifier"/>).
    /// </summary>
    public async ValueTask<IReadOnlyList<StreamBatch>> TailAsync(IReadOnlyList<StreamPosition> positions, int maxCountPerStream,
        TimeSpan block, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCountPerStream);
        cancellationToken.ThrowIfCancellationRequested();
        if (positions.Count == 0) return [];
        if (block <= TimeSpan.Zero) return await ReadPositionsAsync(positions, maxCountPerStream, cancellationToken).ConfigureAwait(false);

        var deadline = _time.GetTimestamp() + (long)(block.TotalSeconds * _time.TimestampFrequency);
        while (_blocking is not null && _blocking.TryStart())
        {
            var batches = await BlockingReadAsync(_blocking, positions, maxCountPerStream, Remaining(deadline), cancellationToken)
                .ConfigureAwait(false);
            if (batches is null) break; // the blocking reader is off (a cluster, or it cannot connect): notifications
            if (batches.Count > 0 || Remaining(deadline) <= TimeSpan.Zero) return batches;
        }

        var streams = new string[positions.Count];
        for (var i = 0; i < streams.Length; i++) streams[i] = positions[i].Stream;
        using var watch = await _notifications.WatchAsync(streams, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var version = watch.Version; // taken before the read: a notification during the read wakes the wait at once
            var batches = await ReadPositionsAsync(positions, maxCountPerStream, cancellationToken).ConfigureAwait(false);
            if (batches.Count > 0) return batches;
            var remaining = Remaining(deadline);
            if (remaining <= TimeSpan.Zero) return [];
            if (!await watch.WaitAsync(version, remaining, _time, cancellationToken).ConfigureAwait(false)) return [];
        }
    }

    private TimeSpan Remaining(long deadline) =>
        TimeSpan.FromSeconds((deadline - _time.GetTimestamp()) / (double)_time.TimestampFrequency);

    private async Task<IReadOnlyList<StreamBatch>?> BlockingReadAsync(BlockingStreamReader reader, IReadOnlyList<StreamPosition> positions,
        int maxCount, TimeSpan block, CancellationToken cancellationToken)
    {
        var starts = new List<(string Stream, string Start)>(positions.Count);
        var followed = new List<StreamPosition>(positions.Count);
        foreach (var position in positions)
        {
            if (position.After == StreamCursor.Max) continue;
            starts.Add((position.Stream, position.After.ToString()));
            followed.Add(position);
        }
        if (starts.Count == 0) return [];
        var entries = await reader.ReadAsync(starts, maxCount, block, cancellationToken).ConfigureAwait(false);
        if (entries is null) return null;
        return await ToBatchesAsync(followed, entries, maxCount, inclusive: false, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<StreamBatch>> ReadPositionsAsync(IReadOnlyList<StreamPosition> positions, int maxCount,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var reads = new Task<StreamEntry[]>[positions.Count];
        for (var i = 0; i < reads.Length; i++)
        {
            var after = positions[i].After;
            // From the position itself (inclusive), so its presence tells that nothing between it and the next was trimmed.
            reads[i] = after == StreamCursor.Max
                ? Task.FromResult(Array.Empty<StreamEntry>())
                : _db.StreamRangeAsync(positions[i].Stream, after.IsZero ? "-" : after.ToString(), "+", maxCount + 1);
        }
        await Task.WhenAll(reads).WaitAsync(cancellationToken).ConfigureAwait(false);
        RecordLatency(started, "XRANGE");
        var entries = new StreamEntry[reads.Length][];
        for (var i = 0; i < reads.Length; i++) entries[i] = reads[i].Result;
        return await ToBatchesAsync(positions, entries, maxCount, inclusive: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Each position's entries as batches of what follows it. <paramref name="inclusive"/>: read from the position
    /// itself, whose presence proves that nothing between it and the next entry was trimmed; otherwise read after it,
    /// and the first entry proves it follows the position by its own ID or its <see cref="PrevField"/>
    /// (<see cref="Follows"/>). Without a proof, the stream's metadata decides whether entries were trimmed in between.
    /// </summary>
    private async Task<IReadOnlyList<StreamBatch>> ToBatchesAsync(IReadOnlyList<StreamPosition> positions, StreamEntry[][] read,
        int maxCount, bool inclusive, CancellationToken cancellationToken)
    {
        List<StreamBatch>? batches = null;
        for (var i = 0; i < read.Length; i++)
        {
            var entries = read[i];
            var after = positions[i].After;
            var skip = 0;
            while (skip < entries.Length && Cursor(entries[skip].Id) <= after) skip++;
            if (skip == entries.Length) continue;
            var gap = false;
            if (inclusive ? skip == 0 : !Follows(entries[skip], after))
            {
                // The position's own entry is not there: trimmed (a gap if entries after it were removed too), or never an entry.
                gap = await ClassifyAsync(positions[i].Stream, after, cancellationToken).ConfigureAwait(false) == CursorStatus.Expired;
            }
            var take = Math.Min(maxCount, entries.Length - skip);
            (batches ??= []).Add(new StreamBatch(positions[i].Stream, ToLogEntries(entries, skip, take), gap));
        }
        return batches ?? (IReadOnlyList<StreamBatch>)[];
    }

    public async ValueTask<StreamMetadata?> GetMetadataAsync(string stream, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ToMetadata(await InfoAsync(stream).WaitAsync(cancellationToken).ConfigureAwait(false));
    }

    public async ValueTask<CursorStatus> ClassifyAsync(string stream, StreamCursor cursor, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        var id = cursor.ToString();
        var info = InfoAsync(stream);
        var entry = _db.StreamRangeAsync(stream, id, id, 1);
        await Task.WhenAll(info, entry).WaitAsync(cancellationToken).ConfigureAwait(false);
        RecordLatency(started, "XINFO");
        return CursorClassifier.Classify(cursor, ToMetadata(info.Result), entry.Result.Length > 0);
    }

    public async ValueTask<bool> DeleteAsync(string stream, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await _db.KeyDeleteAsync(stream).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<long> TrimToLengthAsync(string stream, long maxLength, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        cancellationToken.ThrowIfCancellationRequested();
        return await _db.StreamTrimAsync(stream, maxLength, useApproximateMaxLength: false).WaitAsync(cancellationToken)
            .ConfigureAwait(false);
    }

    public async ValueTask<long> TrimBeforeAsync(string stream, StreamCursor minId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await _db.StreamTrimByMinIdAsync(stream, minId.ToString(), useApproximateMaxLength: false)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the notification housekeeping and closes the blocking reader's connection; the shared multiplexer is not the log's to dispose.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        _notifications.Dispose();
        if (_blocking is not null) await _blocking.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>XINFO STREAM, or null for a missing key (Redis answers that with an error).</summary>
    private async Task<StreamInfo?> InfoAsync(string stream)
    {
        try
        {
            return await _db.StreamInfoAsync(stream).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("no such key", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
    }

    private string? MinId(StreamRetention retention)
    {
        if (retention.MaxAge is not { } age || age <= TimeSpan.Zero) return null;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return new StreamCursor((ulong)Math.Max(0, now - (long)age.TotalMilliseconds), 0).ToString();
    }

    private static StreamCursor Cursor(RedisValue id) => StreamCursor.Parse((string)id!);

    /// <summary>
    /// Whether <paramref name="entry"/> was appended right after <paramref name="after"/>. Redis gives an auto-generated
    /// ID a sequence above 0 only when the stream's last ID has the same milliseconds, so such an entry follows the
    /// entry one sequence below it; the first entry of an appended batch names its predecessor in <see cref="PrevField"/>.
    /// Entries are never deleted singly, only trimmed from the front, so a named predecessor that is the position means
    /// nothing lies between them. False when neither proves it (the caller then checks).
    /// </summary>
    private static bool Follows(StreamEntry entry, StreamCursor after)
    {
        var id = Cursor(entry.Id);
        if (id.Sequence > 0 && new StreamCursor(id.Milliseconds, id.Sequence - 1) == after) return true;
        var prev = entry[PrevField];
        return !prev.IsNullOrEmpty && StreamCursor.TryParse((string)prev!, out var named) && named == after;
    }

    private static LogEntry[] ToLogEntries(StreamEntry[] entries, int skip, int? count = null)
    {
        var result = new LogEntry[count ?? entries.Length - skip];
        for (var i = 0; i < result.Length; i++) result[i] = ToLogEntry(entries[skip + i]);
        return result;
    }

    private static LogEntry ToLogEntry(StreamEntry entry)
    {
        ReadOnlyMemory<byte> payload = ReadOnlyMemory<byte>.Empty;
        string? traceParent = null, traceState = null;
        foreach (var field in entry.Values)
        {
            if (field.Name == PayloadField) payload = field.Value; // the reply's own bytes, not a copy
            else if (field.Name == TraceParentField) traceParent = field.Value;
            else if (field.Name == TraceStateField) traceState = field.Value;
        }
        return new LogEntry(Cursor(entry.Id), payload, traceParent, traceState);
    }

    /// <summary>XINFO STREAM as reported; <see cref="CursorClassifier"/> detects trimming from <c>entries-added</c> over <c>length</c>.</summary>
    private static StreamMetadata? ToMetadata(StreamInfo? stored) =>
        stored is not { } info
            ? null
            : new StreamMetadata(info.Length, Cursor(info.LastGeneratedId), Cursor(info.MaxDeletedEntryId),
                info.FirstEntry.IsNull ? null : Cursor(info.FirstEntry.Id),
                info.LastEntry.IsNull ? null : Cursor(info.LastEntry.Id), info.EntriesAdded);

    private static void RecordLatency(long started, string command) =>
        EventLogTelemetry.RedisLatency.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>("db.operation.name", command));
}
