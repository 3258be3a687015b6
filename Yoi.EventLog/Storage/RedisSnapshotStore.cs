using StackExchange.Redis;

namespace Yoi.EventLog.Storage;

/// <summary>Checkpoints as Redis strings (one key per worker), on the shared multiplexer.</summary>
public sealed class RedisSnapshotStore(IConnectionMultiplexer redis) : ISnapshotStore
{
    private readonly IDatabase _db = redis.GetDatabase();

    public async ValueTask SaveAsync(string key, SnapshotCheckpoint checkpoint, CancellationToken cancellationToken = default) =>
        await _db.StringSetAsync(key, SnapshotCheckpointJson.Serialize(checkpoint)).WaitAsync(cancellationToken);

    public async ValueTask<SnapshotCheckpoint?> LoadAsync(string key, CancellationToken cancellationToken = default) =>
        (byte[]?)await _db.StringGetAsync(key).WaitAsync(cancellationToken) is { } stored ? SnapshotCheckpointJson.Deserialize(stored) : null;

    public async ValueTask DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        await _db.KeyDeleteAsync(key).WaitAsync(cancellationToken);
}
