using System.Diagnostics;
using System.Text;
using StackExchange.Redis;
using Yoi.EventLog;
using Yoi.EventLog.Redis;
using Yoi.Protocol.Cursors;
using Yoi.Tests.Telemetry;

namespace Yoi.Tests.EventLog.Redis;

/// <summary>Redis-specific behaviour of <see cref="RedisEventLog"/> beyond the shared contract.</summary>
[Collection(EventLogContractCollection.Name)]
public sealed class RedisEventLogTests(RedisServerFixture redis)
{
    private readonly string _prefix = RedisServerFixture.NewKeyPrefix();
    private readonly RedisEventLog _log = new(redis.Multiplexer);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static ReadOnlyMemory<byte> Json(int n) => Encoding.UTF8.GetBytes($$"""{"n":{{n}}}""");

    /// <summary>The event log's spans sampled, under a W3C parent with a trace state, as in a traced Runtime.</summary>
    private sealed class TracedProducer : IDisposable
    {
        private readonly SpanRecorder _recorder = new(EventLogTelemetry.SourceName);

        public TracedProducer()
        {
            Parent = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
            Parent.TraceStateString = "k=v";
        }

        public Activity Parent { get; }

        public void Dispose()
        {
            Parent.Dispose();
            _recorder.Dispose();
        }
    }

    [Fact]
    public async Task Append_stores_payload_and_the_producer_trace_context_as_entry_fields()
    {
        using var producer = new TracedProducer();
        var parent = producer.Parent;
        var stream = _prefix + "trace";
        var id = await _log.AppendAsync(stream, Json(1), StreamRetention.Unbounded, Ct);

        var raw = Assert.Single(await redis.Multiplexer.GetDatabase().StreamRangeAsync(stream));
        Assert.Equal(id.ToString(), (string?)raw.Id);
        Assert.Equal(["payload", "traceparent", "tracestate", "prev"], raw.Values.Select(f => (string?)f.Name));
        var entry = Assert.Single(await _log.ReadAfterAsync(stream, StreamCursor.Zero, 10, Ct));
        Assert.StartsWith($"00-{parent.TraceId}-", entry.TraceParent);
        Assert.DoesNotContain(parent.SpanId.ToString(), entry.TraceParent); // the producer span's, not the parent's
        Assert.Equal("k=v", entry.TraceState);
    }

    [Fact]
    public async Task Batch_append_stores_the_trace_context_on_every_entry()
    {
        using var producer = new TracedProducer();
        var parent = producer.Parent;
        var stream = _prefix + "batch-trace";
        await _log.AppendBatchAsync(stream, [Json(1), Json(2), Json(3)], StreamRetention.Unbounded, Ct);

        var entries = await _log.ReadAfterAsync(stream, StreamCursor.Zero, 10, Ct);
        Assert.Equal(3, entries.Count);
        Assert.All(entries, e => Assert.StartsWith($"00-{parent.TraceId}-", e.TraceParent));
        Assert.All(entries, e => Assert.Equal("k=v", e.TraceState));
    }

    [Fact]
    public async Task Append_without_an_activity_stores_only_the_payload()
    {
        Activity.Current = null;
        var stream = _prefix + "plain";
        await _log.AppendAsync(stream, Json(1), StreamRetention.Unbounded, Ct);
        var raw = Assert.Single(await redis.Multiplexer.GetDatabase().StreamRangeAsync(stream));
        Assert.Equal(["payload", "prev"], raw.Values.Select(f => (string?)f.Name));
    }

    [Fact]
    public async Task Batch_append_names_the_entry_before_the_batch_on_its_first_entry_only()
    {
        Activity.Current = null;
        var stream = _prefix + "prev";
        var first = await _log.AppendAsync(stream, Json(1), StreamRetention.Unbounded, Ct);
        var batch = await _log.AppendBatchAsync(stream, [Json(2), Json(3), Json(4)], StreamRetention.Unbounded, Ct);
        var raw = await redis.Multiplexer.GetDatabase().StreamRangeAsync(stream);
        Assert.Equal(["0-0", first.ToString(), null, null], raw.Select(e => (string?)e["prev"]));
        Assert.Equal(["payload"], raw[^1].Values.Select(f => (string?)f.Name));
        Assert.Equal(batch, raw.Skip(1).Select(e => StreamCursor.Parse((string)e.Id!)));
    }

