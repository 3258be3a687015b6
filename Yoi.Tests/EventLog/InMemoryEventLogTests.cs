using System.Text;
using Yoi.EventLog;
using Yoi.EventLog.Memory;
using Yoi.Protocol.Cursors;

namespace Yoi.Tests.EventLog;

/// <summary>What only the in-memory engine can show: ID generation against a clock the test controls, exact trims.</summary>
public sealed class InMemoryEventLogTests
{
    private const string Stream = "s";
    private readonly ManualTimeProvider _clock = new(1_700_000_000_000);
    private readonly InMemoryEventLog _log;

    public InMemoryEventLogTests() => _log = new InMemoryEventLog(_clock);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ValueTask<StreamCursor> Append(StreamRetention retention = default) =>
        _log.AppendAsync(Stream, Encoding.UTF8.GetBytes("{}"), retention, Ct);

    [Fact]
    public async Task Ids_take_the_clock_millisecond_and_restart_the_sequence_on_a_new_one()
    {
        Assert.Equal(new StreamCursor(1_700_000_000_000, 0), await Append());
        Assert.Equal(new StreamCursor(1_700_000_000_000, 1), await Append());
        _clock.UnixMilliseconds += 5;
        Assert.Equal(new StreamCursor(1_700_000_000_005, 0), await Append());
    }

    [Fact]
    public async Task Ids_still_increase_when_the_clock_goes_backwards()
    {
        Assert.Equal(new StreamCursor(1_700_000_000_000, 0), await Append());
        _clock.UnixMilliseconds -= 60_000;
        Assert.Equal(new StreamCursor(1_700_000_000_000, 1), await Append());
        Assert.Equal(new StreamCursor(1_700_000_000_000, 2), await Append());
        _clock.UnixMilliseconds += 60_001;
        Assert.Equal(new StreamCursor(1_700_000_000_001, 0), await Append());
    }

    [Fact]
    public async Task Many_appends_in_one_millisecond_count_up_the_sequence()
    {
        var ids = await _log.AppendBatchAsync(Stream, [.. Enumerable.Repeat<ReadOnlyMemory<byte>>(new byte[] { 1 }, 1000)],
            StreamRetention.Unbounded, Ct);
        for (var i = 0; i < 500; i++) ids = [.. ids, await Append()];
        Assert.Equal(Enumerable.Range(0, 1500).Select(i => new StreamCursor(1_700_000_000_000, (ulong)i)), ids);
    }

    [Fact]
    public async Task Max_length_trims_exactly()
    {
        for (var i = 0; i < 20; i++) await Append(new StreamRetention(7));
        var metadata = await _log.GetMetadataAsync(Stream, Ct);
        Assert.Equal(7, metadata!.Length);
        Assert.Equal(20, metadata.EntriesAdded);
        Assert.Equal(new StreamCursor(1_700_000_000_000, 13), metadata.FirstEntryId);
    }

    [Fact]
    public async Task Max_age_removes_ids_below_now_minus_age_exactly()
    {
        var at0 = await Append();
        _clock.UnixMilliseconds += 10;
        var at10 = await Append();
        _clock.UnixMilliseconds += 10;
        var at20 = await Append();
        _clock.UnixMilliseconds += 50; // now = t0 + 70, MINID = t0 + 20

        var at70 = await Append(new StreamRetention(0, TimeSpan.FromMilliseconds(50)));

        var entries = await _log.ReadAfterAsync(Stream, StreamCursor.Zero, 100, Ct);
        Assert.Equal([at20, at70], entries.Select(e => e.Cursor));
        Assert.Equal(CursorStatus.Expired, await _log.ClassifyAsync(Stream, at0, Ct));
        Assert.Equal(CursorStatus.Expired, await _log.ClassifyAsync(Stream, at10, Ct));
        Assert.Equal(CursorStatus.Retained, await _log.ClassifyAsync(Stream, at20, Ct));
    }

    [Fact]
    public async Task Payload_is_copied_on_append()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"n":1}""");
        await _log.AppendAsync(Stream, bytes, StreamRetention.Unbounded, Ct);
        bytes[5] = (byte)'9';
        var entry = await _log.ReadLastAsync(Stream, Ct);
        Assert.Equal("""{"n":1}""", Encoding.UTF8.GetString(entry!.Payload.Span));
    }

    [Fact]
    public async Task A_timed_out_tail_on_a_missing_stream_leaves_it_missing()
    {
        var batches = await _log.TailAsync([new("nothing", StreamCursor.Zero)], 10, TimeSpan.FromMilliseconds(20), Ct);
        Assert.Empty(batches);
        Assert.Null(await _log.GetMetadataAsync("nothing", Ct));
        Assert.Equal(CursorStatus.StreamMissing, await _log.ClassifyAsync("nothing", StreamCursor.Zero, Ct));
    }

    [Fact]
    public async Task A_tail_survives_delete_and_recreation_of_its_stream()
    {
        await Append();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var tail = _log.TailAsync([new(Stream, StreamCursor.Max)], 10, TimeSpan.FromSeconds(10), cts.Token).AsTask();
        Assert.True(await _log.DeleteAsync(Stream, Ct));
        _clock.UnixMilliseconds += 1;
        var id = await Append();
        var tailAtZero = await _log.TailAsync([new(Stream, StreamCursor.Zero)], 10, TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(id, Assert.Single(Assert.Single(tailAtZero).Entries).Cursor);
        Assert.False(tail.IsCompleted); // the first tail waits after Max: nothing can arrive there
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tail);
    }
}
