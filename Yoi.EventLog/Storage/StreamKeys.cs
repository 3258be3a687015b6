using Yoi.Protocol.Api;

namespace Yoi.EventLog.Storage;

/// <summary>
/// The Redis keys of one runtime: <c>{prefix}{runtime}:w:{worker}:events</c> per worker, <c>{prefix}{runtime}:events</c>
/// for lifecycle events, <c>{prefix}{runtime}:workers</c> for the registry. Internal: never shown to clients.
/// Ids are validated here, so an unchecked id can never become part of a key.
/// </summary>
public sealed class StreamKeys
{
    private readonly string _root;

    public StreamKeys(string prefix, string runtimeId)
    {
        if (!ResourceId.IsValid(runtimeId)) throw new ArgumentException($"Invalid runtime id '{runtimeId}'.", nameof(runtimeId));
        RuntimeId = runtimeId;
        _root = prefix + runtimeId + ":";
        RuntimeEvents = _root + "events";
        Registry = _root + "workers";
    }

    public const string DefaultPrefix = "yoi:";

    public string RuntimeId { get; }
    public string RuntimeEvents { get; }
    public string Registry { get; }

    public string WorkerEvents(string workerId) => WorkerRoot(workerId) + "events";
    public string WorkerState(string workerId) => WorkerRoot(workerId) + "state";

    private string WorkerRoot(string workerId) =>
        ResourceId.IsValid(workerId) ? _root + "w:" + workerId + ":" : throw new ArgumentException($"Invalid worker id.", nameof(workerId));
}