    [Fact]
    public async Task Batch_append_gives_consecutive_sequences_of_one_millisecond_even_when_it_takes_longer()
    {
        var stream = _prefix + "consecutive";
        await _log.AppendAsync(stream, Json(0), StreamRetention.Unbounded, Ct);
        // Several milliseconds of XADDs in one script: Redis's clock moves on while it runs.
        var ids = await _log.AppendBatchAsync(stream, [.. Enumerable.Range(1, 5_000).Select(Json)], StreamRetention.Unbounded, Ct);
        var stored = (await redis.Multiplexer.GetDatabase().StreamRangeAsync(stream)).Skip(1).Select(e => StreamCursor.Parse((string)e.Id!)).ToList();
        Assert.Equal(ids, stored);
        Assert.All(ids, id => Assert.Equal(ids[0].Milliseconds, id.Milliseconds));
        Assert.Equal(Enumerable.Range(0, 5_000).Select(i => ids[0].Sequence + (ulong)i), ids.Select(id => id.Sequence));
    }

    [Fact]
    public async Task Batch_append_is_contiguous_and_ordered_while_other_appends_interleave()
    {
        var stream = _prefix + "batch";
        var batch = _log.AppendBatchAsync(stream, [.. Enumerable.Range(0, 50).Select(Json)], StreamRetention.Unbounded, Ct).AsTask();
        var singles = Enumerable.Range(100, 20).Select(i => _log.AppendAsync(stream, Json(i), StreamRetention.Unbounded, Ct).AsTask());
        await Task.WhenAll(singles);
        var batchIds = await batch;
        var entries = await _log.ReadAfterAsync(stream, StreamCursor.Zero, 1000, Ct);
        var ids = entries.Select(e => e.Cursor).ToList();
        Assert.Equal(70, ids.Count);
        var start = ids.IndexOf(batchIds[0]);
        Assert.Equal(batchIds, ids.Skip(start).Take(50));
    }

    [Fact]
    public async Task Max_length_retention_trims_and_a_trimmed_cursor_is_expired()
    {
        var stream = _prefix + "maxlen";
        var first = await _log.AppendAsync(stream, Json(0), StreamRetention.Unbounded, Ct);
        // MAXLEN ~ trims whole radix-tree nodes (100 entries by default): append enough to drop the first node.
        await _log.AppendBatchAsync(stream, [.. Enumerable.Range(1, 400).Select(Json)], new StreamRetention(50), Ct);
        var metadata = await _log.GetMetadataAsync(stream, Ct);
        Assert.NotNull(metadata);
        Assert.True(metadata.Length < 401);
        Assert.Equal(CursorStatus.Expired, await _log.ClassifyAsync(stream, first, Ct));
        Assert.Equal(CursorStatus.Expired, await _log.ClassifyAsync(stream, StreamCursor.Zero, Ct));
        Assert.Equal(CursorStatus.Retained, await _log.ClassifyAsync(stream, metadata.LastEntryId!.Value, Ct));
    }

    [Fact]
    public async Task Max_age_retention_removes_entries_older_than_the_age()
    {
        var stream = _prefix + "age";
        var old = await _log.AppendAsync(stream, Json(0), StreamRetention.Unbounded, Ct);
        await Task.Delay(1100, Ct);
        // MaxLength and MaxAge together: the append script trims by MAXLEN ~ and by MINID ~.
        var fresh = await _log.AppendAsync(stream, Json(1), new StreamRetention(1000, TimeSpan.FromSeconds(1)), Ct);
        var ageOnly = await _log.AppendAsync(stream, Json(2), new StreamRetention(0, TimeSpan.FromSeconds(1)), Ct);
        var entries = await _log.ReadAfterAsync(stream, StreamCursor.Zero, 10, Ct);
        // MINID ~ may keep a partially covered node; exact trimming is checked through the classification.
        Assert.Contains(fresh, entries.Select(e => e.Cursor));
        Assert.Contains(ageOnly, entries.Select(e => e.Cursor));
        var metadata = await _log.GetMetadataAsync(stream, Ct);
        Assert.Equal(3, metadata!.EntriesAdded);
        Assert.True(old < fresh);
    }

