using System.Diagnostics;
using System.Text;
using Yoi.EventLog;
using Yoi.Protocol.Cursors;

namespace Yoi.Tests.EventLog;

/// <summary>
/// The one contract every <see cref="IEventLog"/> engine passes. Engines subclass it and supply the log
/// (which also implements <see cref="IEventLogTrimming"/>); every test uses its own stream names and depends on
/// no other test. Where Redis trims approximately (<c>MAXLEN ~</c>, <c>MINID ~</c> remove whole nodes of up to
/// 101 entries) the tests assert only the bound both engines keep.
/// </summary>
[Collection(EventLogContractCollection.Name)]
public abstract class EventLogContractTests
{
    /// <summary>How far an approximate trim may stay above its target: one Redis stream node.</summary>
    protected const int ApproximateTrimSlack = 101;

    protected abstract IEventLog Log { get; }

    /// <summary>A stream key unique to this test.</summary>
    protected abstract string NewStream(string name = "s");

    protected IEventLogTrimming Trimming => (IEventLogTrimming)Log;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static ReadOnlyMemory<byte> Json(string text) => Encoding.UTF8.GetBytes(text);

    protected static ReadOnlyMemory<byte> Numbered(int n) => Json($$"""{"n":{{n}}}""");

    protected static string Text(LogEntry entry) => Encoding.UTF8.GetString(entry.Payload.Span);

    protected async Task<IReadOnlyList<StreamCursor>> AppendNumbered(string stream, int count, StreamRetention? retention = null) =>
        await Log.AppendBatchAsync(stream, [.. Enumerable.Range(0, count).Select(Numbered)], retention ?? StreamRetention.Unbounded, Ct);

    protected async Task<IReadOnlyList<LogEntry>> ReadAll(string stream) =>
        await Log.ReadAfterAsync(stream, StreamCursor.Zero, int.MaxValue, Ct);

    // ---- append and read ----

    [Fact]
    public async Task Append_then_read_after_zero_returns_entries_in_order()
    {
        var stream = NewStream();
        var a = await Log.AppendAsync(stream, Json("""{"n":1}"""), StreamRetention.Unbounded, Ct);
        var b = await Log.AppendAsync(stream, Json("""{"n":2}"""), StreamRetention.Unbounded, Ct);
        Assert.True(b > a);
        var entries = await Log.ReadAfterAsync(stream, StreamCursor.Zero, 10, Ct);
        Assert.Equal([a, b], entries.Select(e => e.Cursor));
        Assert.Equal("""{"n":2}""", Text(entries[1]));
    }

    [Fact]
    public async Task Batch_append_returns_increasing_ids_stored_in_order_between_neighbours()
    {
        var stream = NewStream();
        var before = await Log.AppendAsync(stream, Json("""{"n":"before"}"""), StreamRetention.Unbounded, Ct);
        var batch = await AppendNumbered(stream, 5);
        var after = await Log.AppendAsync(stream, Json("""{"n":"after"}"""), StreamRetention.Unbounded, Ct);

        Assert.Equal(5, batch.Count);
        var entries = await ReadAll(stream);
        Assert.Equal([before, .. batch, after], entries.Select(e => e.Cursor));
        Assert.Equal(Enumerable.Range(0, 5).Select(n => $$"""{"n":{{n}}}"""), entries.Skip(1).Take(5).Select(Text));
    }

