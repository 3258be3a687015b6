using System.Collections.Concurrent;
using Yoi.Protocol.Cursors;

namespace Yoi.EventLog.Memory;

/// <summary>
/// The embedded event log: Redis Streams semantics in process memory, so it can stand in for Redis.
/// IDs are generated like <c>XADD *</c>, metadata follows <c>XINFO STREAM</c> (Redis 7), retention trims
/// exactly (Redis trims <c>MAXLEN ~</c> by whole nodes; exact is within what the contract promises), and
/// <see cref="TailAsync"/> blocks like <c>XREAD BLOCK</c> without holding a thread. One short lock per stream.
/// </summary>
public sealed class InMemoryEventLog(TimeProvider? timeProvider = null) : IEventLog, IEventLogTrimming
{
    private const string MessagingSystem = "memory";

    // The largest block a timer accepts (about 49 days); longer blocks are clamped to it.
    private static readonly TimeSpan MaxBlock = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, InMemoryStream> _streams = new(StringComparer.Ordinal);

    public async ValueTask<StreamCursor> AppendAsync(string stream, ReadOnlyMemory<byte> payload, StreamRetention retention,
        CancellationToken cancellationToken = default)
    {
        var ids = await AppendBatchAsync(stream, [payload], retention, cancellationToken).ConfigureAwait(false);
        return ids[0];
    }

    public ValueTask<IReadOnlyList<StreamCursor>> AppendBatchAsync(string stream, IReadOnlyList<ReadOnlyMemory<byte>> payloads,
        StreamRetention retention, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(payloads);
        cancellationToken.ThrowIfCancellationRequested();
        if (payloads.Count == 0) return ValueTask.FromResult<IReadOnlyList<StreamCursor>>([]);

        using var activity = EventLogTelemetry.StartAppend(MessagingSystem, stream, payloads.Count);
        var (traceParent, traceState) = EventLogTelemetry.CaptureTraceContext(activity);

        // Copy outside the lock: entries are immutable and own their bytes.
        var copies = new byte[payloads.Count][];
        for (var i = 0; i < copies.Length; i++) copies[i] = payloads[i].ToArray();

        var ids = new StreamCursor[copies.Length];
        List<TailWaiter>? waiters;
        while (true)
        {
            var state = _streams.GetOrAdd(stream, static _ => new InMemoryStream());
            lock (state.Gate)
            {
                if (state.Removed) continue; // deleted while we looked it up: use the stream that replaces it
                var nowMs = NowMilliseconds();
                for (var i = 0; i < copies.Length; i++)
                {
                    ids[i] = state.NextId(nowMs);
                    state.Add(new LogEntry(ids[i], copies[i], traceParent, traceState));
                }
                ApplyRetention(state, retention, nowMs);
                waiters = state.TakeWaiters();
            }
            break;
        }

        TailWaiter.WakeAll(waiters);
        EventLogTelemetry.EventsAppended.Add(copies.Length);
        return ValueTask.FromResult<IReadOnlyList<StreamCursor>>(ids);
    }