    [Fact]
    public async Task Classify_distinguishes_retained_unknown_ahead_and_missing_stream()
    {
        var stream = _prefix + "classify";
        Assert.Equal(CursorStatus.StreamMissing, await _log.ClassifyAsync(stream, new StreamCursor(1, 0), Ct));
        Assert.Null(await _log.GetMetadataAsync(stream, Ct));
        var a = await _log.AppendAsync(stream, Json(1), StreamRetention.Unbounded, Ct);
        var b = await _log.AppendAsync(stream, Json(2), StreamRetention.Unbounded, Ct);
        Assert.Equal(CursorStatus.Retained, await _log.ClassifyAsync(stream, a, Ct));
        Assert.Equal(CursorStatus.Retained, await _log.ClassifyAsync(stream, StreamCursor.Zero, Ct));
        Assert.Equal(CursorStatus.Unknown, await _log.ClassifyAsync(stream, b.Successor(), Ct));
        // Before the first entry of a stream that was never trimmed: never one of its IDs.
        Assert.Equal(CursorStatus.Unknown, await _log.ClassifyAsync(stream, new StreamCursor(1, 0), Ct));
    }

    [Fact]
    public async Task Tail_wakes_on_append_to_any_position_and_cancellation_throws_promptly()
    {
        var s1 = _prefix + "t1";
        var s2 = _prefix + "t2";
        var tail = _log.TailAsync([new(s1, StreamCursor.Zero), new(s2, StreamCursor.Zero)], 10, TimeSpan.FromSeconds(10), Ct).AsTask();
        await Task.Delay(100, Ct);
        var id = await _log.AppendAsync(s2, Json(7), StreamRetention.Unbounded, Ct);
        var batch = Assert.Single(await tail.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal(s2, batch.Stream);
        Assert.Equal(id, Assert.Single(batch.Entries).Cursor);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var waiting = _log.TailAsync([new(s2, id)], 10, TimeSpan.FromSeconds(30), cts.Token).AsTask();
        await Task.Delay(100, Ct);
        var watch = Stopwatch.StartNew();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}"); // the block was 30 s
    }

    [Fact]
    public async Task Tail_with_zero_block_is_a_non_blocking_read()
    {
        var watch = Stopwatch.StartNew();
        Assert.Empty(await _log.TailAsync([new(_prefix + "none", StreamCursor.Zero)], 10, TimeSpan.Zero, Ct));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Read_last_and_delete()
    {
        var stream = _prefix + "last";
        Assert.Null(await _log.ReadLastAsync(stream, Ct));
        await _log.AppendAsync(stream, Json(1), StreamRetention.Unbounded, Ct);
        var b = await _log.AppendAsync(stream, Json(2), StreamRetention.Unbounded, Ct);
        Assert.Equal(b, (await _log.ReadLastAsync(stream, Ct))!.Cursor);
        Assert.Empty(await _log.ReadAfterAsync(stream, StreamCursor.Max, 10, Ct));
        Assert.True(await _log.DeleteAsync(stream, Ct));
        Assert.False(await _log.DeleteAsync(stream, Ct));
    }

    [Fact]
    public async Task Tail_holds_no_connection_of_its_own_while_many_tails_wait()
    {
        await using var own = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var log = new RedisEventLog(own);
        var before = await RedisServerFixture.ConnectedClientsAsync(redis.Multiplexer);
        var streams = Enumerable.Range(0, 20).Select(i => $"{_prefix}many:{i}").ToArray();
        var tails = streams.Select(s => log.TailAsync([new(s, StreamCursor.Zero)], 10, TimeSpan.FromSeconds(20), Ct).AsTask()).ToArray();
        await Task.Delay(200, Ct);
        Assert.Equal(before, await RedisServerFixture.ConnectedClientsAsync(redis.Multiplexer));
        foreach (var s in streams) await _log.AppendAsync(s, Json(1), StreamRetention.Unbounded, Ct);
        foreach (var tail in tails) Assert.Single(Assert.Single(await tail.WaitAsync(TimeSpan.FromSeconds(10), Ct)).Entries);
    }
}
