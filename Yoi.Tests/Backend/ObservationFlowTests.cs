using StackExchange.Redis;
using Microsoft.Extensions.DependencyInjection;
using Yoi.BackendService.Observation;
using Yoi.Client;
using Yoi.Client.Observation;
using Yoi.EventLog.Redis;
using Yoi.Protocol;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.Backend;

/// <summary>Rules 8 and 10 (slow consumers, shutdown) and the scale rule, against real sockets and redis-server.</summary>
public sealed class ObservationFlowTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rule_8_slow_consumer_gets_4408_others_get_everything_and_it_resumes_without_loss()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (host, prefix) = await BackendHost.StartWithRedisAsync(redis, runtime,
            new Dictionary<string, string?> { ["Backend:Observation:ClientQueueCapacity"] = "600" });
        await using var _ = host;
        var stream = TestEvents.Keys(prefix).WorkerEvents("w1");
        const string Path = "api/runtimes/rt-1/workers/w1/events/ws";

        using var slow = await host.ConnectAsync(Path);
        await slow.NextAsync<SnapshotFrame>();
        using var fast = await host.ConnectAsync(Path);
        await fast.NextAsync<SnapshotFrame>();

        slow.Record = false;
        fast.Record = false;
        var big = new string('x', 16 * 1024);
        var ids = new List<StreamCursor>();
        var fastCursors = new List<StreamCursor>();
        for (var batch = 0; batch < 30; batch++)
        {
            ids.AddRange(await TestEvents.AppendAsync(host.Log, stream,
                Enumerable.Range(0, 100).Select(i => (WorkerEvent)new TextDeltaEvent($"{batch}-{i} {big}")).ToArray()));
            while (fastCursors.Count < ids.Count) fastCursors.Add((await fast.NextAsync<EventFrame>()).Cursor);
        }
        Assert.Equal(ids, fastCursors);

        var slowFrames = await slow.ReadToCloseAsync();
        Assert.Equal(4408, slow.CloseStatus);
        Assert.Equal(DiagnosticCodes.SlowConsumer, Assert.IsType<DiagnosticFrame>(slowFrames[^1]).Code);
        var got = slowFrames.OfType<EventFrame>().Select(f => f.Cursor).ToList();
        Assert.True(got.Count < ids.Count, "the slow client should have been cut off");
        Assert.Equal(ids.Take(got.Count), got);

        using var resumed = await host.ConnectAsync($"{Path}?cursor={got[^1]}");
        while (got.Count < ids.Count) got.Add((await resumed.NextAsync<EventFrame>()).Cursor);
        Assert.Equal(ids, got);
    }

    [Fact]
    public async Task Rule_8_a_client_that_stops_reading_altogether_is_aborted_after_the_grace_and_releases_its_subscription()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (host, prefix) = await BackendHost.StartWithRedisAsync(redis, runtime, new Dictionary<string, string?>
        {
            ["Backend:Observation:ClientQueueCapacity"] = "50",
            ["Backend:Observation:SlowConsumerGraceSeconds"] = "1",
            ["Backend:Observation:KeepAliveSeconds"] = "0", // no pings: only the grace can end this connection
        });
        await using var _ = host;
        var tail = host.Services.GetRequiredService<StreamTailReader>();
        var stream = TestEvents.Keys(prefix).WorkerEvents("w1");
        using var stuck = await host.ConnectAsync("api/runtimes/rt-1/workers/w1/events/ws");
        await stuck.NextAsync<SnapshotFrame>();
        stuck.Record = false;

        await TestEvents.FloodAsync(host.Log, stream);

        await Eventually.ValueAsync(() => tail.ObservedStreams, n => n == 0, "the slow consumer to be cut off and its stream unobserved");
    }

    [Fact]
    public async Task Rule_10_shutdown_closes_1001_and_the_observer_resumes_with_its_cursor()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (first, prefix) = await BackendHost.StartWithRedisAsync(redis, runtime);
        var port = first.BaseUri.Port;
        var stream = TestEvents.Keys(prefix).WorkerEvents("w1");
        var before = await TestEvents.AppendDeltasAsync(first.Log, stream, 2);

        var observer = first.Client().ObserveWorker("rt-1", "w1", options: new ObserverOptions { MaxConnectAttempts = 30 });
        await using var frames = observer.ReadAllAsync(Ct).GetAsyncEnumerator(Ct);
        Assert.True(await frames.MoveNextAsync());
        Assert.Equal(before[^1], Assert.IsType<SnapshotFrame>(frames.Current).Cursor);
        var e1 = await TestEvents.AppendDeltasAsync(first.Log, stream, 1, "e1");
        Assert.True(await frames.MoveNextAsync());
        Assert.Equal(e1[0], Assert.IsType<EventFrame>(frames.Current).Cursor);

        var next = frames.MoveNextAsync().AsTask();
        await first.DisposeAsync();
        var log = new RedisEventLog(redis.Multiplexer);
        var missed = await TestEvents.AppendDeltasAsync(log, stream, 2, "gap");
        await using var second = (await BackendHost.StartWithRedisAsync(redis, runtime,
            new Dictionary<string, string?> { ["Backend:Runtimes:0:KeyPrefix"] = prefix }, port)).Host;

        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(missed[0], Assert.IsType<EventFrame>(frames.Current).Cursor);
        Assert.True(await frames.MoveNextAsync());
        Assert.Equal(missed[1], Assert.IsType<EventFrame>(frames.Current).Cursor);
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, observer.LastCloseStatus);
        Assert.InRange(observer.Reconnects, 1, 30); // a reconnect may reach the old host while it is still stopping
    }

    [Fact]
    public async Task Scale_200_clients_on_20_workers_redis_connections_stay_constant_and_every_client_gets_every_event_in_order()
    {
        await using var server = await RedisServerFixture.StartPrivateServerAsync();
        await using var counter = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        await using var runtime = await FakeRuntime.StartAsync();
        var workers = Enumerable.Range(0, 20).Select(i => $"w{i}").ToList();
        foreach (var w in workers) runtime.AddWorker(w);
        ClientEdgeRecorder.Secret(server.ConnectionString);
        var prefix = RedisServerFixture.NewKeyPrefix();
        await using var host = await BackendHost.StartAsync(BackendHost.RemoteRuntimeSettings(server.ConnectionString, runtime, prefix));
        var keys = TestEvents.Keys(prefix);
        foreach (var w in workers) await TestEvents.AppendDeltasAsync(host.Log, keys.WorkerEvents(w), 1, "seed");

        var clients = new List<(string Worker, WsProbe Probe)>();
        clients.Add((workers[0], await host.ConnectAsync($"api/runtimes/rt-1/workers/{workers[0]}/events/ws")));
        await clients[0].Probe.NextAsync<SnapshotFrame>();
        await Task.Delay(300, Ct);
        var withOne = await RedisServerFixture.ConnectedClientsAsync(counter);

        for (var i = 1; i < 200; i++)
        {
            var w = workers[i % workers.Count];
            clients.Add((w, await host.ConnectAsync($"api/runtimes/rt-1/workers/{w}/events/ws")));
        }
        await Task.WhenAll(clients.Skip(1).Select(c => c.Probe.NextAsync<SnapshotFrame>()));
        await Task.Delay(300, Ct);
        var withAll = await RedisServerFixture.ConnectedClientsAsync(counter);
        TestContext.Current.TestOutputHelper?.WriteLine($"redis connected_clients: 1 ws client = {withOne}, 200 ws clients = {withAll}");

        var expected = new Dictionary<string, List<StreamCursor>>();
        foreach (var w in workers) expected[w] = [];
        for (var round = 0; round < 5; round++)
            foreach (var w in workers) expected[w].AddRange(await TestEvents.AppendDeltasAsync(host.Log, keys.WorkerEvents(w), 10, $"r{round}-"));

        await Task.WhenAll(clients.Select(async c =>
        {
            var got = new List<StreamCursor>();
            while (got.Count < 50) got.Add((await c.Probe.NextAsync<EventFrame>(TimeSpan.FromSeconds(60))).Cursor);
            Assert.Equal(expected[c.Worker], got);
        }));
        var afterEvents = await RedisServerFixture.ConnectedClientsAsync(counter);
        foreach (var c in clients) c.Probe.Dispose();

        Assert.Equal(withOne, withAll);
        Assert.Equal(withOne, afterEvents);
    }
}
