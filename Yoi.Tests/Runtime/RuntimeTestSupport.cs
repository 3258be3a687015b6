using Microsoft.Extensions.Logging.Abstractions;
using Yoi.EventLog;
using Yoi.EventLog.Memory;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;
using Yoi.Runtime;
using Yoi.EventLog.Storage;
using Yoi.Runtime.Workers;

namespace Yoi.Tests.Runtime;

/// <summary>Builds runtimes for tests and reads back what they stored.</summary>
internal static class RuntimeTestSupport
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static RuntimeOptions Options(int deltaDelayMs = 0, string? keyPrefix = null, double outageLimitSeconds = 30) => new()
    {
        Id = "rt-test",
        Token = "test-token-0123456789",
        KeyPrefix = keyPrefix ?? $"t:{Guid.NewGuid():N}:",
        Scripted = new ScriptedOptions { DeltaDelayMs = deltaDelayMs },
        EventLogOutageLimitSeconds = outageLimitSeconds,
    };

    public static WorkerRuntime InMemory(out InMemoryEventLog log, RuntimeOptions? options = null)
    {
        log = new InMemoryEventLog();
        return new WorkerRuntime(options ?? Options(), log, new InMemorySnapshotStore(), new InMemoryWorkerRegistry(), NullLoggerFactory.Instance);
    }

    /// <summary>Waits until the worker has no run in flight, then until everything queued is stored.</summary>
    public static async Task WaitIdleAsync(WorkerRuntime runtime, string workerId, TimeSpan? timeout = null)
    {
        await Eventually.ValueAsync(() => runtime.GetWorker(workerId).RunId, run => run is null, $"worker {workerId} to finish its run", timeout);
        await runtime.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    /// <summary>
    /// Sends <paramref name="input"/> to the worker (a new one of <paramref name="provider"/> when none is given), waits
    /// until it is idle, and returns the events from that run's start on.
    /// </summary>
    public static async Task<(List<WorkerEvent> Events, string RunId, string WorkerId)> RunToIdleAsync(WorkerRuntime runtime, IEventLog log,
        string provider, string input, string? workerId = null)
    {
        workerId ??= (await runtime.CreateWorkerAsync(new CreateWorkerRequest(provider), Ct)).WorkerId;
        var accepted = await runtime.SendInputAsync(workerId, input, Ct);
        await WaitIdleAsync(runtime, workerId);
        var events = await ReadEventsAsync(log, runtime.Keys.WorkerEvents(workerId));
        return ([.. events.Skip(events.IndexOf(new RunStartEvent(accepted.RunId!)))], accepted.RunId!, workerId);
    }

    public static async Task<List<LogEntry>> ReadAllAsync(IEventLog log, string stream)
    {
        var all = new List<LogEntry>();
        var after = StreamCursor.Zero;
        while (true)
        {
            var page = await log.ReadAfterAsync(stream, after, 1000, Ct);
            all.AddRange(page);
            if (page.Count < 1000) return all;
            after = page[^1].Cursor;
        }
    }

    public static async Task<List<WorkerEvent>> ReadEventsAsync(IEventLog log, string stream) =>
        [.. (await ReadAllAsync(log, stream)).Select(e => WorkerEventJson.Deserialize(e.Payload.Span))];

    /// <summary>Polls the stream until <paramref name="done"/> holds for the events read so far.</summary>
    public static async Task<List<WorkerEvent>> WaitForEventsAsync(IEventLog log, string stream, Func<List<WorkerEvent>, bool> done,
        TimeSpan? timeout = null)
    {
        // The log may be briefly unreachable (a test pauses Redis): read again on the next poll.
        return await Eventually.SucceedsAsync(() => ReadEventsAsync(log, stream), $"the events of {stream} to match", done, timeout,
            describe: events => $"{events.Count} events, the last: {string.Join(",", events.TakeLast(15).Select(e => e.Kind))}");
    }

    public static List<string> Kinds(IEnumerable<WorkerEvent> events) => [.. events.Select(e => e.Kind)];

    /// <summary>The kinds with runs of the same delta kind collapsed to one, to compare shapes of runs.</summary>
    public static List<string> Shape(IEnumerable<WorkerEvent> events)
    {
        var shape = new List<string>();
        foreach (var kind in events.Select(e => e.Kind))
            if (shape.Count == 0 || shape[^1] != kind || !kind.EndsWith("_delta", StringComparison.Ordinal)) shape.Add(kind);
        return shape;
    }
}
