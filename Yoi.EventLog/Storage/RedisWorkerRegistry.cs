using System.Text.Json;
using StackExchange.Redis;
using Yoi.Protocol.Api;

namespace Yoi.EventLog.Storage;

/// <summary>The registry as one Redis hash (<c>StreamKeys.Registry</c>): field = worker id, value = the record's JSON.</summary>
public sealed class RedisWorkerRegistry(IConnectionMultiplexer redis, string registryKey) : IWorkerRegistry
{
    private readonly IDatabase _db = redis.GetDatabase();

    public async ValueTask SaveAsync(WorkerRecord record, CancellationToken cancellationToken = default) =>
        await _db.HashSetAsync(registryKey, record.WorkerId,
            JsonSerializer.SerializeToUtf8Bytes(record, StorageJsonContext.Default.WorkerRecord)).WaitAsync(cancellationToken);

    public async ValueTask<IReadOnlyList<WorkerRecord>> LoadAllAsync(CancellationToken cancellationToken = default)
    {
        var all = await _db.HashGetAllAsync(registryKey).WaitAsync(cancellationToken);
        var records = new List<WorkerRecord>(all.Length);
        foreach (var entry in all)
        {
            // A record that does not parse, or whose id is not a valid id, is skipped rather than trusted.
            var field = (string?)entry.Name;
            WorkerRecord? record;
            try { record = JsonSerializer.Deserialize((byte[])entry.Value!, StorageJsonContext.Default.WorkerRecord); }
            catch (JsonException) { continue; }
            if (record is not null && field is not null && record.WorkerId == field && ResourceId.IsValid(field)) records.Add(record);
        }
        return [.. records.OrderBy(r => r.CreatedAt)];
    }
}
