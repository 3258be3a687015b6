using Yoi.Client;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;

namespace Yoi.Tests.Backend;

/// <summary>The real embedded runtime (WorkerRuntime in the Backend process, in-memory event log): the single-process topology.</summary>
public sealed class EmbeddedRuntimeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Embedded_scripted_runtime_runs_are_observed_live_and_commands_map_to_the_documented_codes()
    {
        await using var host = await BackendHost.StartAsync(new Dictionary<string, string?>
        {
            ["Backend:Runtimes:0:Id"] = "rt-1",
            ["Backend:Runtimes:0:Source"] = "embedded",
            ["Backend:Runtimes:0:Runtime:Scripted:DeltaDelayMs"] = "1",
        });
        var client = host.Client();
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var info = await client.GetRuntimeAsync("rt-1", Ct);
        Assert.Equal(("embedded", true), (info.Source, info.Available));

        var observer = client.ObserveWorker("rt-1", worker.WorkerId);
        await using var frames = observer.ReadAllAsync(Ct).GetAsyncEnumerator(Ct);
        Assert.True(await frames.MoveNextAsync());
        Assert.IsType<SnapshotFrame>(frames.Current);

        var accepted = await client.SendInputAsync("rt-1", worker.WorkerId, "what time is it? use the clock", Ct);
        Assert.False(string.IsNullOrEmpty(accepted.RunId));
        var events = new List<WorkerEvent>();
        while (await frames.MoveNextAsync())
        {
            if (frames.Current is not EventFrame e) continue;
            events.Add(e.Payload);
            if (e.Payload is RunEndEvent) break;
        }
        Assert.Equal(new RunEndEvent(accepted.RunId!, "finished"), events[^1]);
        Assert.Contains(events, e => e is ToolResultEvent);
        Assert.Contains(events, e => e is TextDeltaEvent);

        var state = new TranscriptState();
        foreach (var e in (await client.GetEventsAsync("rt-1", worker.WorkerId, limit: 1000, cancellationToken: Ct)).Events) TranscriptFold.Apply(state, e.Payload);
        var transcript = await client.GetTranscriptAsync("rt-1", worker.WorkerId, Ct);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(state.ToSnapshot(), Yoi.Protocol.ProtocolJsonContext.Default.WorkerSnapshot),
            System.Text.Json.JsonSerializer.Serialize(transcript.Snapshot, Yoi.Protocol.ProtocolJsonContext.Default.WorkerSnapshot));

        var notRunning = await Assert.ThrowsAsync<YoiApiException>(() => client.CancelAsync("rt-1", worker.WorkerId, Ct));
        Assert.Equal((409, "not_running"), (notRunning.Status, notRunning.Code));
        var missing = await Assert.ThrowsAsync<YoiApiException>(() => client.SendInputAsync("rt-1", "ghost", "x", Ct));
        Assert.Equal((404, "worker_not_found"), (missing.Status, missing.Code));
        using var http = host.Http();
        using var stop = await http.PostAsync($"api/runtimes/rt-1/workers/{worker.WorkerId}/stop", new StringContent("", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, stop.StatusCode);
        var stopped = await Assert.ThrowsAsync<YoiApiException>(() => client.SendInputAsync("rt-1", worker.WorkerId, "again", Ct));
        Assert.Equal((409, "worker_stopped"), (stopped.Status, stopped.Code));
    }
}
