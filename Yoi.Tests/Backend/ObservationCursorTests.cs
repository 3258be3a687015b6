using Yoi.EventLog;
using Yoi.EventLog.Redis;
using Yoi.Protocol;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.Backend;

/// <summary>The cursor rules 1-10 of docs/protocol.md, each against a real backend, a real redis-server and real sockets.</summary>
public sealed class ObservationCursorTests(RedisServerFixture redis) : IAsyncLifetime
{
    private FakeRuntime _runtime = null!;
    private BackendHost _host = null!;
    private string _prefix = "";

    public async ValueTask InitializeAsync()
    {
        _runtime = await FakeRuntime.StartAsync();
        _runtime.AddWorker("w1");
        _runtime.AddWorker("w2");
        (_host, _prefix) = await BackendHost.StartWithRedisAsync(redis, _runtime);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _runtime.DisposeAsync();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Stream(string worker = "w1") => TestEvents.Keys(_prefix).WorkerEvents(worker);
    private const string W1 = "api/runtimes/rt-1/workers/w1/events/ws";

    [Fact]
    public async Task Rule_1_no_cursor_snapshot_then_every_later_event_live()
    {
        var before = await TestEvents.AppendAsync(_host.Log, Stream(), new UserMessageEvent("hi"), new RunStartEvent("r1"), new TextDeltaEvent("Hel"));
        using var ws = await _host.ConnectAsync(W1);
        var snapshot = await ws.NextAsync<SnapshotFrame>();
        Assert.Equal(before[^1], snapshot.Cursor);
        Assert.Equal("rt-1", snapshot.RuntimeId);
        Assert.Equal("w1", snapshot.WorkerId);
        Assert.Equal("hi", Assert.IsType<UserEntry>(snapshot.Snapshot.Transcript[0]).Text);

        var after = await TestEvents.AppendAsync(_host.Log, Stream(), new TextDeltaEvent("lo"), new RunEndEvent("r1", "finished"));
        var e1 = await ws.NextAsync<EventFrame>();
        var e2 = await ws.NextAsync<EventFrame>();
        Assert.Equal(after, [e1.Cursor, e2.Cursor]);
        Assert.Equal(new TextDeltaEvent("lo"), e1.Payload);
        Assert.Equal(new RunEndEvent("r1", "finished"), e2.Payload);
    }

    [Fact]
    public async Task Rule_1_empty_worker_snapshot_at_zero_then_live()
    {
        using var ws = await _host.ConnectAsync(W1);
        var snapshot = await ws.NextAsync<SnapshotFrame>();
        Assert.Equal(StreamCursor.Zero, snapshot.Cursor);
        var ids = await TestEvents.AppendDeltasAsync(_host.Log, Stream(), 3);
        for (var i = 0; i < 3; i++) Assert.Equal(ids[i], (await ws.NextAsync<EventFrame>()).Cursor);
    }

    [Fact]
    public async Task Rule_2_retained_cursor_backlog_then_live_no_snapshot()
    {
        var ids = await TestEvents.AppendDeltasAsync(_host.Log, Stream(), 5);
        using var ws = await _host.ConnectAsync($"{W1}?cursor={ids[1]}");
        for (var i = 2; i < 5; i++)
        {
            var frame = await ws.NextAsync();
            Assert.Equal(ids[i], Assert.IsType<EventFrame>(frame).Cursor);
        }
        var live = await TestEvents.AppendDeltasAsync(_host.Log, Stream(), 2, "live");
        Assert.Equal(live[0], (await ws.NextAsync<EventFrame>()).Cursor);
        Assert.Equal(live[1], (await ws.NextAsync<EventFrame>()).Cursor);
    }

    [Fact]
    public async Task Rule_2_events_appended_while_the_backlog_is_replayed_no_gap_no_duplicate()
    {
        var initial = await TestEvents.AppendDeltasAsync(_host.Log, Stream(), 3000, "old");
        var appended = new List<StreamCursor>();
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                appended.AddRange(await TestEvents.AppendDeltasAsync(_host.Log, Stream(), 10, $"new{i}-"));
                await Task.Delay(2, Ct);
            }
        }, Ct);
        using var ws = await _host.ConnectAsync($"{W1}?cursor={StreamCursor.Zero}");
        var expected = initial.Count + 1000;
        var received = new List<StreamCursor>();
        while (received.Count < expected) received.Add((await ws.NextAsync<EventFrame>()).Cursor);
        await writer;
        Assert.Equal(initial.Concat(appended), received);
    }

    [Fact]
    public async Task Rule_3_trimmed_cursor_cursor_expired_then_snapshot_then_live()
    {
        var ids = await TestEvents.AppendDeltasAsync(_host.Log, Stream(), 10);
        await ((IEventLogTrimming)_host.Log).TrimToLengthAsync(Stream(), 3, Ct);
        using var ws = await _host.ConnectAsync($"{W1}?cursor={ids[2]}");
        Assert.Equal(DiagnosticCodes.CursorExpired, (await ws.NextAsync<DiagnosticFrame>()).Code);
        var snapshot = await ws.NextAsync<SnapshotFrame>();
        Assert.Equal(ids[^1], snapshot.Cursor);
        var live = await TestEvents.AppendDeltasAsync(_host.Log, Stream(), 1, "live");
        Assert.Equal(live[0], (await ws.NextAsync<EventFrame>()).Cursor);
    }

    [Fact]
    public async Task Rule_4_cursor_not_of_this_stream_cursor_unknown_then_snapshot_then_live()
    {
        var ids = await TestEvents.AppendDeltasAsync(_host.Log, Stream(), 3);
        // Stream IDs are per stream: w2's first ID could equal one of w1's when both fall in the same millisecond.
        await Task.Delay(5, Ct);
        var other = await TestEvents.AppendDeltasAsync(_host.Log, Stream("w2"), 1);
        Assert.DoesNotContain(other[0], ids);
        foreach (var cursor in new[] { new StreamCursor(ids[^1].Milliseconds + 100_000, 0), other[0], new StreamCursor(ids[0].Milliseconds, 77) })
        {
            using var ws = await _host.ConnectAsync($"{W1}?cursor={cursor}");
            Assert.Equal(DiagnosticCodes.CursorUnknown, (await ws.NextAsync<DiagnosticFrame>()).Code);
            Assert.Equal(ids[^1], (await ws.NextAsync<SnapshotFrame>()).Cursor);
        }
        using var live = await _host.ConnectAsync($"{W1}?cursor=99999999999999-0");
        await live.NextAsync<DiagnosticFrame>();
        await live.NextAsync<SnapshotFrame>();
        var next = await TestEvents.AppendDeltasAsync(_host.Log, Stream(), 1, "live");
        Assert.Equal(next[0], (await live.NextAsync<EventFrame>()).Cursor);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1-2-3")]
    [InlineData("-1-0")]
    [InlineData("")]
    [InlineData("18446744073709551616-0")]
    public async Task Rule_5_malformed_cursor_diagnostic_then_close_4400(string cursor)
    {
        using var ws = await _host.ConnectAsync($"{W1}?cursor={Uri.EscapeDataString(cursor)}");
        Assert.Equal(DiagnosticCodes.CursorMalformed, (await ws.NextAsync<DiagnosticFrame>()).Code);
        Assert.Null(await ws.NextAsync());
        Assert.Equal(4400, ws.CloseStatus);
    }

    [Theory]
    [InlineData("api/runtimes/rt-9/workers/w1/events/ws", "runtime_not_found", 4404)]
    [InlineData("api/runtimes/rt-9/events/ws", "runtime_not_found", 4404)]
    [InlineData("api/runtimes/rt-1/workers/nope/events/ws", "worker_not_found", 4404)]
    [InlineData("api/runtimes/rt-1/workers/bad%20id/events/ws", "invalid_request", 4400)]
    [InlineData("api/runtimes/rt-1/workers/w1%3A%2A/events/ws", "invalid_request", 4400)]
    public async Task Rule_6_unknown_runtime_or_worker_diagnostic_then_close(string path, string code, int close)
    {
        using var ws = await _host.ConnectAsync(path);
        Assert.Equal(code, (await ws.NextAsync<DiagnosticFrame>()).Code);
        Assert.Null(await ws.NextAsync());
        Assert.Equal(close, ws.CloseStatus);
    }

    [Fact]
    public async Task Rule_7_reconnect_with_the_last_cursor_gets_exactly_the_missed_events()
    {
        var ids = await TestEvents.AppendDeltasAsync(_host.Log, Stream(), 3);
        StreamCursor last;
        using (var ws = await _host.ConnectAsync(W1))
        {
            last = (await ws.NextAsync<SnapshotFrame>()).Cursor;
            var more = await TestEvents.AppendDeltasAsync(_host.Log, Stream(), 2, "a");
            last = (await ws.NextAsync<EventFrame>()).Cursor;
            Assert.Equal(more[0], last);
            await ws.Socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "", Ct);
        }
        var missed = await TestEvents.AppendDeltasAsync(_host.Log, Stream(), 3, "b");
        using var again = await _host.ConnectAsync($"{W1}?cursor={last}");
        var received = new List<StreamCursor>();
        for (var i = 0; i < 4; i++) received.Add((await again.NextAsync<EventFrame>()).Cursor);
        var log = (await _host.Log.ReadAfterAsync(Stream(), last, 100, Ct)).Select(e => e.Cursor).ToList();
        Assert.Equal(log, received);
        Assert.Equal(missed, received[1..]);
        Assert.True(received.Zip(received.Skip(1)).All(p => p.First < p.Second));
    }

    [Fact]
    public async Task Rule_9_client_frames_get_observation_only_and_an_oversized_frame_closes_1009()
    {
        using var ws = await _host.ConnectAsync(W1);
        await ws.NextAsync<SnapshotFrame>();
        await ws.SendTextAsync("""{"input":"hello"}""");
        Assert.Equal(DiagnosticCodes.ObservationOnly, (await ws.NextAsync<DiagnosticFrame>()).Code);
        var ids = await TestEvents.AppendDeltasAsync(_host.Log, Stream(), 1);
        Assert.Equal(ids[0], (await ws.NextAsync<EventFrame>()).Cursor);

        await ws.SendTextAsync(new string('x', 100_000));
        Assert.Null(await ws.NextAsync());
        Assert.Equal(1009, ws.CloseStatus);
    }

    [Fact]
    public async Task Runtime_wide_stream_without_cursor_snapshot_of_the_workers_then_every_later_event_live()
    {
        var stream = TestEvents.Keys(_prefix).RuntimeEvents;
        var before = await _host.Log.AppendAsync(stream, """{"event":"status","data":{"status":"idle"},"worker_id":"w1"}"""u8.ToArray(),
            StreamRetention.Unbounded, Ct);
        using var ws = await _host.ConnectAsync("api/runtimes/rt-1/events/ws");
        var snapshot = await ws.NextAsync<RuntimeSnapshotFrame>();
        Assert.Equal(before, snapshot.Cursor);
        Assert.Equal("rt-1", snapshot.RuntimeId);
        Assert.Equal(["w1", "w2"], snapshot.Snapshot.Workers.Select(w => w.WorkerId).Order());
        Assert.All(snapshot.Snapshot.Workers, w => Assert.Equal("rt-1", w.RuntimeId));

        // A worker created after the snapshot: its event is the next frame, at its own cursor.
        _runtime.AddWorker("w3");
        var created = await _host.Log.AppendAsync(stream,
            """{"event":"worker_created","data":{"worker_id":"w3","provider":"scripted","created_at":"2026-12-01T00:00:00Z"},"worker_id":"w3"}"""u8.ToArray(),
            StreamRetention.Unbounded, Ct);
        var frame = await ws.NextAsync<EventFrame>();
        Assert.Equal((created, "w3"), (frame.Cursor, frame.WorkerId));
        Assert.IsType<WorkerCreatedEvent>(frame.Payload);

        // Rule 2 on the same stream: from the snapshot's cursor, exactly the event after it and no snapshot.
        using var resumed = await _host.ConnectAsync($"api/runtimes/rt-1/events/ws?cursor={snapshot.Cursor}");
        Assert.Equal(created, (await resumed.NextAsync<EventFrame>()).Cursor);
    }

    [Fact]
    public async Task Runtime_wide_stream_empty_stream_snapshot_at_zero()
    {
        using var ws = await _host.ConnectAsync("api/runtimes/rt-1/events/ws");
        var snapshot = await ws.NextAsync<RuntimeSnapshotFrame>();
        Assert.Equal(StreamCursor.Zero, snapshot.Cursor);
        Assert.Equal(2, snapshot.Snapshot.Workers.Count);
    }

    [Fact]
    public async Task Runtime_wide_stream_from_zero_replays_with_the_worker_id_in_the_header_no_snapshot()
    {
        var stream = TestEvents.Keys(_prefix).RuntimeEvents;
        var first = await _host.Log.AppendAsync(stream, """{"event":"status","data":{"status":"idle"},"worker_id":"w1"}"""u8.ToArray(),
            StreamRetention.Unbounded, Ct);
        using var ws = await _host.ConnectAsync($"api/runtimes/rt-1/events/ws?cursor={StreamCursor.Zero}");
        var frame = await ws.NextAsync<EventFrame>();
        Assert.Equal((first, "w1"), (frame.Cursor, frame.WorkerId));
        Assert.Equal(new StatusEvent("idle"), frame.Payload);
        Assert.DoesNotContain("worker_id", System.Text.Encoding.UTF8.GetString(frame.RawPayload.Span));
    }

    [Fact]
    public async Task Runtime_wide_stream_trimmed_cursor_cursor_expired_then_snapshot_then_live()
    {
        var stream = TestEvents.Keys(_prefix).RuntimeEvents;
        var ids = await TestEvents.AppendDeltasAsync(_host.Log, stream, 10);
        await ((IEventLogTrimming)_host.Log).TrimToLengthAsync(stream, 3, Ct);
        using var ws = await _host.ConnectAsync($"api/runtimes/rt-1/events/ws?cursor={ids[2]}");
        Assert.Equal(DiagnosticCodes.CursorExpired, (await ws.NextAsync<DiagnosticFrame>()).Code);
        Assert.Equal(ids[^1], (await ws.NextAsync<RuntimeSnapshotFrame>()).Cursor);
        var live = await TestEvents.AppendDeltasAsync(_host.Log, stream, 1, "live");
        Assert.Equal(live[0], (await ws.NextAsync<EventFrame>()).Cursor);
    }

    [Fact]
    public async Task Runtime_wide_stream_cursor_not_of_this_stream_cursor_unknown_then_snapshot_then_live()
    {
        var stream = TestEvents.Keys(_prefix).RuntimeEvents;
        var ids = await TestEvents.AppendDeltasAsync(_host.Log, stream, 2);
        using var ws = await _host.ConnectAsync("api/runtimes/rt-1/events/ws?cursor=99999999999999-0");
        Assert.Equal(DiagnosticCodes.CursorUnknown, (await ws.NextAsync<DiagnosticFrame>()).Code);
        Assert.Equal(ids[^1], (await ws.NextAsync<RuntimeSnapshotFrame>()).Cursor);
        var live = await TestEvents.AppendDeltasAsync(_host.Log, stream, 1, "live");
        Assert.Equal(live[0], (await ws.NextAsync<EventFrame>()).Cursor);
    }

    [Fact]
    public async Task Runtime_wide_stream_runtime_cannot_list_its_workers_runtime_unavailable_then_close_1011()
    {
        _runtime.Respond = context => FakeRuntime.Problem(context, 500, "boom");
        using var ws = await _host.ConnectAsync("api/runtimes/rt-1/events/ws");
        var diagnostic = await ws.NextAsync<DiagnosticFrame>();
        Assert.Equal(DiagnosticCodes.RuntimeUnavailable, diagnostic.Code);
        Assert.Contains("runtime_error", diagnostic.Message);
        Assert.Null(await ws.NextAsync());
        Assert.Equal(1011, ws.CloseStatus);
    }

    [Fact]
    public async Task Runtime_wide_stream_malformed_cursor_diagnostic_then_close_4400()
    {
        using var ws = await _host.ConnectAsync("api/runtimes/rt-1/events/ws?cursor=1-x");
        Assert.Equal(DiagnosticCodes.CursorMalformed, (await ws.NextAsync<DiagnosticFrame>()).Code);
        Assert.Null(await ws.NextAsync());
        Assert.Equal(4400, ws.CloseStatus);
    }
}
