using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Yoi.Client;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;
using Yoi.RuntimeService;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.Backend;

/// <summary>The real Runtime service as a remote source: commands over its /v1 API, events through Redis.</summary>
public sealed class RemoteRuntimeEndToEndTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Real_runtime_service_commands_proxied_events_observed_from_redis_lifecycle_stream_carries_worker_ids()
    {
        var prefix = RedisServerFixture.NewKeyPrefix();
        var token = "runtime-token-" + Guid.NewGuid().ToString("N");
        ClientEdgeRecorder.Secret(token);
        ClientEdgeRecorder.Secret(prefix);
        var runtimeApp = RuntimeServiceApp.Build([], configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Runtime:Id"] = "rt-1",
            ["Runtime:Token"] = token,
            ["Runtime:KeyPrefix"] = prefix,
            ["Runtime:Scripted:DeltaDelayMs"] = "1",
            ["ConnectionStrings:redis"] = redis.ConnectionString,
        }));
        await runtimeApp.StartAsync(Ct);
        await using var _ = runtimeApp;
        var runtimeUrl = runtimeApp.Urls.First();
        ClientEdgeRecorder.Secret(runtimeUrl);
        ClientEdgeRecorder.Secret(new Uri(runtimeUrl).Authority);

        await using var host = await BackendHost.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["Backend:Runtimes:0:Id"] = "rt-1",
            ["Backend:Runtimes:0:Source"] = "remote",
            ["Backend:Runtimes:0:Token"] = token,
            ["services:rt-1:http:0"] = runtimeUrl,
            ["Backend:Runtimes:0:KeyPrefix"] = prefix,
        });
        var client = host.Client();
        var info = await client.GetRuntimeAsync("rt-1", Ct);
        Assert.Equal((true, "remote"), (info.Available, info.Source));

        // From the start of this runtime's lifecycle stream (its key prefix is this test's own), so nothing is missed.
        using var lifecycle = await host.ConnectAsync("api/runtimes/rt-1/events/ws?cursor=0-0");
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var created = await lifecycle.NextAsync<EventFrame>();
        Assert.Equal(worker.WorkerId, created.WorkerId);

        using var ws = await host.ConnectAsync($"api/runtimes/rt-1/workers/{worker.WorkerId}/events/ws");
        await ws.NextAsync<SnapshotFrame>();
        var accepted = await client.SendInputAsync("rt-1", worker.WorkerId, "what time is it? use the clock", Ct);
        var events = new List<WorkerEvent>();
        while (true)
        {
            var frame = await ws.NextAsync<EventFrame>();
            events.Add(frame.Payload);
            if (frame.Payload is RunEndEvent) break;
        }
        Assert.Equal(new RunEndEvent(accepted.RunId!, "finished"), events[^1]);
        Assert.Contains(events, e => e is ToolResultEvent);

        var state = new TranscriptState();
        foreach (var e in events) TranscriptFold.Apply(state, e);
        var transcript = await client.GetTranscriptAsync("rt-1", worker.WorkerId, Ct);
        Assert.Equal(state.ToSnapshot().Transcript.Count, transcript.Transcript.Count);
        Assert.Equal("what time is it? use the clock", Assert.IsType<UserEntry>(transcript.Transcript[0]).Text);

        var notRunning = await Assert.ThrowsAsync<YoiApiException>(() => client.CancelAsync("rt-1", worker.WorkerId, Ct));
        Assert.Equal((409, "not_running"), (notRunning.Status, notRunning.Code));
        var missing = await Assert.ThrowsAsync<YoiApiException>(() => client.GetWorkerAsync("rt-1", "ghost", Ct));
        Assert.Equal((404, "worker_not_found"), (missing.Status, missing.Code));
        var runEnd = await lifecycle.NextAsync<EventFrame>();
        Assert.Equal(worker.WorkerId, runEnd.WorkerId);
    }
}
