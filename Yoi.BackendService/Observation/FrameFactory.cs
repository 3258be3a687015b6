using System.Buffers;
using System.Text.Json;
using Yoi.BackendService.Projection;
using Yoi.Protocol;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;

namespace Yoi.BackendService.Observation;

/// <summary>Builds the bytes of observation frames (one array per frame, shared by every client of a projection).</summary>
public static class FrameFactory
{
    /// <summary>
    /// The event frame the projection makes of a stored event; null when the projection drops it. A stored entry that
    /// is not a JSON object is framed as a <c>malformed_event</c> diagnostic at its cursor (<see cref="StoredPayload"/>).
    /// </summary>
    public static byte[]? Event(StreamCursor cursor, string runtimeId, string? workerId, ReadOnlySpan<byte> payload, EventProjection projection)
    {
        if (!StoredPayload.IsWellFormed(payload)) payload = StoredPayload.Malformed.Span;
        var projected = projection.ProjectEvent(payload);
        if (projected.IsDropped) return null;
        var buffer = new ArrayBufferWriter<byte>(payload.Length + 96);
        try
        {
            if (projected.Replacement is { } replacement) EnvelopeWriter.WriteEventFrame(buffer, cursor, runtimeId, workerId, replacement);
            else EnvelopeWriter.WriteEventFrame(buffer, cursor, runtimeId, workerId, payload, trustedPayload: true);
        }
        catch (JsonException)
        {
            buffer.ResetWrittenCount();
            EnvelopeWriter.WriteEventFrame(buffer, cursor, runtimeId, workerId, StoredPayload.Malformed.Span, trustedPayload: true);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Snapshot(StreamCursor cursor, string runtimeId, string workerId, WorkerSnapshot snapshot, EventProjection projection)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        EnvelopeWriter.WriteSnapshotFrame(buffer, cursor, runtimeId, workerId, projection.ProjectSnapshot(snapshot));
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] RuntimeSnapshot(StreamCursor cursor, string runtimeId, RuntimeSnapshot snapshot)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        EnvelopeWriter.WriteRuntimeSnapshotFrame(buffer, cursor, runtimeId, snapshot);
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Diagnostic(string code, string message)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        EnvelopeWriter.WriteDiagnosticFrame(buffer, code, message);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// A runtime-wide stream entry is the event plus a top-level <c>"worker_id"</c>; the frame carries the worker id
    /// in its header and the event without it. Entries without one pass unchanged (worker id null).
    /// </summary>
    public static ReadOnlyMemory<byte> SplitRuntimeEntry(ReadOnlyMemory<byte> entry, out string? workerId)
    {
        workerId = null;
        var span = entry.Span;
        try
        {
            var reader = new Utf8JsonReader(span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return entry;
            var found = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isWorker = reader.ValueTextEquals("worker_id"u8);
                reader.Read();
                if (isWorker && reader.TokenType == JsonTokenType.String)
                {
                    var id = reader.GetString();
                    if (ResourceId.IsValid(id)) workerId = id;
                    found = true;
                }
                reader.Skip();
            }
            if (!found) return entry;

            var buffer = new ArrayBufferWriter<byte>(span.Length);
            using (var writer = new Utf8JsonWriter(buffer, WorkerEventJson.WriterOptions))
            {
                reader = new Utf8JsonReader(span);
                reader.Read();
                writer.WriteStartObject();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var skip = reader.ValueTextEquals("worker_id"u8);
                    var name = reader.GetString()!;
                    reader.Read();
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    if (skip) continue;
                    writer.WritePropertyName(name);
                    writer.WriteRawValue(span[start..(int)reader.BytesConsumed], skipInputValidation: true);
                }
                writer.WriteEndObject();
            }
            return buffer.WrittenMemory;
        }
        catch (JsonException)
        {
            return entry;
        }
    }
}
