using Yoi.EventLog.Storage;
using Microsoft.Extensions.DependencyInjection;
using Yoi.BackendService;
using Yoi.Client;
using Yoi.EventLog;
using Yoi.Protocol.Api;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;
using Yoi.Runtime.Streams;
using Yoi.Runtime.Workers;

namespace Yoi.Tests.Backend;

/// <summary>The single-process topology: an embedded runtime and the in-memory event log, same API and protocol.</summary>
public sealed class EmbeddedSourceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<BackendHost> StartAsync() => BackendHost.StartAsync(
        new Dictionary<string, string?>
        {
            ["Backend:Runtimes:0:Id"] = "rt-1",
            ["Backend:Runtimes:0:Source"] = "embedded",
        },
        services: s => s.AddSingleton<EmbeddedRuntimeFactory>((id, log, _, _) => new ScriptedRuntime(id, log)));

    [Fact]
    public async Task Embedded_runtime_commands_and_observation_behave_like_a_remote_one()
    {
        await using var host = await StartAsync();
        var client = host.Client();
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var info = await client.GetRuntimeAsync("rt-1", Ct);
        Assert.Equal(("embedded", true, 1), (info.Source, info.Available, info.Workers.Total));

        using var ws = await host.ConnectAsync($"api/runtimes/rt-1/workers/{worker.WorkerId}/events/ws");
        await ws.NextAsync<SnapshotFrame>();
        var accepted = await client.SendInputAsync("rt-1", worker.WorkerId, "hello", Ct);
        Assert.Equal("run-1", accepted.RunId);
        var events = new List<WorkerEvent>();
        for (var i = 0; i < 4; i++) events.Add((await ws.NextAsync<EventFrame>()).Payload);
        Assert.Equal([new UserMessageEvent("hello"), new RunStartEvent("run-1"), new TextDeltaEvent("hi"), new RunEndEvent("run-1", "finished")], events);

        var transcript = await client.GetTranscriptAsync("rt-1", worker.WorkerId, Ct);
        Assert.Equal("hello", Assert.IsType<UserEntry>(transcript.Transcript[0]).Text);
        Assert.Equal("hi", Assert.IsType<AssistantEntry>(transcript.Transcript[1]).Text);

        var busy = await Assert.ThrowsAsync<YoiApiException>(() => client.SendInputAsync("rt-1", "busy", "x", Ct));
        Assert.Equal((409, "already_running"), (busy.Status, busy.Code));
        var missing = await Assert.ThrowsAsync<YoiApiException>(() => client.CancelAsync("rt-1", "ghost", Ct));
        Assert.Equal((404, "worker_not_found"), (missing.Status, missing.Code));
        var plugins = await Assert.ThrowsAsync<YoiApiException>(() => client.ListPluginsAsync("rt-1", Ct));
        Assert.Equal((501, "runtime_unsupported"), (plugins.Status, plugins.Code));
    }

    /// <summary>A minimal in-process runtime: each input appends one short run to the worker's stream.</summary>
    private sealed class ScriptedRuntime(string runtimeId, IEventLog log) : IWorkerRuntime
    {
        private readonly StreamKeys _keys = new(StreamKeys.DefaultPrefix, runtimeId);
        private readonly Dictionary<string, WorkerInfo> _workers = new()
        {
            ["busy"] = new WorkerInfo("busy", runtimeId, "running", "scripted", DateTimeOffset.UtcNow),
        };

        public string RuntimeId => runtimeId;

        public RuntimeInfo GetInfo() => new(runtimeId, "test", [RuntimeCapabilities.Workers], new WorkerCounts(_workers.Count - 1, 1, 0, 0));
        public IReadOnlyList<WorkerInfo> ListWorkers() => _workers.Values.ToList();

        public WorkerInfo GetWorker(string workerId) =>
            _workers.TryGetValue(workerId, out var w) ? w : throw new WorkerCommandException(ApiErrorCodes.WorkerNotFound, "no such worker");

        public ValueTask<WorkerInfo> CreateWorkerAsync(CreateWorkerRequest request, CancellationToken cancellationToken = default)
        {
            var worker = new WorkerInfo("w-" + Guid.NewGuid().ToString("N")[..8], runtimeId, "idle", "scripted", DateTimeOffset.UtcNow);
            _workers[worker.WorkerId] = worker;
            return ValueTask.FromResult(worker);
        }

        public async ValueTask<CommandAccepted> SendInputAsync(string workerId, string text, CancellationToken cancellationToken = default)
        {
            if (GetWorker(workerId).Status == "running") throw new WorkerCommandException(ApiErrorCodes.AlreadyRunning, "A run is in progress.");
            await TestEvents.AppendAsync(log, _keys.WorkerEvents(workerId),
                new UserMessageEvent(text), new RunStartEvent("run-1"), new TextDeltaEvent("hi"), new RunEndEvent("run-1", "finished"));
            return new CommandAccepted(workerId, "run-1");
        }

        public ValueTask<CommandAccepted> CancelAsync(string workerId, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new CommandAccepted(GetWorker(workerId).WorkerId));

        public ValueTask<CommandAccepted> StopAsync(string workerId, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new CommandAccepted(GetWorker(workerId).WorkerId));
    }
}
