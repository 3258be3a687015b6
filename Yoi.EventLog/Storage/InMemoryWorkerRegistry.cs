using System.Collections.Concurrent;

namespace Yoi.EventLog.Storage;

/// <summary>The embedded engine: records in process memory (lost with the process, like the in-memory event log).</summary>
public sealed class InMemoryWorkerRegistry : IWorkerRegistry
{
    private readonly ConcurrentDictionary<string, WorkerRecord> _records = new(StringComparer.Ordinal);

    public ValueTask SaveAsync(WorkerRecord record, CancellationToken cancellationToken = default)
    {
        _records[record.WorkerId] = record;
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<WorkerRecord>> LoadAllAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<WorkerRecord>>([.. _records.Values.OrderBy(r => r.CreatedAt)]);
}
