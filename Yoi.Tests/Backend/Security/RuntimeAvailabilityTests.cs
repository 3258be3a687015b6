using System.Net;
using System.Text.Json;
using Yoi.Protocol;
using Yoi.Protocol.Envelopes;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.Backend.Security;

/// <summary>
/// A Runtime that stops answering: the Backend's registry and <c>/health</c> say so, observers hear
/// <c>runtime_unavailable</c> and later <c>runtime_available</c> and stay connected; a Redis the Backend cannot read is
/// said before the 1011 close.
/// </summary>
public sealed class RuntimeAvailabilityTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Runtime_going_away_is_announced_to_observers_who_stay_connected_and_health_is_degraded()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (host, prefix) = await BackendHost.StartWithRedisAsync(redis, runtime, new Dictionary<string, string?> { ["Backend:RuntimeProbeSeconds"] = "0.2" });
        await using var _ = host;
        using var http = host.Http();
        using var worker = await host.ConnectAsync("api/runtimes/rt-1/workers/w1/events/ws");
        await worker.NextAsync<SnapshotFrame>();
        var stream = TestEvents.Keys(prefix).WorkerEvents("w1");
        var first = await TestEvents.AppendDeltasAsync(host.Log, stream, 1);
        Assert.Equal(first[0], (await worker.NextAsync<EventFrame>()).Cursor);
        using var lifecycle = await host.ConnectAsync("api/runtimes/rt-1/events/ws");
        await lifecycle.NextAsync<RuntimeSnapshotFrame>();
        Assert.Equal("Healthy", await http.GetStringAsync("health", Ct));

        runtime.Respond = context => { context.Abort(); return Task.CompletedTask; }; // the runtime is gone: connections reset
        Assert.Equal(DiagnosticCodes.RuntimeUnavailable, (await worker.NextAsync<DiagnosticFrame>(TimeSpan.FromSeconds(20))).Code);
        Assert.Equal(DiagnosticCodes.RuntimeUnavailable, (await lifecycle.NextAsync<DiagnosticFrame>(TimeSpan.FromSeconds(20))).Code);
        Assert.Equal("Degraded", await http.GetStringAsync("health", Ct));
        using (var runtimes = JsonDocument.Parse(await http.GetStringAsync("api/runtimes", Ct)))
            Assert.False(runtimes.RootElement.GetProperty("runtimes")[0].GetProperty("available").GetBoolean());
        using (var late = await host.ConnectAsync("api/runtimes/rt-1/workers/w1/events/ws")) // a client that connects meanwhile is told too
        {
            await late.NextAsync<SnapshotFrame>();
            Assert.Equal(DiagnosticCodes.RuntimeUnavailable, (await late.NextAsync<DiagnosticFrame>()).Code);
        }

        runtime.Respond = null;
        Assert.Equal(DiagnosticCodes.RuntimeAvailable, (await worker.NextAsync<DiagnosticFrame>(TimeSpan.FromSeconds(20))).Code);
        Assert.Equal(DiagnosticCodes.RuntimeAvailable, (await lifecycle.NextAsync<DiagnosticFrame>(TimeSpan.FromSeconds(20))).Code);
        var appended = await TestEvents.AppendDeltasAsync(host.Log, stream, 1);
        Assert.Equal(appended[0], (await worker.NextAsync<EventFrame>()).Cursor); // still connected, still live
        await Eventually.ValueAsync(() => http.GetStringAsync("health", Ct), health => health == "Healthy", "the Backend to report itself healthy again");
    }
}
