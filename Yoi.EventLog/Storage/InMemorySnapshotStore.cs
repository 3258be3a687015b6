using System.Collections.Concurrent;

namespace Yoi.EventLog.Storage;

/// <summary>The embedded engine: checkpoints in process memory, stored serialized like Redis stores them.</summary>
public sealed class InMemorySnapshotStore : ISnapshotStore
{
    private readonly ConcurrentDictionary<string, byte[]> _checkpoints = new(StringComparer.Ordinal);

    public ValueTask SaveAsync(string key, SnapshotCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        _checkpoints[key] = SnapshotCheckpointJson.Serialize(checkpoint);
        return ValueTask.CompletedTask;
    }

    public ValueTask<SnapshotCheckpoint?> LoadAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_checkpoints.TryGetValue(key, out var stored) ? SnapshotCheckpointJson.Deserialize(stored) : null);

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        _checkpoints.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }
}
