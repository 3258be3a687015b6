using Yoi.Protocol.Api;

namespace Yoi.EventLog.Storage;

/// <summary>
/// The Redis keys of one runtime: <c>yoi:{rt-1}:w:{worker}:events</c> and <c>:state</c> per worker,
/// <c>yoi:{rt-1}:events</c> for lifecycle events, <c>yoi:{rt-1}:workers</c> for the registry (with the default prefix
/// <c>yoi:</c>). The runtime id in braces is a Redis Cluster hash tag: everything one runtime writes lives in one slot.
/// Internal: never shown to clients. Ids are validated here, so an unchecked id can never become part of a key.
/// </summary>
public sealed class StreamKeys
{
    private readonly string _root;

    public StreamKeys(string prefix, string runtimeId)
    {
        if (!ResourceId.IsValid(runtimeId)) throw new ArgumentException($"Invalid runtime id '{runtimeId}'.", nameof(runtimeId));
        RuntimeId = runtimeId;
        _root = prefix + "{" + runtimeId + "}:";
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
