using System.Text.Json;
using System.Text.Json.Serialization;

namespace Yoi.Protocol.Events;

/// <summary>
/// Lets <see cref="WorkerEvent"/> appear inside other serialized types (any <see cref="JsonSerializerContext"/>):
/// the same wire form and rules as <see cref="WorkerEventJson"/>.
/// </summary>
public sealed class WorkerEventJsonConverter : JsonConverter<WorkerEvent>
{
    public override WorkerEvent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        WorkerEventJson.Read(ref reader);

    public override void Write(Utf8JsonWriter writer, WorkerEvent value, JsonSerializerOptions options) =>
        WorkerEventJson.Write(writer, value);
}
