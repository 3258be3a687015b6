using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;

namespace Yoi.Client.Observation;

/// <summary>
/// A runtime's lifecycle stream: a <see cref="RuntimeSnapshotFrame"/> of its workers (unless started from a cursor),
/// then every lifecycle event with the worker it concerns, resuming across drops. <see cref="Workers"/> is the
/// runtime's workers as of the last frame yielded (read it from the loop that enumerates the observer).
/// </summary>
public sealed class RuntimeObserver : Observer
{
    private readonly Dictionary<string, WorkerInfo> _workers = new(StringComparer.Ordinal);

    internal RuntimeObserver(Uri uri, string? apiKey, string runtimeId, StreamCursor? cursor, ObserverOptions? options)
        : base(uri, apiKey, cursor, options) => RuntimeId = runtimeId;

    public string RuntimeId { get; }

    /// <summary>The workers by id: the snapshot's, updated by each lifecycle event (empty until a snapshot when started from a cursor).</summary>
    public IReadOnlyDictionary<string, WorkerInfo> Workers => _workers;

    private protected override void OnFrame(ObservationFrame frame)
    {
        switch (frame)
        {
            case RuntimeSnapshotFrame snapshot:
                _workers.Clear();
                foreach (var worker in snapshot.Snapshot.Workers) _workers[worker.WorkerId] = worker;
                break;
            case EventFrame { WorkerId: { } id } e:
                Apply(id, e.Payload);
                break;
        }
    }

    // Lifecycle events set state, so one the snapshot already reflects is harmless to apply again.
    private void Apply(string workerId, WorkerEvent payload)
    {
        var known = _workers.TryGetValue(workerId, out var worker);
        worker ??= new WorkerInfo(workerId, RuntimeId, WorkerStatuses.Idle, "", DateTimeOffset.MinValue);
        switch (payload)
        {
            case WorkerCreatedEvent created:
                _workers[workerId] = worker with { Status = WorkerStatuses.Idle, Provider = created.Provider, CreatedAt = created.CreatedAt };
                break;
            case StatusEvent status:
                _workers[workerId] = worker with { Status = status.Status };
                break;
            case RunStartEvent start:
                _workers[workerId] = worker with { RunId = start.RunId };
                break;
            case RunEndEvent when known:
                _workers[workerId] = worker with { RunId = null };
                break;
            case WorkerStoppedEvent:
                _workers[workerId] = worker with { Status = WorkerStatuses.Stopped, RunId = null };
                break;
        }
    }
}