    [Fact]
    public async Task Concurrent_batches_are_each_stored_contiguously()
    {
        var stream = NewStream();
        var batches = await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var ids = new List<IReadOnlyList<StreamCursor>>();
            for (var round = 0; round < 10; round++) ids.Add(await AppendNumbered(stream, 8));
            return ids;
        }, Ct)));

        var position = (await ReadAll(stream)).Select((e, i) => (e.Cursor, i)).ToDictionary(p => p.Cursor, p => p.i);
        Assert.Equal(4 * 10 * 8, position.Count);
        foreach (var ids in batches.SelectMany(b => b))
        {
            var first = position[ids[0]];
            Assert.Equal(Enumerable.Range(first, ids.Count), ids.Select(id => position[id]));
        }
    }

    [Fact]
    public async Task Read_after_is_exclusive_of_its_start()
    {
        var stream = NewStream();
        var ids = await AppendNumbered(stream, 7);
        var entries = await Log.ReadAfterAsync(stream, ids[2], 100, Ct);
        Assert.Equal(ids.Skip(3), entries.Select(e => e.Cursor));
        Assert.Empty(await Log.ReadAfterAsync(stream, ids[^1], 100, Ct));
    }

    [Fact]
    public async Task Read_after_with_max_count_pages_to_the_end()
    {
        var stream = NewStream();
        var ids = await AppendNumbered(stream, 7);
        var seen = new List<StreamCursor>();
        var after = StreamCursor.Zero;
        var pages = 0;
        while (true)
        {
            var page = await Log.ReadAfterAsync(stream, after, 3, Ct);
            if (page.Count == 0) break;
            Assert.True(page.Count <= 3);
            seen.AddRange(page.Select(e => e.Cursor));
            after = page[^1].Cursor;
            pages++;
        }
        Assert.Equal(ids, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task Read_after_on_a_missing_stream_is_empty()
    {
        Assert.Empty(await Log.ReadAfterAsync(NewStream(), StreamCursor.Zero, 10, Ct));
    }

    [Fact]
    public async Task Read_last_on_a_missing_stream_is_null()
    {
        Assert.Null(await Log.ReadLastAsync(NewStream(), Ct));
    }

    [Fact]
    public async Task Read_last_on_an_emptied_stream_is_null()
    {
        var stream = NewStream();
        await AppendNumbered(stream, 3);
        await Trimming.TrimToLengthAsync(stream, 0, Ct);
        Assert.NotNull(await Log.GetMetadataAsync(stream, Ct)); // the stream still exists, like a trimmed Redis stream
        Assert.Null(await Log.ReadLastAsync(stream, Ct));
    }

    [Fact]
    public async Task Read_last_returns_the_newest_entry()
    {
        var stream = NewStream();
        var ids = await AppendNumbered(stream, 3);
        var last = await Log.ReadLastAsync(stream, Ct);
        Assert.NotNull(last);
        Assert.Equal(ids[2], last.Cursor);
        Assert.Equal("""{"n":2}""", Text(last));
    }

    [Fact]
    public async Task Ids_strictly_increase_under_eight_concurrent_appenders()
    {
        const int appenders = 8, each = 50;
        var stream = NewStream();
        var returned = await Task.WhenAll(Enumerable.Range(0, appenders).Select(worker => Task.Run(async () =>
        {
            var ids = new List<StreamCursor>(each);
            for (var i = 0; i < each; i++)
                ids.Add(await Log.AppendAsync(stream, Json($$"""{"w":{{worker}},"i":{{i}}}"""), StreamRetention.Unbounded, Ct));
            return ids;
        }, Ct)));

        foreach (var ids in returned)
            Assert.True(ids.Zip(ids.Skip(1)).All(p => p.First < p.Second), "one appender's IDs must increase in call order");

        var stored = await ReadAll(stream);
        Assert.Equal(appenders * each, stored.Count);
        Assert.True(stored.Zip(stored.Skip(1)).All(p => p.First.Cursor < p.Second.Cursor), "stored IDs must strictly increase");
        Assert.Equal(returned.SelectMany(ids => ids).Order(), stored.Select(e => e.Cursor));
        // Each appender's events are stored in its call order.
        var byId = stored.ToDictionary(e => e.Cursor, Text);
        for (var w = 0; w < appenders; w++)
            Assert.Equal(Enumerable.Range(0, each).Select(i => $$"""{"w":{{w}},"i":{{i}}}"""), returned[w].Select(id => byId[id]));
    }

    [Fact]
    public async Task Payload_is_returned_byte_for_byte()
    {
        var stream = NewStream();
        var payload = Json("""{"event":"text_delta","data":{"text":"héllo \u2603 \"q\""}}""");
        var id = await Log.AppendAsync(stream, payload, StreamRetention.Unbounded, Ct);
        var entry = Assert.Single(await ReadAll(stream));
        Assert.Equal(id, entry.Cursor);
        Assert.Equal(payload.ToArray(), entry.Payload.ToArray());
    }

    // ---- retention ----

    [Fact]
    public async Task Max_length_retention_keeps_a_bounded_newest_suffix()
    {
        const int maxLength = 10;
        var stream = NewStream();
        var ids = await AppendNumbered(stream, 300, new StreamRetention(maxLength));

        var entries = await ReadAll(stream);
        Assert.InRange(entries.Count, maxLength, maxLength + ApproximateTrimSlack);
        Assert.Equal(ids.Skip(ids.Count - entries.Count), entries.Select(e => e.Cursor));
        var metadata = await Log.GetMetadataAsync(stream, Ct);
        Assert.NotNull(metadata);
        Assert.Equal(300, metadata.EntriesAdded);
        Assert.Equal(entries.Count, metadata.Length);
    }

    [Fact]
    public async Task Max_age_retention_trims_entries_older_than_the_age()
    {
        var stream = NewStream();
        var old = await AppendNumbered(stream, 250);
        await Task.Delay(150, Ct);
        var fresh = await Log.AppendAsync(stream, Json("""{"n":"fresh"}"""), new StreamRetention(0, TimeSpan.FromMilliseconds(50)), Ct);

        var entries = await ReadAll(stream);
        Assert.Equal(fresh, entries[^1].Cursor);
        Assert.InRange(entries.Count, 1, 1 + ApproximateTrimSlack);
        Assert.Equal(old.Skip(old.Count - (entries.Count - 1)), entries.SkipLast(1).Select(e => e.Cursor));
        Assert.Equal(251, (await Log.GetMetadataAsync(stream, Ct))!.EntriesAdded);
    }

    [Fact]
    public async Task Max_age_retention_keeps_entries_younger_than_the_age()
    {
        var stream = NewStream();
        var ids = await AppendNumbered(stream, 3, new StreamRetention(0, TimeSpan.FromMinutes(10)));
        var more = await AppendNumbered(stream, 2, new StreamRetention(0, TimeSpan.FromMinutes(10)));
        Assert.Equal([.. ids, .. more], (await ReadAll(stream)).Select(e => e.Cursor));
    }

    // ---- trace context ----

    [Fact]
    public async Task Without_an_activity_no_trace_context_is_stored()
    {
        Activity.Current = null;
        var stream = NewStream();
        await Log.AppendAsync(stream, Json("{}"), StreamRetention.Unbounded, Ct);
        var entry = Assert.Single(await ReadAll(stream));
        Assert.Null(entry.TraceParent);
        Assert.Null(entry.TraceState);
    }

    [Fact]
    public async Task Append_stores_the_current_activity_context_when_the_event_log_is_not_traced()
    {
        using var source = new ActivitySource($"Yoi.Tests.EventLog.{Guid.NewGuid():N}");
        using var listener = Listen(source.Name);
        var stream = NewStream();

        using (var parent = source.StartActivity("parent"))
        {
            Assert.NotNull(parent);
            parent.TraceStateString = "yoi=1,vendor=x";
            await Log.AppendAsync(stream, Json("{}"), StreamRetention.Unbounded, Ct);

            var entry = Assert.Single(await ReadAll(stream));
            Assert.Equal(parent.Id, entry.TraceParent);
            Assert.Equal("yoi=1,vendor=x", entry.TraceState);
        }
    }

    [Fact]
    public async Task Append_stores_the_producer_span_context_in_the_parent_trace()
    {
        using var source = new ActivitySource($"Yoi.Tests.EventLog.{Guid.NewGuid():N}");
        var producers = new List<Activity>();
        using var listener = Listen(source.Name, EventLogTelemetry.SourceName);
        listener.ActivityStarted = a =>
        {
            if (a.Source.Name == EventLogTelemetry.SourceName) lock (producers) producers.Add(a);
        };
        var stream = NewStream();

        using var parent = source.StartActivity("parent");
        Assert.NotNull(parent);
        parent.TraceStateString = "yoi=1";
        await Log.AppendAsync(stream, Json("""{"n":"single"}"""), StreamRetention.Unbounded, Ct);
        await AppendNumbered(stream, 3);

        Activity[] mine;
        lock (producers) mine = [.. producers.Where(p => p.TraceId == parent.TraceId)];
        Assert.Equal(2, mine.Length);
        Assert.All(mine, p => Assert.Equal(ActivityKind.Producer, p.Kind));
        Assert.All(mine, p => Assert.Equal(parent.SpanId, p.ParentSpanId));

        var entries = await ReadAll(stream);
        Assert.Equal(4, entries.Count);
        Assert.Equal(mine[0].Id, entries[0].TraceParent);
        Assert.All(entries.Skip(1), e => Assert.Equal(mine[1].Id, e.TraceParent)); // one span for the whole batch
        Assert.All(entries, e => Assert.StartsWith($"00-{parent.TraceId}-", e.TraceParent));
        Assert.All(entries, e => Assert.Equal("yoi=1", e.TraceState));
    }

    private static ActivityListener Listen(params string[] sources)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => sources.Contains(s.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    // ---- metadata and explicit trimming ----

    [Fact]
    public async Task Metadata_of_a_missing_stream_is_null()
    {
        Assert.Null(await Log.GetMetadataAsync(NewStream(), Ct));
    }

    [Fact]
    public async Task Metadata_follows_appends()
    {
        var stream = NewStream();
        var ids = await AppendNumbered(stream, 5);
        Assert.Equal(new StreamMetadata(5, ids[4], StreamCursor.Zero, ids[0], ids[4], 5), await Log.GetMetadataAsync(stream, Ct));
    }

    [Fact]
    public async Task Metadata_follows_trims_and_never_goes_back()
    {
        var stream = NewStream();
        var ids = await AppendNumbered(stream, 5);

        Assert.Equal(2, await Trimming.TrimToLengthAsync(stream, 3, Ct));
        // Like Redis: trimming shows as entries-added above length and a moved first entry; max-deleted-entry-id
        // moves only on XDEL.
        Assert.Equal(new StreamMetadata(3, ids[4], StreamCursor.Zero, ids[2], ids[4], 5), await Log.GetMetadataAsync(stream, Ct));

        Assert.Equal(2, await Trimming.TrimBeforeAsync(stream, ids[4], Ct));
        Assert.Equal(new StreamMetadata(1, ids[4], StreamCursor.Zero, ids[4], ids[4], 5), await Log.GetMetadataAsync(stream, Ct));

        Assert.Equal(0, await Trimming.TrimBeforeAsync(stream, ids[4], Ct));
        Assert.Equal(1, await Trimming.TrimToLengthAsync(stream, 0, Ct));
        Assert.Equal(new StreamMetadata(0, ids[4], StreamCursor.Zero, null, null, 5), await Log.GetMetadataAsync(stream, Ct));

        var next = await Log.AppendAsync(stream, Json("{}"), StreamRetention.Unbounded, Ct);
        Assert.True(next > ids[4], "IDs are never reused after trimming");
        Assert.Equal(new StreamMetadata(1, next, StreamCursor.Zero, next, next, 6), await Log.GetMetadataAsync(stream, Ct));
    }

    [Fact]
    public async Task Trimming_a_missing_stream_removes_nothing()
    {
        var stream = NewStream();
        Assert.Equal(0, await Trimming.TrimToLengthAsync(stream, 0, Ct));
        Assert.Equal(0, await Trimming.TrimBeforeAsync(stream, StreamCursor.Max, Ct));
        Assert.Null(await Log.GetMetadataAsync(stream, Ct));
    }

    [Fact]
    public async Task Delete_removes_entries_and_metadata()
    {
        var stream = NewStream();
        await AppendNumbered(stream, 3);
        Assert.True(await Log.DeleteAsync(stream, Ct));
        Assert.Null(await Log.GetMetadataAsync(stream, Ct));
        Assert.Null(await Log.ReadLastAsync(stream, Ct));
        Assert.Empty(await ReadAll(stream));
        Assert.Equal(CursorStatus.StreamMissing, await Log.ClassifyAsync(stream, StreamCursor.Zero, Ct));
        Assert.False(await Log.DeleteAsync(stream, Ct));

        await Log.AppendAsync(stream, Json("{}"), StreamRetention.Unbounded, Ct);
        Assert.Equal(1, (await Log.GetMetadataAsync(stream, Ct))!.EntriesAdded); // a new stream, like XADD after DEL
    }

    // ---- tail ----

    [Fact]
    public async Task Tail_returns_what_is_already_after_each_position_without_waiting()
    {
        string s1 = NewStream("a"), s2 = NewStream("b"), s3 = NewStream("c");
        var start1 = (await AppendNumbered(s1, 1))[0];
        var start2 = (await AppendNumbered(s2, 1))[0];
        var start3 = (await AppendNumbered(s3, 1))[0];
        var new1 = await AppendNumbered(s1, 3);
        var new3 = await AppendNumbered(s3, 1);

        var started = Stopwatch.StartNew();
        var batches = await Log.TailAsync(
            [new(s1, start1), new(s2, start2), new(s3, start3)], 2, TimeSpan.FromSeconds(10), Ct);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), "entries were there: no wait");

        Assert.Equal(2, batches.Count);
        var b1 = Assert.Single(batches, b => b.Stream == s1);
        Assert.Equal(new1.Take(2), b1.Entries.Select(e => e.Cursor)); // at most maxCountPerStream, oldest first
        var b3 = Assert.Single(batches, b => b.Stream == s3);
        Assert.Equal(new3, b3.Entries.Select(e => e.Cursor));
    }

    [Fact]
    public async Task Tail_without_block_returns_empty_at_once()
    {
        var stream = NewStream();
        var last = (await AppendNumbered(stream, 1))[0];
        Assert.Empty(await Log.TailAsync([new(stream, last)], 10, TimeSpan.Zero, Ct));
    }

    [Fact]
    public async Task Tail_times_out_empty()
    {
        var stream = NewStream();
        var last = (await AppendNumbered(stream, 1))[0];
        var started = Stopwatch.StartNew();
        var batches = await Log.TailAsync([new(stream, last)], 10, TimeSpan.FromMilliseconds(300), Ct);
        Assert.Empty(batches);
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Tail_is_woken_by_an_append_to_any_of_its_streams()
    {
        string s1 = NewStream("a"), s2 = NewStream("b");
        var start1 = (await AppendNumbered(s1, 1))[0];
        var start2 = (await AppendNumbered(s2, 1))[0];

        var started = Stopwatch.StartNew();
        var tail = Log.TailAsync([new(s1, start1), new(s2, start2)], 10, TimeSpan.FromSeconds(10), Ct).AsTask();
        await Task.Delay(100, Ct);
        var appended = await Log.AppendAsync(s2, Json("""{"n":"late"}"""), StreamRetention.Unbounded, Ct);

        var batch = Assert.Single(await tail);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(s2, batch.Stream);
        Assert.Equal(appended, Assert.Single(batch.Entries).Cursor);
    }

    [Fact]
    public async Task Tail_is_woken_by_a_batch_and_returns_it_from_the_start()
    {
        var stream = NewStream();
        var start = (await AppendNumbered(stream, 1))[0];

        var tail = Log.TailAsync([new(stream, start)], 10, TimeSpan.FromSeconds(10), Ct).AsTask();
        await Task.Delay(100, Ct);
        var ids = await AppendNumbered(stream, 3);

        var batch = Assert.Single(await tail);
        Assert.NotEmpty(batch.Entries);
        Assert.Equal(ids.Take(batch.Entries.Count), batch.Entries.Select(e => e.Cursor)); // a prefix, in order, nothing lost
    }

    [Fact]
    public async Task Tail_on_a_missing_stream_is_woken_by_its_first_append()
    {
        var stream = NewStream();
        var tail = Log.TailAsync([new(stream, StreamCursor.Zero)], 10, TimeSpan.FromSeconds(10), Ct).AsTask();
        await Task.Delay(100, Ct);
        var id = await Log.AppendAsync(stream, Json("{}"), StreamRetention.Unbounded, Ct);

        var batch = Assert.Single(await tail);
        Assert.Equal(id, Assert.Single(batch.Entries).Cursor);
    }

    [Fact]
    public async Task Tail_cancellation_throws_promptly()
    {
        var stream = NewStream();
        var last = (await AppendNumbered(stream, 1))[0];
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var started = Stopwatch.StartNew();
        var tail = Log.TailAsync([new(stream, last)], 10, TimeSpan.FromSeconds(30), cts.Token).AsTask();
        await Task.Delay(100, Ct);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tail);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(1), $"cancellation took {started.Elapsed}");
    }

    // ---- cursor classification (cursor rules 2-4 of docs/protocol.md) ----

    [Fact]
    public async Task Classify_the_last_entry_is_retained()
    {
        var stream = NewStream();
        var ids = await AppendNumbered(stream, 3);
        Assert.Equal(CursorStatus.Retained, await Log.ClassifyAsync(stream, ids[2], Ct));
    }

    [Fact]
    public async Task Classify_an_entry_in_the_middle_is_retained()
    {
        var stream = NewStream();
        var ids = await AppendNumbered(stream, 3);
        Assert.Equal(CursorStatus.Retained, await Log.ClassifyAsync(stream, ids[1], Ct));
    }

    [Fact]
    public async Task Classify_zero_on_an_untrimmed_stream_is_retained()
    {
        var stream = NewStream();
        await AppendNumbered(stream, 3);
        Assert.Equal(CursorStatus.Retained, await Log.ClassifyAsync(stream, StreamCursor.Zero, Ct));
    }

    [Fact]
    public async Task Tail_marks_a_gap_when_retention_removed_entries_after_the_position_before_they_were_read()
    {
        var stream = NewStream();
        var ids = await AppendNumbered(stream, 5);
        var contiguous = Assert.Single(await Log.TailAsync([new(stream, ids[1])], 10, TimeSpan.Zero, Ct));
        Assert.False(contiguous.Gap);
        Assert.Equal(ids.Skip(2), contiguous.Entries.Select(e => e.Cursor));

        await Trimming.TrimToLengthAsync(stream, 2, Ct); // ids[0..2] gone: after ids[1], ids[2] was never read
        var gap = Assert.Single(await Log.TailAsync([new(stream, ids[1])], 10, TimeSpan.FromSeconds(5), Ct));
        Assert.True(gap.Gap);
        Assert.Equal(ids.Skip(3), gap.Entries.Select(e => e.Cursor));

        var fromStart = Assert.Single(await Log.TailAsync([new(stream, StreamCursor.Zero)], 10, TimeSpan.Zero, Ct));
        Assert.True(fromStart.Gap);
        var fresh = NewStream();
        var first = await AppendNumbered(fresh, 2);
        Assert.False(Assert.Single(await Log.TailAsync([new(fresh, StreamCursor.Zero)], 10, TimeSpan.Zero, Ct)).Gap);
        Assert.Equal(first, (await Log.TailAsync([new(fresh, StreamCursor.Zero)], 10, TimeSpan.Zero, Ct))[0].Entries.Select(e => e.Cursor));
    }

    [Fact]
    public async Task Classify_zero_after_a_trim_is_expired()
    {
        var stream = NewStream();
        await AppendNumbered(stream, 3);
        await Trimming.TrimToLengthAsync(stream, 1, Ct);
        Assert.Equal(CursorStatus.Expired, await Log.ClassifyAsync(stream, StreamCursor.Zero, Ct));
    }

    [Fact]
    public async Task Classify_the_last_entry_trimmed_by_count_is_expired()
    {
        var stream = NewStream();
        var ids = await AppendNumbered(stream, 5);
        await Trimming.TrimToLengthAsync(stream, 2, Ct);
        Assert.Equal(CursorStatus.Expired, await Log.ClassifyAsync(stream, ids[2], Ct));
    }

    [Fact]
    public async Task Classify_an_entry_trimmed_by_min_id_is_expired()
    {
        var stream = NewStream();
        var ids = await AppendNumbered(stream, 5);
        await Trimming.TrimBeforeAsync(stream, ids[3], Ct);
        Assert.Equal(CursorStatus.Expired, await Log.ClassifyAsync(stream, ids[1], Ct));
    }

    [Fact]
    public async Task Classify_the_last_generated_id_of_an_emptied_stream_is_retained()
    {
        // Nothing after it was ever appended, so nothing was missed: resume exactly.
        var stream = NewStream();
        var ids = await AppendNumbered(stream, 3);
        await Trimming.TrimToLengthAsync(stream, 0, Ct);
        Assert.Equal(CursorStatus.Retained, await Log.ClassifyAsync(stream, ids[2], Ct));
        Assert.Equal(CursorStatus.Expired, await Log.ClassifyAsync(stream, ids[1], Ct));
    }

    [Fact]
    public async Task Classify_an_id_between_two_retained_entries_that_never_existed_is_unknown()
    {
        var stream = NewStream();
        var a = await Log.AppendAsync(stream, Json("{}"), StreamRetention.Unbounded, Ct);
        await Task.Delay(5, Ct);
        var b = await Log.AppendAsync(stream, Json("{}"), StreamRetention.Unbounded, Ct);
        Assert.True(b.Milliseconds > a.Milliseconds, "the two entries need a gap between them");

        var between = a.Successor();
        Assert.True(between > a && between < b);
        Assert.Equal(CursorStatus.Unknown, await Log.ClassifyAsync(stream, between, Ct));
    }

    [Fact]
    public async Task Classify_an_id_ahead_of_the_stream_is_unknown()
    {
        var stream = NewStream();
        var ids = await AppendNumbered(stream, 3);
        Assert.Equal(CursorStatus.Unknown, await Log.ClassifyAsync(stream, ids[2].Successor(), Ct));
        Assert.Equal(CursorStatus.Unknown, await Log.ClassifyAsync(stream, new StreamCursor(ids[2].Milliseconds + 60_000, 0), Ct));
    }

    [Fact]
    public async Task Classify_another_streams_id_is_unknown()
    {
        string mine = NewStream("mine"), other = NewStream("other");
        var a0 = await Log.AppendAsync(mine, Json("{}"), StreamRetention.Unbounded, Ct);
        await Task.Delay(5, Ct);
        var foreign = await Log.AppendAsync(other, Json("{}"), StreamRetention.Unbounded, Ct);
        await Task.Delay(5, Ct);
        var a1 = await Log.AppendAsync(mine, Json("{}"), StreamRetention.Unbounded, Ct);
        Assert.True(foreign > a0 && foreign < a1, "the other stream's ID must fall inside this stream's range");

        Assert.Equal(CursorStatus.Unknown, await Log.ClassifyAsync(mine, foreign, Ct));
        Assert.Equal(CursorStatus.Retained, await Log.ClassifyAsync(other, foreign, Ct));
    }

    [Fact]
    public async Task Classify_on_a_missing_stream_is_stream_missing()
    {
        Assert.Equal(CursorStatus.StreamMissing, await Log.ClassifyAsync(NewStream(), new StreamCursor(1, 0), Ct));
    }

    [Fact]
    public async Task Classify_an_id_below_the_first_entry_of_a_never_trimmed_stream_is_unknown()
    {
        var stream = NewStream();
        var ids = await AppendNumbered(stream, 3);
        var below = new StreamCursor(ids[0].Milliseconds - 1, 7);
        Assert.Equal(CursorStatus.Unknown, await Log.ClassifyAsync(stream, below, Ct));
    }
}
