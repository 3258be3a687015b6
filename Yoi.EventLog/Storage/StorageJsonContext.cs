using System.Text.Json.Serialization;

namespace Yoi.EventLog.Storage;

/// <summary>The stored JSON of the registry records (snake_case, like the rest of the stored data).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WorkerRecord))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
