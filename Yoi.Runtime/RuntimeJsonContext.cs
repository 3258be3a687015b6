using System.Text.Json.Serialization;
using Yoi.Runtime.State;

namespace Yoi.Runtime;

/// <summary>Source-generated JSON of the runtime's own stored types (snake_case).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WorkerRecord))]
[JsonSerializable(typeof(string))]
internal sealed partial class RuntimeJsonContext : JsonSerializerContext;
