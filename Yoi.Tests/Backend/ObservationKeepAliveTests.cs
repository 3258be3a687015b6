using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Yoi.BackendService.Observation;
using Yoi.Protocol.Envelopes;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.Processes;

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
    public async Task Client_that_stops_reading_is_aborted_after_the_pong_timeout_and_its_session_and_socket_are_released()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (host, _) = await BackendHost.StartWithRedisAsync(redis, runtime, FastKeepAlive);
        await using var _ = host;
        var tail = host.Services.GetRequiredService<StreamTailReader>();

        // Reads the snapshot (so the session has started), then stops reading: pings stay unanswered, and the client
        // sends none of its own.
        using var silent = await host.ConnectAsync(Path, configure: options => options.KeepAliveInterval = TimeSpan.Zero);
        await silent.NextAsync<SnapshotFrame>();

        // Per backend, so parallel tests do not blur it (the connection gauge is checked in BackendMetricsTests).
        await Eventually.ValueAsync(() => tail.ObservedStreams, n => n == 0, "the server to abort the silent client and unsubscribe it");
        // And the server really let go of the socket (not only of the session).
        await Eventually.ValueAsync(() => LoopbackConnections.EstablishedTo(host.BaseUri.Port), n => n == 0, "the server to close the TCP connection");
    }

    [Fact]
    public async Task Client_that_reads_answers_the_pings_and_stays_connected_across_many_intervals()
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
}
