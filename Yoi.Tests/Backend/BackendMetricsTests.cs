using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Yoi.BackendService.Observation;
using Yoi.EventLog;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.Backend;

/// <summary>The Backend's metrics (docs/telemetry.md) run alone: a meter is process-wide, and other tests' measurements would blur the counts.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics";
}

/// <summary>
/// The metrics of docs/telemetry.md, read with a <see cref="MeterListener"/> while a real Backend serves real sockets over redis-server:
/// events appended and delivered, backlog replay size, WebSocket connections, slow-consumer disconnects, Redis latency.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class BackendMetricsTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, ConcurrentQueue<double>> _values = new();

        public Recorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name is BackendTelemetry.Name or EventLogTelemetry.SourceName) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((i, v, _, _) => Add(i.Name, v));
            _listener.SetMeasurementEventCallback<double>((i, v, _, _) => Add(i.Name, v));
            _listener.Start();
        }

        private void Add(string name, double value) => _values.GetOrAdd(name, _ => new()).Enqueue(value);

        public IReadOnlyList<double> Values(string name) => _values.TryGetValue(name, out var q) ? [.. q] : [];
        public double Sum(string name) => Values(name).Sum();

        public Task WaitForAsync(string name, double sum) => Eventually.ValueAsync(() => Sum(name), s => s >= sum, $"{name} to add up to {sum}");

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task Appends_replay_deliveries_connections_and_redis_latency_are_measured_as_they_happen()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (host, prefix) = await BackendHost.StartWithRedisAsync(redis, runtime);
        await using var _ = host;
        var stream = TestEvents.Keys(prefix).WorkerEvents("w1");
        using var metrics = new Recorder();

        var backlog = await TestEvents.AppendDeltasAsync(host.Log, stream, 7);
        Assert.Equal(7, metrics.Sum("yoi.events.appended"));

        using (var ws = await host.ConnectAsync($"api/runtimes/rt-1/workers/w1/events/ws?cursor=0-0"))
        {
            for (var i = 0; i < backlog.Count; i++) await ws.NextAsync<EventFrame>();
            Assert.Equal([7.0], metrics.Values("yoi.backend.backlog.replay.size"));
            Assert.Equal(1, metrics.Sum("yoi.backend.websocket.connections"));

            var live = await TestEvents.AppendDeltasAsync(host.Log, stream, 3, "live");
            for (var i = 0; i < live.Count; i++) await ws.NextAsync<EventFrame>();
            await metrics.WaitForAsync("yoi.backend.events.delivered", 10);
            Assert.Equal(10, metrics.Sum("yoi.backend.events.delivered"));
            await ws.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", Ct);
        }
        await Eventually.ValueAsync(() => metrics.Sum("yoi.backend.websocket.connections"), n => n == 0, "the connection gauge back at 0");
        Assert.Equal(0, metrics.Sum("yoi.backend.slow_consumer.disconnects"));

        var latencies = metrics.Values("yoi.redis.latency");
        Assert.NotEmpty(latencies);
        Assert.All(latencies, seconds => Assert.InRange(seconds, 0, 30));
    }

    [Fact]
    public async Task A_slow_consumer_is_counted_once_when_it_is_cut_off()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (host, prefix) = await BackendHost.StartWithRedisAsync(redis, runtime, new Dictionary<string, string?>
        {
            ["Backend:Observation:ClientQueueCapacity"] = "20",
            ["Backend:Observation:SlowConsumerGraceSeconds"] = "1",
        });
        await using var _ = host;
        using var metrics = new Recorder();
        using var stuck = await host.ConnectAsync("api/runtimes/rt-1/workers/w1/events/ws");
        await stuck.NextAsync<SnapshotFrame>();
        stuck.Record = false;

        await TestEvents.FloodAsync(host.Log, TestEvents.Keys(prefix).WorkerEvents("w1"));

        await metrics.WaitForAsync("yoi.backend.slow_consumer.disconnects", 1);
        await Eventually.ValueAsync(() => metrics.Values("yoi.backend.websocket.connections"), v => v.Count >= 2, "the cut-off connection to be counted down");
        Assert.Equal(1, metrics.Sum("yoi.backend.slow_consumer.disconnects"));
        Assert.Equal([1.0, -1.0], metrics.Values("yoi.backend.websocket.connections"));
    }
}
