using Yoi.EventLog.Storage;
using Yoi.EventLog;
using Yoi.Protocol.Api;
using Yoi.Protocol.Events;
using Yoi.Runtime.Streams;
using Yoi.Runtime.Workers;

namespace Yoi.Tests.Plugins;

/// <summary>
/// A small test-local <see cref="IWorkerRuntime"/>: each input starts a run that appends real protocol events
/// (<c>user_message</c>, <c>run_start</c>, <c>text_delta</c> per word, <c>text_done</c>, <c>run_end</c>) to the
/// worker's stream in an <see cref="InMemoryEventLog"/>; input during a run is refused with <c>already_running</c>.
/// <see cref="Hold"/> keeps runs open until released, to exercise a busy worker.
/// </summary>
internal sealed class EchoWorkerRuntime(IEventLog log, StreamKeys keys) : IWorkerRuntime
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, WorkerInfo> _workers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _running = new(StringComparer.Ordinal);
    private int _runs;

    public string RuntimeId => keys.RuntimeId;

    /// <summary>When set, a run waits for it before its text (then ends).</summary>
    public TaskCompletionSource? Hold { get; set; }

    public int AlreadyRunningRefusals;
    public List<string> Inputs { get; } = [];

    public RuntimeInfo GetInfo() => new(RuntimeId, "test", [], new WorkerCounts(_workers.Count, 0, 0, 0));

    public IReadOnlyList<WorkerInfo> ListWorkers() { lock (_lock) return [.. _workers.Values]; }

    public WorkerInfo GetWorker(string workerId)
    {
        lock (_lock)
        {
            return _workers.TryGetValue(workerId, out var w) ? w : throw new WorkerCommandException(ApiErrorCodes.WorkerNotFound, "no such worker");
        }
    }

    public async ValueTask<WorkerInfo> CreateWorkerAsync(CreateWorkerRequest request, CancellationToken cancellationToken = default)
    {
        WorkerInfo info;
        lock (_lock)
        {
            info = new WorkerInfo($"w{_workers.Count + 1}", RuntimeId, WorkerStatuses.Idle, request.Provider ?? "scripted", DateTimeOffset.UtcNow);
            _workers[info.WorkerId] = info;
        }
        await AppendAsync(info.WorkerId, new WorkerCreatedEvent(info.WorkerId, info.Provider, info.CreatedAt));
        return info;
    }

    public ValueTask<CommandAccepted> SendInputAsync(string workerId, string text, CancellationToken cancellationToken = default)
    {
        string runId;
        lock (_lock)
        {
            if (!_workers.ContainsKey(workerId)) throw new WorkerCommandException(ApiErrorCodes.WorkerNotFound, "no such worker");
            if (!_running.Add(workerId))
            {
                AlreadyRunningRefusals++;
                throw new WorkerCommandException(ApiErrorCodes.AlreadyRunning, "a run is in progress");
            }
            runId = $"run-{++_runs}";
            Inputs.Add(text);
        }
        var hold = Hold;
        _ = Task.Run(() => RunAsync(workerId, runId, text, hold), CancellationToken.None);
        return ValueTask.FromResult(new CommandAccepted(workerId, runId));
    }

    private async Task RunAsync(string workerId, string runId, string text, TaskCompletionSource? hold)
    {
        await AppendAsync(workerId, new UserMessageEvent(text));
        await AppendAsync(workerId, new RunStartEvent(runId));
        await AppendAsync(workerId, new StatusEvent(WorkerStatuses.Running));
        if (hold is not null) await hold.Task;
        var reply = $"echo: {text}";
        foreach (var word in reply.Split(' ')) await AppendAsync(workerId, new TextDeltaEvent(word + " "));
        await AppendAsync(workerId, new TextDoneEvent(reply));
        await AppendAsync(workerId, new UsageEvent(3, 5));
        lock (_lock) _running.Remove(workerId);
        await AppendAsync(workerId, new RunEndEvent(runId, RunResults.Finished));
        await AppendAsync(workerId, new StatusEvent(WorkerStatuses.Idle));
    }

    private ValueTask<Yoi.Protocol.Cursors.StreamCursor> AppendAsync(string workerId, WorkerEvent workerEvent) =>
        log.AppendAsync(keys.WorkerEvents(workerId), WorkerEventJson.SerializeToUtf8Bytes(workerEvent), StreamRetention.Unbounded);

    public ValueTask<CommandAccepted> CancelAsync(string workerId, CancellationToken cancellationToken = default) =>
        throw new WorkerCommandException(ApiErrorCodes.NotRunning, "not supported");

    public ValueTask<CommandAccepted> StopAsync(string workerId, CancellationToken cancellationToken = default) =>
        throw new WorkerCommandException(ApiErrorCodes.NotRunning, "not supported");
}
