using Yoi.Protocol.Api;
using Yoi.Protocol.Transcripts;
using Yoi.Protocol.Plugins;

namespace Yoi.BackendService.Registry;

/// <summary>
/// Where the Backend sends a runtime's commands: <see cref="RemoteRuntimeSource"/> (another process, REST with a
/// bearer token) or <see cref="EmbeddedRuntimeSource"/> (a runtime hosted in this process). Both behave the same.
/// Guarantees:
/// <list type="bullet">
/// <item>Every failure is a <see cref="RuntimeSourceException"/> carrying the client-facing code and status (docs/protocol.md, REST API errors);
///   its message never contains a runtime URL, token or stream key (it is safe to show to clients).</item>
/// <item>Ids passed in are already validated (<see cref="ResourceId"/>).</item>
/// <item>Events never come from here: they are read from the event log.</item>
/// </list>
/// </summary>
public interface IRuntimeSource
{
    string RuntimeId { get; }

    /// <summary><c>remote</c> or <c>embedded</c>.</summary>
    string Kind { get; }

    Task<RuntimeInfo> GetInfoAsync(CancellationToken cancellationToken);
    /// <summary>A page of workers, oldest first (<see cref="WorkerListCursor"/>).</summary>
    Task<WorkerList> ListWorkersAsync(int limit, WorkerListCursor? after, CancellationToken cancellationToken);
    /// <summary>Deletes a stopped worker with its streams and state.</summary>
    Task DeleteWorkerAsync(string workerId, CancellationToken cancellationToken);
    Task<WorkerInfo> CreateWorkerAsync(CreateWorkerRequest request, CancellationToken cancellationToken);
    Task<WorkerInfo> GetWorkerAsync(string workerId, CancellationToken cancellationToken);
    Task<CommandAccepted> SendInputAsync(string workerId, string text, CancellationToken cancellationToken);
    Task<CommandAccepted> CancelAsync(string workerId, CancellationToken cancellationToken);
    Task<CommandAccepted> StopAsync(string workerId, CancellationToken cancellationToken);
    Task<WorkerTranscript> GetTranscriptAsync(string workerId, CancellationToken cancellationToken);
    /// <summary>The runtime's plugins with their status (docs/plugins.md).</summary>
    Task<PluginList> ListPluginsAsync(CancellationToken cancellationToken);
    /// <summary>One plugin's status.</summary>
    Task<PluginStatus> GetPluginAsync(string pluginId, CancellationToken cancellationToken);
}

public static class RuntimeSourcePaging
{
    /// <summary>Every worker, page after page (the opening snapshot of a runtime-wide stream).</summary>
    public static async Task<WorkerList> ListAllWorkersAsync(this IRuntimeSource source, CancellationToken cancellationToken)
    {
        var workers = new List<WorkerInfo>();
        WorkerListCursor? after = null;
        while (true)
        {
            var page = await source.ListWorkersAsync(WorkerListCursor.MaxLimit, after, cancellationToken);
            workers.AddRange(page.Workers);
            if (page.NextCursor is null || !WorkerListCursor.TryParse(page.NextCursor, null, out var next)) return new WorkerList(workers);
            after = next;
        }
    }
}

/// <summary>A runtime command failed; <see cref="Exception.Message"/> is client-safe.</summary>
public sealed class RuntimeSourceException(int status, string code, string title, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string Title { get; } = title;

    public static RuntimeSourceException Unreachable(string runtimeId) =>
        new(StatusCodes.Status502BadGateway, ApiErrorCodes.RuntimeUnreachable, "Runtime unreachable",
            $"The runtime '{runtimeId}' could not be reached.");

    public static RuntimeSourceException Timeout(string runtimeId) =>
        new(StatusCodes.Status504GatewayTimeout, ApiErrorCodes.RuntimeTimeout, "Runtime timeout",
            $"The runtime '{runtimeId}' did not answer in time.");

    public static RuntimeSourceException AuthFailed(string runtimeId) =>
        new(StatusCodes.Status502BadGateway, ApiErrorCodes.RuntimeAuthFailed, "Runtime authentication failed",
            $"The runtime '{runtimeId}' refused the backend's credentials.");

    public static RuntimeSourceException Unsupported(string runtimeId, string what) =>
        new(StatusCodes.Status501NotImplemented, ApiErrorCodes.RuntimeUnsupported, "Not supported by the runtime",
            $"The runtime '{runtimeId}' does not support {what}.");

    public static RuntimeSourceException Error(string runtimeId) =>
        new(StatusCodes.Status502BadGateway, ApiErrorCodes.RuntimeError, "Runtime error",
            $"The runtime '{runtimeId}' failed to handle the request.");

    public static RuntimeSourceException WorkerNotFound(string runtimeId, string workerId) =>
        new(StatusCodes.Status404NotFound, ApiErrorCodes.WorkerNotFound, "Worker not found",
            $"The runtime '{runtimeId}' has no worker '{workerId}'.");

    public static RuntimeSourceException Conflict(string code, string message) =>
        new(StatusCodes.Status409Conflict, code, "Conflict", message);

    /// <summary>The runtime could not reach its event log: the runtime's own 503, kept as such (nothing was done).</summary>
    public static RuntimeSourceException EventLogUnavailable(string runtimeId) =>
        new(StatusCodes.Status503ServiceUnavailable, ApiErrorCodes.EventLogUnavailable, "Event log unavailable",
            $"The runtime '{runtimeId}' cannot reach its event log; nothing was done. Try again later.");

    public static RuntimeSourceException InvalidRequest(string message) =>
        new(StatusCodes.Status400BadRequest, ApiErrorCodes.InvalidRequest, "Invalid request", message);
}
