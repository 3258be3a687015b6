using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Yoi.BackendService.Observation;
using Yoi.Protocol.Envelopes;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.Backend;

/// <summary>Dead-peer detection: a client that stops answering pings is aborted and its session released.</summary>
public sealed class ObservationKeepAliveTests(RedisServerFixture redis)
{
    private const string Path = "api/runtimes/rt-1/workers/w1/events/ws";

    /// <summary>A ping every 0.2 s, a pong expected within 0.5 s.</summary>
    private static readonly Dictionary<string, string?> FastKeepAlive = new()
    {
        ["Backend:Observation:KeepAliveSeconds"] = "0.2",
        ["Backend:Observation:KeepAliveTimeoutSeconds"] = "0.5",
    };

    /// <summary>Pings as often, with a timeout no scheduling stall of a loaded CI machine reaches (for the live-peer proof).</summary>
    private static readonly Dictionary<string, string?> FastPingsPatientTimeout = new()
    {
        ["Backend:Observation:KeepAliveSeconds"] = "0.2",
        ["Backend:Observation:KeepAliveTimeoutSeconds"] = "5",
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClientThatNeverReads_IsAbortedAfterThePongTimeout_AndItsSessionIsReleased()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (host, _) = await BackendHost.StartWithRedisAsync(redis, runtime, FastKeepAlive);
        await using var _ = host;
        var tail = host.Services.GetRequiredService<StreamTailReader>();
        var trace = ActivityTraceId.CreateRandom();
        using var gauge = new ConnectionGaugeOfTrace(trace);

        // Completes the handshake, then never calls ReceiveAsync: pings stay unanswered (and it sends no pongs of its own).
        using var silent = await host.ConnectAsync(Path, configure: options =>
        {
            options.KeepAliveInterval = TimeSpan.Zero;
            options.SetRequestHeader("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        });

        await Eventually(() => gauge.Peak == 1 && gauge.Open == 0 && tail.ObservedStreams == 0,
            "the server to abort the silent client, unsubscribe it and decrement the connection gauge", TimeSpan.FromSeconds(30));
        // The session had started (the snapshot is sent after subscribing); the server aborted without a close frame.
        await silent.NextAsync<SnapshotFrame>();
        await Assert.ThrowsAsync<WebSocketException>(() => silent.NextAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(silent.CloseStatus);
    }

    [Fact]
    public async Task ClientThatReads_AnswersThePings_AndStaysConnectedAcrossManyIntervals()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (host, prefix) = await BackendHost.StartWithRedisAsync(redis, runtime, FastPingsPatientTimeout);
        await using var _ = host;
        var tail = host.Services.GetRequiredService<StreamTailReader>();
        using var reader = await host.ConnectAsync(Path);
        await reader.NextAsync<SnapshotFrame>();

        var next = reader.NextAsync(TimeSpan.FromSeconds(60)); // a pending receive answers every ping
        await Task.Delay(TimeSpan.FromSeconds(3), Ct); // 15 ping intervals
        var appended = await TestEvents.AppendDeltasAsync(host.Log, TestEvents.Keys(prefix).WorkerEvents("w1"), 1);

        Assert.Equal(appended[0], Assert.IsType<EventFrame>(await next).Cursor);
        Assert.Equal(WebSocketState.Open, reader.Socket.State);
        Assert.Equal(1, tail.ObservedStreams);
    }

    private static async Task Eventually(Func<bool> condition, string what, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > within) Assert.Fail($"Not within {within.TotalSeconds:0} s: {what}.");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>
    /// The connection gauge (<c>yoi.backend.websocket.connections</c>) counted for the requests of one trace only:
    /// the instrument is process-wide and other tests' backends run in parallel. The backend's request span carries
    /// the client's <c>traceparent</c>, and the gauge is updated inside that request.
    /// </summary>
    private sealed class ConnectionGaugeOfTrace : IDisposable
    {
        private readonly ActivityListener _requests = new()
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        private readonly MeterListener _meter = new();
        private long _open, _peak;

        public ConnectionGaugeOfTrace(ActivityTraceId trace)
        {
            ActivitySource.AddActivityListener(_requests);
            _meter.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument == BackendTelemetry.WebSocketConnections) listener.EnableMeasurementEvents(instrument);
            };
            _meter.SetMeasurementEventCallback<long>((_, change, _, _) =>
            {
                if (Activity.Current?.TraceId != trace) return;
                var open = Interlocked.Add(ref _open, change);
                if (open > Interlocked.Read(ref _peak)) Interlocked.Exchange(ref _peak, open);
            });
            _meter.Start();
        }

        public long Open => Interlocked.Read(ref _open);
        public long Peak => Interlocked.Read(ref _peak);

        public void Dispose()
        {
            _meter.Dispose();
            _requests.Dispose();
        }
    }
}
