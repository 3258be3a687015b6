using System.Text.Json;
using Yoi.Protocol.Api;
using Yoi.Protocol.Transcripts;

namespace Yoi.BackendService.Registry;

/// <summary>
/// An <c>embedded</c> runtime in a build that hosts none: the Backend still starts (health, observation of whatever
/// the log holds), lists the runtime as unavailable, and answers every command 501 <c>runtime_unsupported</c>.
/// </summary>
public sealed class UnavailableRuntimeSource(string runtimeId) : IRuntimeSource
{
    public string RuntimeId { get; } = runtimeId;
    public string Kind => RuntimeSourceKinds.Embedded;

    private Task<T> Fail<T>() => Task.FromException<T>(RuntimeSourceException.Unsupported(RuntimeId, "commands (no embedded runtime in this build)"));

    public Task<RuntimeInfo> GetInfoAsync(CancellationToken cancellationToken) => Fail<RuntimeInfo>();
    public Task<WorkerList> ListWorkersAsync(CancellationToken cancellationToken) => Fail<WorkerList>();
    public Task<WorkerInfo> CreateWorkerAsync(CreateWorkerRequest request, CancellationToken cancellationToken) => Fail<WorkerInfo>();
    public Task<WorkerInfo> GetWorkerAsync(string workerId, CancellationToken cancellationToken) => Fail<WorkerInfo>();
    public Task<CommandAccepted> SendInputAsync(string workerId, string text, CancellationToken cancellationToken) => Fail<CommandAccepted>();
    public Task<CommandAccepted> CancelAsync(string workerId, CancellationToken cancellationToken) => Fail<CommandAccepted>();
    public Task<CommandAccepted> StopAsync(string workerId, CancellationToken cancellationToken) => Fail<CommandAccepted>();
    public Task<WorkerSnapshot> GetTranscriptAsync(string workerId, CancellationToken cancellationToken) => Fail<WorkerSnapshot>();
    public Task<JsonElement> ListPluginsAsync(CancellationToken cancellationToken) => Fail<JsonElement>();
    public Task<JsonElement> GetPluginAsync(string pluginId, CancellationToken cancellationToken) => Fail<JsonElement>();
}
