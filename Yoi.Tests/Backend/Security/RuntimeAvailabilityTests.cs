using System.Net;
using System.Text.Json;
using Yoi.Protocol;
using Yoi.Protocol.Envelopes;
using Yoi.BackendService.AgUi;
using Yoi.Tests.AgUi;
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

    [Fact]
    public async Task An_agui_stream_opened_while_the_runtime_is_down_says_so_after_its_snapshot()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (host, prefix) = await BackendHost.StartWithRedisAsync(redis, runtime, new Dictionary<string, string?> { ["Backend:RuntimeProbeSeconds"] = "0.2" });
        await using var _ = host;
        using var http = host.Http();
        await TestEvents.AppendDeltasAsync(host.Log, TestEvents.Keys(prefix).WorkerEvents("w1"), 1);

        runtime.Respond = context => { context.Abort(); return Task.CompletedTask; };
        await Eventually.ValueAsync(() => http.GetStringAsync("health", Ct), health => health == "Degraded", "the Backend to see the runtime gone");
        using var sseHttp = new HttpClient { BaseAddress = host.BaseUri }; // streamed: the recording client reads bodies whole
        using var stream = new SseReader(await AgUiStack.GetEventsAsync(sseHttp, "api/runtimes/rt-1/workers/w1/agui/events", null, Ct));
        var opening = await stream.ReadUntilAsync(e => e is Custom, TimeSpan.FromSeconds(10));
        Assert.Contains(opening, e => e.Event is MessagesSnapshot);
        var notice = Assert.IsType<Custom>(opening[^1].Event);
        Assert.Equal(DiagnosticCodes.RuntimeUnavailable, notice.Name);
        Assert.Equal(DiagnosticCodes.RuntimeUnavailable, notice.Value.GetProperty("code").GetString());

        runtime.Respond = null;
        var back = await stream.ReadUntilAsync(e => e is Custom, TimeSpan.FromSeconds(20));
        Assert.Equal(DiagnosticCodes.RuntimeAvailable, Assert.IsType<Custom>(back[^1].Event).Name);
    }

    [Fact]
    public async Task A_runtime_that_holds_its_probe_unanswered_is_unavailable_within_the_probe_deadline_not_the_call_timeout()
    {
        await using var runtime = await FakeRuntime.StartAsync();
        runtime.AddWorker("w1");
        var (host, _) = await BackendHost.StartWithRedisAsync(redis, runtime, new Dictionary<string, string?>
        {
            ["Backend:RuntimeProbeSeconds"] = "0.2",
            ["Backend:Runtimes:0:TimeoutSeconds"] = "60",
        });
        await using var _ = host;
        using var http = host.Http();
        using var worker = await host.ConnectAsync("api/runtimes/rt-1/workers/w1/events/ws");
        await worker.NextAsync<SnapshotFrame>();

        // What a proxy does while the runtime behind it restarts: the connection is taken, the answer never comes.
        runtime.Respond = context => Task.Delay(Timeout.Infinite, context.RequestAborted);
        Assert.Equal(DiagnosticCodes.RuntimeUnavailable, (await worker.NextAsync<DiagnosticFrame>(TimeSpan.FromSeconds(15))).Code);
        Assert.Equal("Degraded", await http.GetStringAsync("health", Ct));

        runtime.Respond = null;
        Assert.Equal(DiagnosticCodes.RuntimeAvailable, (await worker.NextAsync<DiagnosticFrame>(TimeSpan.FromSeconds(15))).Code);
    }
}
