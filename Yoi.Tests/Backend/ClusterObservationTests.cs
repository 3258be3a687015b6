using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Yoi.Client;
using Yoi.EventLog;
using Yoi.EventLog.Storage;
using Yoi.Protocol;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.RuntimeService;

namespace Yoi.Tests.Backend;

/// <summary>
/// A Runtime and the Backend on a three-master Redis Cluster of real redis-server processes: every key of the runtime is
/// in one slot, and the cursor rules and resume hold as on one server.
/// </summary>
public sealed class ClusterObservationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Runtime_and_backend_on_a_cluster_keep_the_cursor_rules_and_resume()
    {
        await using var cluster = await RedisClusterProcess.StartAsync(3);
        var prefix = RedisServerFixture.NewKeyPrefix();
        await using var runtime = await RuntimeServiceHost.StartAsync(
            ("ConnectionStrings:redis", cluster.ConnectionString), ("Runtime:Id", "rt-1"), ("Runtime:KeyPrefix", prefix));
        await using var backend = await BackendHost.StartAsync(BackendHost.RemoteRuntimeSettings(cluster.ConnectionString, runtime, prefix));
        var api = backend.Client();
        using var lifecycle = await backend.ConnectAsync("api/runtimes/rt-1/events/ws");
        var worker = (await api.CreateWorkerAsync("rt-1", cancellationToken: Ct)).WorkerId;
        var path = $"api/runtimes/rt-1/workers/{worker}/events/ws";

        // Every key the runtime wrote hashes to one slot.
        var keys = new StreamKeys(prefix, "rt-1");
        var redis = backend.Services.GetRequiredService<IConnectionMultiplexer>();
        Assert.Equal(3, redis.GetEndPoints().Length);
        var slots = new[] { keys.WorkerEvents(worker), keys.WorkerState(worker), keys.RuntimeEvents, keys.Registry }.Select(k => redis.HashSlot(k));
        Assert.Single(slots.Distinct());

        // Rule 1: no cursor: a snapshot, then live, in order.
        using var live = await backend.ConnectAsync(path);
        var snapshot = await live.NextAsync<SnapshotFrame>(TimeSpan.FromSeconds(30));
        await api.SendInputAsync("rt-1", worker, "what time is it on the clock", Ct);
        var events = new List<EventFrame>();
        while (events.LastOrDefault()?.Payload is not RunEndEvent)
            events.Add(await live.NextAsync<EventFrame>(TimeSpan.FromSeconds(30)));
        Assert.True(events[0].Cursor > snapshot.Cursor);
        for (var i = 1; i < events.Count; i++) Assert.True(events[i].Cursor > events[i - 1].Cursor);
        Assert.Contains(events, e => e.Payload is ToolResultEvent);

        // Rules 2 and 7: a retained cursor resumes with exactly the events after it, no snapshot.
        var middle = events.Count / 2;
        using (var resumed = await backend.ConnectAsync(path + "?cursor=" + events[middle].Cursor))
        {
            foreach (var expected in events.Skip(middle + 1))
                Assert.Equal(expected.Cursor, (await resumed.NextAsync<EventFrame>(TimeSpan.FromSeconds(30))).Cursor);
        }

        // The runtime-wide stream: its snapshot, then the worker's creation.
        Assert.IsType<RuntimeSnapshotFrame>(await lifecycle.NextAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(worker, (await lifecycle.NextAsync<EventFrame>(TimeSpan.FromSeconds(30))).WorkerId);

        // Rule 4: well formed but not of this stream (ahead of it).
        var future = new StreamCursor(events[^1].Cursor.Milliseconds + 3_600_000, 0);
        using (var ahead = await backend.ConnectAsync(path + "?cursor=" + future))
        {
            Assert.Equal(DiagnosticCodes.CursorUnknown, (await ahead.NextAsync<DiagnosticFrame>()).Code);
            Assert.True((await ahead.NextAsync<SnapshotFrame>()).Cursor >= events[^1].Cursor);
        }

        // Rule 5: malformed: a diagnostic and close 4400.
        using (var malformed = await backend.ConnectAsync(path + "?cursor=nope"))
        {
            Assert.Equal(DiagnosticCodes.CursorMalformed, (await malformed.NextAsync<DiagnosticFrame>()).Code);
            Assert.Null(await malformed.NextAsync());
            Assert.Equal(4400, malformed.CloseStatus);
        }

        // Rule 3: trimmed away: cursor_expired, a snapshot, then live.
        await ((IEventLogTrimming)backend.Log).TrimToLengthAsync(keys.WorkerEvents(worker), 2, Ct);
        using (var expired = await backend.ConnectAsync(path + "?cursor=" + events[0].Cursor))
        {
            Assert.Equal(DiagnosticCodes.CursorExpired, (await expired.NextAsync<DiagnosticFrame>()).Code);
            var restart = await expired.NextAsync<SnapshotFrame>();
            Assert.True(restart.Cursor >= events[^1].Cursor);
            await api.SendInputAsync("rt-1", worker, "again", Ct);
            Assert.True((await expired.NextAsync<EventFrame>(TimeSpan.FromSeconds(30))).Cursor > restart.Cursor);
        }
    }
}
