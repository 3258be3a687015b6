using Microsoft.Extensions.Logging.Abstractions;
using Yoi.EventLog;
using Yoi.EventLog.Memory;
using ConnectionFailureType = StackExchange.Redis.ConnectionFailureType;
using RedisConnectionException = StackExchange.Redis.RedisConnectionException;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;
using Yoi.Runtime.Streams;
using static Yoi.Tests.Runtime.RuntimeTestSupport;

namespace Yoi.Tests.Runtime;

/// <summary>The ordered appender: in order, retried, never duplicated, never dropped.</summary>
public sealed class OrderedEventAppenderTests
{
    /// <summary>An in-memory log whose appends fail on demand, optionally after storing part of the batch.</summary>
    private sealed class FlakyLog(InMemoryEventLog inner) : IEventLog
    {
        public int FailuresLeft;
        public int StoreBeforeFailing;
        public int ReadFailuresLeft;

        public ValueTask<StreamCursor> AppendAsync(string stream, ReadOnlyMemory<byte> payload, StreamRetention retention, CancellationToken cancellationToken = default) =>
            inner.AppendAsync(stream, payload, retention, cancellationToken);

        public async ValueTask<IReadOnlyList<StreamCursor>> AppendBatchAsync(string stream, IReadOnlyList<ReadOnlyMemory<byte>> payloads,
            StreamRetention retention, CancellationToken cancellationToken = default)
        {
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                // Redis executed part of the pipeline, then the connection died before the replies arrived.
                var stored = Math.Min(StoreBeforeFailing, payloads.Count);
                if (stored > 0) await inner.AppendBatchAsync(stream, payloads.Take(stored).ToList(), retention, cancellationToken);
                throw new RedisConnectionException(ConnectionFailureType.SocketClosed, StackExchange.Redis.CommandFlags.None, "connection lost", null, StackExchange.Redis.CommandStatus.Sent);
            }
            return await inner.AppendBatchAsync(stream, payloads, retention, cancellationToken);
        }

        public ValueTask<IReadOnlyList<LogEntry>> ReadAfterAsync(string stream, StreamCursor after, int maxCount, CancellationToken cancellationToken = default)
        {
            if (ReadFailuresLeft > 0)
            {
                ReadFailuresLeft--;
                throw new RedisConnectionException(ConnectionFailureType.SocketClosed, StackExchange.Redis.CommandFlags.None, "still down", null, StackExchange.Redis.CommandStatus.Sent);
            }
            return inner.ReadAfterAsync(stream, after, maxCount, cancellationToken);
        }

        public ValueTask<LogEntry?> ReadLastAsync(string stream, CancellationToken cancellationToken = default) => inner.ReadLastAsync(stream, cancellationToken);
        public ValueTask<IReadOnlyList<StreamBatch>> TailAsync(IReadOnlyList<StreamPosition> positions, int maxCountPerStream, TimeSpan block, CancellationToken cancellationToken = default) =>
            inner.TailAsync(positions, maxCountPerStream, block, cancellationToken);
        public ValueTask<StreamMetadata?> GetMetadataAsync(string stream, CancellationToken cancellationToken = default) => inner.GetMetadataAsync(stream, cancellationToken);
        public ValueTask<CursorStatus> ClassifyAsync(string stream, StreamCursor cursor, CancellationToken cancellationToken = default) => inner.ClassifyAsync(stream, cursor, cancellationToken);
        public ValueTask<bool> DeleteAsync(string stream, CancellationToken cancellationToken = default) => inner.DeleteAsync(stream, cancellationToken);
    }

    private static async Task EnqueueAsync(OrderedEventAppender appender, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            // Identical payloads on purpose: reconciliation must count positions, not look for unique text.
            var e = new TextDeltaEvent(i % 2 == 0 ? "same" : $"n{i}");
            await appender.EnqueueAsync(e, WorkerEventJson.SerializeToUtf8Bytes(e), default);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(1000)]
    public async Task A_batch_partly_stored_before_the_connection_died_is_completed_without_duplicates(int storedBeforeFailure)
    {
        var inner = new InMemoryEventLog();
        var log = new FlakyLog(inner) { FailuresLeft = 2, StoreBeforeFailing = storedBeforeFailure, ReadFailuresLeft = 1 };
        var outages = 0;
        var appender = new OrderedEventAppender(log, "s", "test", StreamRetention.Unbounded, TimeSpan.FromMinutes(1), NullLogger.Instance,
            onOutageLimit: () => outages++);
        await EnqueueAsync(appender, 0, 50);
        await appender.FlushAsync().WaitAsync(TimeSpan.FromSeconds(20), Ct);
        await EnqueueAsync(appender, 50, 10);
        await appender.DisposeAsync();

        var stored = await ReadEventsAsync(inner, "s");
        var expected = Enumerable.Range(0, 60).Select(i => new TextDeltaEvent(i % 2 == 0 ? "same" : $"n{i}"));
        Assert.Equal(expected, stored.Cast<TextDeltaEvent>());
        Assert.False(appender.InOutage);
        Assert.Equal(0, outages);
    }

    [Fact]
    public async Task An_outage_longer_than_the_limit_is_reported_once_and_nothing_is_dropped()
    {
        var inner = new InMemoryEventLog();
        var log = new FlakyLog(inner) { FailuresLeft = int.MaxValue };
        var outages = 0;
        var appender = new OrderedEventAppender(log, "s", "test", StreamRetention.Unbounded, TimeSpan.FromMilliseconds(200), NullLogger.Instance,
            onOutageLimit: () => Interlocked.Increment(ref outages));
        await EnqueueAsync(appender, 0, 5);
        await Eventually.ValueAsync(() => Volatile.Read(ref outages), n => n >= 1, "the outage limit to be reported");
        await Task.Delay(600, Ct); // three more limits pass while the log still fails: still reported once
        Assert.True(appender.InOutage);
        Assert.Equal(1, outages);
        log.FailuresLeft = 0;
        await appender.FlushAsync().WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.False(appender.InOutage);
        Assert.Equal(5, (await ReadAllAsync(inner, "s")).Count);
        await appender.DisposeAsync();
    }

    [Fact]
    public async Task Actions_run_after_the_events_queued_before_them_are_stored()
    {
        var log = new InMemoryEventLog();
        var appender = new OrderedEventAppender(log, "s", "test", StreamRetention.Unbounded, TimeSpan.FromMinutes(1), NullLogger.Instance);
        await EnqueueAsync(appender, 0, 3);
        StreamCursor? seen = null;
        await appender.EnqueueActionAsync("probe", (cursor, _) => { seen = cursor; return ValueTask.CompletedTask; });
        await appender.FlushAsync();
        Assert.Equal((await log.ReadLastAsync("s", Ct))!.Cursor, seen);
        await appender.DisposeAsync();
    }
}
