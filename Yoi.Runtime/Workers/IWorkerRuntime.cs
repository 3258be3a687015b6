using Yoi.Protocol.Api;

namespace Yoi.Runtime.Workers;

/// <summary>
/// What a Runtime does for its callers: the Runtime service's /v1 endpoints and the Backend's embedded source
/// both call this, so an embedded runtime behaves exactly like a remote one.
/// Failures are <see cref="WorkerCommandException"/> with a stable code from <see cref="ApiErrorCodes"/>.
/// </summary>
public interface IWorkerRuntime
{
    string RuntimeId { get; }

    RuntimeInfo GetInfo();

    IReadOnlyList<WorkerInfo> ListWorkers();

    /// <summary>The worker, or a <see cref="WorkerCommandException"/> with <c>worker_not_found</c>.</summary>
    WorkerInfo GetWorker(string workerId);

    ValueTask<WorkerInfo> CreateWorkerAsync(CreateWorkerRequest request, CancellationToken cancellationToken = default);

    /// <summary>Starts a run; <c>already_running</c> while one is in progress, <c>worker_stopped</c> after stop.</summary>
    ValueTask<CommandAccepted> SendInputAsync(string workerId, string text, CancellationToken cancellationToken = default);

    /// <summary>Cancels the run in progress (it ends with <c>run_end{cancelled}</c>); <c>not_running</c> when idle.</summary>
    ValueTask<CommandAccepted> CancelAsync(string workerId, CancellationToken cancellationToken = default);

    /// <summary>Stops the worker for good (status <c>stopped</c>), cancelling any run.</summary>
    ValueTask<CommandAccepted> StopAsync(string workerId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a stopped worker with its streams and state; its id is never reused (<c>worker_not_stopped</c> otherwise).</summary>
    ValueTask DeleteWorkerAsync(string workerId, CancellationToken cancellationToken = default) =>
        throw new WorkerCommandException(ApiErrorCodes.InvalidRequest, "This runtime cannot delete workers.");
}

public sealed class WorkerCommandException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