    public ValueTask<IReadOnlyList<LogEntry>> ReadAfterAsync(string stream, StreamCursor after, int maxCount,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_streams.TryGetValue(stream, out var state)) return ValueTask.FromResult<IReadOnlyList<LogEntry>>([]);
        lock (state.Gate) return ValueTask.FromResult<IReadOnlyList<LogEntry>>(state.ReadAfter(after, maxCount));
    }

    public ValueTask<LogEntry?> ReadLastAsync(string stream, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_streams.TryGetValue(stream, out var state)) return ValueTask.FromResult<LogEntry?>(null);
        lock (state.Gate) return ValueTask.FromResult(state.Last);
    }

    public async ValueTask<IReadOnlyList<StreamBatch>> TailAsync(IReadOnlyList<StreamPosition> positions, int maxCountPerStream,
        TimeSpan block, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        cancellationToken.ThrowIfCancellationRequested();
        var ready = ReadReady(positions, maxCountPerStream);
        if (ready.Count > 0 || block <= TimeSpan.Zero || positions.Count == 0) return ready;

        using var timeout = new CancellationTokenSource(block < MaxBlock ? block : MaxBlock, _time);
        var streams = new InMemoryStream[positions.Count];
        while (true)
        {
            var waiter = new TailWaiter();
            // Registering and checking happen under the same lock, so an append in between cannot be missed.
            var arrived = false;
            for (var i = 0; i < positions.Count; i++)
            {
                streams[i] = Register(positions[i], waiter, ref arrived);
            }

            if (!arrived)
            {
                using (timeout.Token.Register(static w => ((TailWaiter)w!).TrySetResult(), waiter))
                using (cancellationToken.Register(static w => ((TailWaiter)w!).TrySetResult(), waiter))
                {
                    await waiter.Task.ConfigureAwait(false);
                }
            }

            for (var i = 0; i < streams.Length; i++) Unregister(positions[i].Stream, streams[i], waiter);

            cancellationToken.ThrowIfCancellationRequested();
            ready = ReadReady(positions, maxCountPerStream);
            if (ready.Count > 0 || timeout.IsCancellationRequested) return ready;
            // Woken by an append that is not after a position (a cursor ahead of its stream) or by a DEL: wait again.
        }
    }

    public ValueTask<StreamMetadata?> GetMetadataAsync(string stream, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_streams.TryGetValue(stream, out var state)) return ValueTask.FromResult<StreamMetadata?>(null);
        lock (state.Gate) return ValueTask.FromResult(state.Metadata());
    }

    public ValueTask<CursorStatus> ClassifyAsync(string stream, StreamCursor cursor, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_streams.TryGetValue(stream, out var state))
            return ValueTask.FromResult(CursorClassifier.Classify(cursor, null, entryPresent: false));
        lock (state.Gate)
            return ValueTask.FromResult(CursorClassifier.Classify(cursor, state.Metadata(), state.Contains(cursor)));
    }

    public ValueTask<bool> DeleteAsync(string stream, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_streams.TryGetValue(stream, out var state)) return ValueTask.FromResult(false);
        bool existed;
        List<TailWaiter>? waiters;
        lock (state.Gate)
        {
            if (state.Removed) return ValueTask.FromResult(false);
            existed = state.Exists;
            waiters = state.Remove();
            _streams.TryRemove(KeyValuePair.Create(stream, state));
        }
        TailWaiter.WakeAll(waiters); // they look the stream up again and wait on its successor
        return ValueTask.FromResult(existed);
    }

    public ValueTask<long> TrimToLengthAsync(string stream, long maxLength, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_streams.TryGetValue(stream, out var state)) return ValueTask.FromResult(0L);
        lock (state.Gate) return ValueTask.FromResult(state.TrimToLength(maxLength));
    }

    public ValueTask<long> TrimBeforeAsync(string stream, StreamCursor minId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_streams.TryGetValue(stream, out var state)) return ValueTask.FromResult(0L);
        lock (state.Gate) return ValueTask.FromResult(state.TrimBefore(minId));
    }

    private static void ApplyRetention(InMemoryStream state, StreamRetention retention, ulong nowMs)
    {
        if (retention.HasMaxLength) state.TrimToLength(retention.MaxLength);
        if (retention.MaxAge is { } maxAge && maxAge > TimeSpan.Zero)
        {
            var ageMs = (ulong)Math.Min(maxAge.TotalMilliseconds, nowMs);
            state.TrimBefore(new StreamCursor(nowMs - ageMs, 0));
        }
    }

    private ulong NowMilliseconds() => (ulong)Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds());

    private InMemoryStream Register(StreamPosition position, TailWaiter waiter, ref bool arrived)
    {
        while (true)
        {
            // A tail may wait on a stream that does not exist yet (like XREAD BLOCK): it waits on a placeholder.
            var state = _streams.GetOrAdd(position.Stream, static _ => new InMemoryStream());
            lock (state.Gate)
            {
                if (state.Removed) continue;
                state.AddWaiter(waiter);
                arrived |= state.HasAfter(position.After);
                return state;
            }
        }
    }

    private void Unregister(string stream, InMemoryStream state, TailWaiter waiter)
    {
        lock (state.Gate)
        {
            state.RemoveWaiter(waiter);
            if (!state.IsUnusedPlaceholder) return;
            state.Remove(); // nobody waits on the missing stream any more: drop the placeholder
            _streams.TryRemove(KeyValuePair.Create(stream, state));
        }
    }

    private List<StreamBatch> ReadReady(IReadOnlyList<StreamPosition> positions, int maxCountPerStream)
    {
        List<StreamBatch>? batches = null;
        foreach (var position in positions)
        {
            if (!_streams.TryGetValue(position.Stream, out var state)) continue;
            LogEntry[] entries;
            bool gap;
            lock (state.Gate)
            {
                entries = state.ReadAfter(position.After, maxCountPerStream);
                gap = entries.Length > 0 && !state.Contains(position.After)
                    && CursorClassifier.Classify(position.After, state.Metadata(), entryPresent: false) == CursorStatus.Expired;
            }
            if (entries.Length > 0) (batches ??= []).Add(new StreamBatch(position.Stream, entries, gap));
        }
        return batches ?? [];
    }
}
