namespace Yoi.EventLog.Storage;

/// <summary>
/// Where a runtime lists its workers so a restart loses none: one record per worker, written on create, run start,
/// run end and stop. <see cref="WorkerRecord.RunId"/> set means a run was in flight when the record was written;
/// a runtime that loads such a record closes the run as interrupted.
/// </summary>
public interface IWorkerRegistry
{
    ValueTask SaveAsync(WorkerRecord record, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<WorkerRecord>> LoadAllAsync(CancellationToken cancellationToken = default);
}

/// <summary>The stored form of a worker: <c>{worker_id, status, provider, created_at, run_id, model, instructions}</c>.</summary>
public sealed record WorkerRecord(
    string WorkerId,
    string Status,
    string Provider,
    DateTimeOffset CreatedAt,
    string? RunId = null,
    string? Model = null,
    string? Instructions = null);
