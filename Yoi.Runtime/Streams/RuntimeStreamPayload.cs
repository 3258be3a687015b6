using System.Text;
using System.Text.Json;
using Yoi.Protocol.Api;

namespace Yoi.Runtime.Streams;

/// <summary>
/// The payload of a lifecycle event on the runtime-wide stream: the worker event object with one extra top-level
/// member, <c>{"event":..,"data":{..},"worker_id":"w-.."}</c>, so a reader of that stream knows the worker.
/// <c>WorkerEventJson</c> ignores unknown top-level members, so the payload still reads as the same event.
/// </summary>
public static class RuntimeStreamPayload
{
    public const string WorkerIdProperty = "worker_id";

    public static byte[] WithWorkerId(ReadOnlySpan<byte> eventJson, string workerId)
    {
        if (!ResourceId.IsValid(workerId)) throw new ArgumentException("Invalid worker id.", nameof(workerId));
        var end = eventJson.LastIndexOf((byte)'}');
        if (end < 1) throw new ArgumentException("Not an event object.", nameof(eventJson));
        // Ids are [A-Za-z0-9_-]: nothing to escape.
        var suffix = Encoding.UTF8.GetBytes($",\"{WorkerIdProperty}\":\"{workerId}\"}}");
        var result = new byte[end + suffix.Length];
        eventJson[..end].CopyTo(result);
        suffix.CopyTo(result.AsSpan(end));
        return result;
    }

    /// <summary>The top-level <c>worker_id</c> of a runtime-wide stream payload, or null (absent, invalid, not an object).</summary>
    public static string? ReadWorkerId(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isWorkerId = reader.ValueTextEquals(WorkerIdProperty);
                if (!reader.Read()) return null;
                if (isWorkerId)
                    return reader.TokenType == JsonTokenType.String && reader.GetString() is { } id && ResourceId.IsValid(id) ? id : null;
                if (!reader.TrySkip()) return null;
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
