using System.Text.Json;
using Yoi.EventLog.Redis;
using Yoi.Protocol.Api;

namespace Yoi.Runtime.State;

/// <summary>The registry as one Redis hash (<c>StreamKeys.Registry</c>): field = worker id, value = the record's JSON.</summary>
public sealed class RedisWorkerRegistry(RedisClient client, string registryKey) : IWorkerRegistry
{
    public async ValueTask SaveAsync(WorkerRecord record, CancellationToken cancellationToken = default) =>
        await client.HashSetAsync(registryKey,
            [new StreamField(record.WorkerId, JsonSerializer.SerializeToUtf8Bytes(record, RuntimeJsonContext.Default.WorkerRecord))],
            cancellationToken);

    public async ValueTask<IReadOnlyList<WorkerRecord>> LoadAllAsync(CancellationToken cancellationToken = default)
    {
        var all = await client.HashGetAllAsync(registryKey, cancellationToken);
        var records = new List<WorkerRecord>(all.Count);
        foreach (var (field, value) in all)
        {
            // A record that does not parse, or whose id is not a valid id, is skipped rather than trusted.
            WorkerRecord? record;
            try { record = JsonSerializer.Deserialize(value, RuntimeJsonContext.Default.WorkerRecord); }
            catch (JsonException) { continue; }
            if (record is not null && record.WorkerId == field && ResourceId.IsValid(field)) records.Add(record);
        }
        return [.. records.OrderBy(r => r.CreatedAt)];
    }
}
