using System.Buffers;
using System.Text.Json;
using Yoi.Protocol;
using Yoi.Protocol.Cursors;

namespace Yoi.EventLog.Storage;

/// <summary><c>{"cursor":"&lt;id&gt;","snapshot":{...}}</c>, the stored form of a checkpoint.</summary>
internal static class SnapshotCheckpointJson
{
    public static byte[] Serialize(SnapshotCheckpoint checkpoint)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("cursor", checkpoint.Cursor.ToString());
            writer.WritePropertyName("snapshot");
            JsonSerializer.Serialize(writer, checkpoint.Snapshot, ProtocolJsonContext.Default.WorkerSnapshot);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static SnapshotCheckpoint? Deserialize(ReadOnlySpan<byte> utf8)
    {
        using var document = JsonDocument.Parse(utf8.ToArray());
        var root = document.RootElement;
        if (!root.TryGetProperty("cursor", out var cursorText) || cursorText.ValueKind != JsonValueKind.String
            || !StreamCursor.TryParse(cursorText.GetString(), out var cursor)
            || !root.TryGetProperty("snapshot", out var snapshotJson))
            return null;
        var snapshot = snapshotJson.Deserialize(ProtocolJsonContext.Default.WorkerSnapshot);
        return snapshot is null ? null : new SnapshotCheckpoint(cursor, snapshot);
    }
}
