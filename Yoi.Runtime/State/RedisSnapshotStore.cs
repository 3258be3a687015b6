using Yoi.EventLog.Redis;

namespace Yoi.Runtime.State;

/// <summary>Checkpoints as Redis strings (one key per worker), on the shared multiplexed connection.</summary>
public sealed class RedisSnapshotStore(RedisClient client) : ISnapshotStore
{
    public async ValueTask SaveAsync(string key, SnapshotCheckpoint checkpoint, CancellationToken cancellationToken = default) =>
        await client.SetAsync(key, SnapshotCheckpointJson.Serialize(checkpoint), cancellationToken: cancellationToken);

    public async ValueTask<SnapshotCheckpoint?> LoadAsync(string key, CancellationToken cancellationToken = default) =>
        await client.GetAsync(key, cancellationToken) is { } stored ? SnapshotCheckpointJson.Deserialize(stored) : null;

    public async ValueTask DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        await client.DeleteAsync(key, cancellationToken);
}
