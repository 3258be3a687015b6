using Yoi.Protocol.Api;
using Yoi.Protocol.Transcripts;
using Yoi.EventLog.Storage;
using Yoi.Protocol.Plugins;
using Yoi.Runtime.Streams;
using Yoi.Runtime.Workers;

namespace Yoi.BackendService.Registry;

/// <summary>
/// A runtime hosted in the Backend process (the single-process topology): commands call <see cref="IWorkerRuntime"/>
/// directly, its events go to the process's event log, and the transcript is the same snapshot fold.
/// </summary>
public sealed class EmbeddedRuntimeSource(IWorkerRuntime runtime, StreamKeys keys, WorkerSnapshotReader snapshots) : IRuntimeSource, IAsyncDisposable
{
    public ValueTask DisposeAsync() => runtime is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;

    public string RuntimeId => runtime.RuntimeId;
    public string Kind => RuntimeSourceKinds.Embedded;

    public Task<RuntimeInfo> GetInfoAsync(CancellationToken cancellationToken) => Run(null, runtime.GetInfo);

    public Task<WorkerList> ListWorkersAsync(int limit, WorkerListCursor? after, CancellationToken cancellationToken) =>
        Run(null, () => WorkerListCursor.Page(runtime.ListWorkers(), after, limit));

    public Task DeleteWorkerAsync(string workerId, CancellationToken cancellationToken) =>
        RunAsync(workerId, async () =>
        {
            await runtime.DeleteWorkerAsync(workerId, cancellationToken);
            return true;
        });

    public Task<WorkerInfo> CreateWorkerAsync(CreateWorkerRequest request, CancellationToken cancellationToken) =>
        RunAsync(null, () => runtime.CreateWorkerAsync(request, cancellationToken));

    public Task<WorkerInfo> GetWorkerAsync(string workerId, CancellationToken cancellationToken) =>
        Run(workerId, () => runtime.GetWorker(workerId));

    public Task<CommandAccepted> SendInputAsync(string workerId, string text, CancellationToken cancellationToken) =>
        RunAsync(workerId, () => runtime.SendInputAsync(workerId, text, cancellationToken));

    public Task<CommandAccepted> CancelAsync(string workerId, CancellationToken cancellationToken) =>
        RunAsync(workerId, () => runtime.CancelAsync(workerId, cancellationToken));

    public Task<CommandAccepted> StopAsync(string workerId, CancellationToken cancellationToken) =>
        RunAsync(workerId, () => runtime.StopAsync(workerId, cancellationToken));

    public async Task<WorkerTranscript> GetTranscriptAsync(string workerId, CancellationToken cancellationToken)
    {
        await GetWorkerAsync(workerId, cancellationToken);
        var checkpoint = await snapshots.ReadAsync(keys.WorkerEvents(workerId), keys.WorkerState(workerId), cancellationToken);
        return WorkerTranscript.From(RuntimeId, workerId, checkpoint.Cursor, checkpoint.Snapshot);
    }

    public Task<PluginList> ListPluginsAsync(CancellationToken cancellationToken) =>
        Task.FromException<PluginList>(RuntimeSourceException.Unsupported(RuntimeId, "plugins"));

    public Task<PluginStatus> GetPluginAsync(string pluginId, CancellationToken cancellationToken) =>
        Task.FromException<PluginStatus>(RuntimeSourceException.Unsupported(RuntimeId, "plugins"));

    private Task<T> Run<T>(string? workerId, Func<T> call)
    {
        try
        {
            return Task.FromResult(call());
        }
        catch (WorkerCommandException ex)
        {
            return Task.FromException<T>(Map(ex, workerId));
        }
    }

    private async Task<T> RunAsync<T>(string? workerId, Func<ValueTask<T>> call)
    {
        try
        {
            return await call();
        }
        catch (WorkerCommandException ex)
        {
            throw Map(ex, workerId);
        }
    }

    private RuntimeSourceException Map(WorkerCommandException ex, string? workerId) => ex.Code switch
    {
        ApiErrorCodes.WorkerNotFound => RuntimeSourceException.WorkerNotFound(RuntimeId, workerId ?? "?"),
        ApiErrorCodes.AlreadyRunning or ApiErrorCodes.NotRunning or ApiErrorCodes.WorkerStopped or ApiErrorCodes.WorkerNotStopped
            or ApiErrorCodes.WorkerLimitReached => RuntimeSourceException.Conflict(ex.Code, ex.Message),
        ApiErrorCodes.EventLogUnavailable => RuntimeSourceException.EventLogUnavailable(RuntimeId),
        ApiErrorCodes.InvalidRequest => RuntimeSourceException.InvalidRequest(ex.Message),
        _ => RuntimeSourceException.Error(RuntimeId),
    };
}
