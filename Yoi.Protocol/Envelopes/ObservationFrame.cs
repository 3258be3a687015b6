using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;

namespace Yoi.Protocol.Envelopes;

/// <summary>
/// A frame of the observation stream as a client reads it (docs/protocol.md): <see cref="EventFrame"/>,
/// <see cref="SnapshotFrame"/> (<see cref="RuntimeSnapshotFrame"/> on a runtime-wide stream), <see cref="DiagnosticFrame"/>, or <see cref="UnknownFrame"/> for a kind this version
/// does not know (kept, not rejected). Written by <see cref="EnvelopeWriter"/>.
/// </summary>
public abstract record ObservationFrame
{
    private protected ObservationFrame() { }

    /// <summary>The <c>kind</c> of the frame.</summary>
    public abstract string Kind { get; }

    /// <summary>Reads one frame; throws <see cref="ProtocolFormatException"/> when the bytes are not one.</summary>
    public static ObservationFrame Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return ParseCore(utf8);
        }
        catch (ProtocolFormatException) { throw; }
        catch (JsonException ex) { throw new ProtocolFormatException($"Malformed frame: {ex.Message}", ex); }
    }

    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out ObservationFrame? frame, [NotNullWhen(false)] out string? error)
    {
        try
        {
            frame = Parse(utf8);
            error = null;
            return true;
        }
        catch (ProtocolFormatException ex)
        {
            frame = null;
            error = ex.Message;
            return false;
        }
    }

    private static ObservationFrame ParseCore(ReadOnlySpan<byte> utf8)
    {
        Utf8Text.EnsureValid(utf8, "frame");
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = WorkerEventJson.MaxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new ProtocolFormatException("A frame must be a JSON object.");

        string? kind = null, cursorText = null, runtimeId = null, workerId = null, code = null, message = null;
        Range? payload = null, snapshot = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals("kind"u8)) kind = ReadString(ref reader, "kind");
            else if (reader.ValueTextEquals("cursor"u8)) cursorText = ReadString(ref reader, "cursor");
            else if (reader.ValueTextEquals("runtime_id"u8)) runtimeId = ReadString(ref reader, "runtime_id");
            else if (reader.ValueTextEquals("worker_id"u8)) workerId = ReadString(ref reader, "worker_id", nullable: true);
            else if (reader.ValueTextEquals("code"u8)) code = ReadString(ref reader, "code");
            else if (reader.ValueTextEquals("message"u8)) message = ReadString(ref reader, "message");
            else if (reader.ValueTextEquals("payload"u8)) payload = ReadRaw(ref reader);
            else if (reader.ValueTextEquals("snapshot"u8)) snapshot = ReadRaw(ref reader);
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (reader.Read()) throw new ProtocolFormatException("Unexpected data after the frame object.");

        switch (kind)
        {
            case null:
                throw new ProtocolFormatException("The 'kind' property is missing.");
            case FrameKinds.Event:
                if (payload is not { } payloadRange) throw new ProtocolFormatException("An event frame needs a 'payload'.");
                var raw = utf8[payloadRange].ToArray();
                return new EventFrame(RequireCursor(cursorText), Require(runtimeId, "runtime_id"), workerId,
                    WorkerEventJson.Deserialize(raw), raw);
            case FrameKinds.Snapshot:
                if (snapshot is not { } snapshotRange) throw new ProtocolFormatException("A snapshot frame needs a 'snapshot'.");
                if (workerId is null)
                    return new RuntimeSnapshotFrame(RequireCursor(cursorText), Require(runtimeId, "runtime_id"),
                        ParseRuntimeSnapshot(utf8[snapshotRange]));
                return new SnapshotFrame(RequireCursor(cursorText), Require(runtimeId, "runtime_id"), workerId,
                    WorkerSnapshot.Parse(utf8[snapshotRange]));
            case FrameKinds.Diagnostic:
                return new DiagnosticFrame(Require(code, "code"), message ?? "");
            default:
                var whole = new Utf8JsonReader(utf8);
                return new UnknownFrame(kind, JsonElement.ParseValue(ref whole));
        }
    }

    private static RuntimeSnapshot ParseRuntimeSnapshot(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var snapshot = JsonSerializer.Deserialize(utf8, ApiJsonContext.Default.RuntimeSnapshot);
            if (snapshot?.Workers is null || snapshot.Workers.Any(w => w is null || w.WorkerId is null || w.Status is null))
                throw new ProtocolFormatException("A runtime snapshot needs 'workers', each with 'worker_id' and 'status'.");
            return snapshot;
        }
        catch (JsonException ex)
        {
            throw new ProtocolFormatException($"The runtime snapshot is invalid: {ex.Message}", ex);
        }
    }

    private static string? ReadString(ref Utf8JsonReader reader, string name, bool nullable = false)
    {
        reader.Read();
        if (nullable && reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.String)
            throw new ProtocolFormatException($"The '{name}' property must be a string.");
        return Utf8Text.GetString(ref reader, name);
    }

    private static Range ReadRaw(ref Utf8JsonReader reader)
    {
        reader.Read();
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return start..(int)reader.BytesConsumed;
    }

    private static string Require(string? value, string name) =>
        value ?? throw new ProtocolFormatException($"The '{name}' property is missing.");

    private static StreamCursor RequireCursor(string? text)
    {
        if (text is null) throw new ProtocolFormatException("The 'cursor' property is missing.");
        return StreamCursor.TryParse(text.AsSpan(), out var cursor, out var reason)
            ? cursor
            : throw new ProtocolFormatException($"The 'cursor' is malformed: {reason}.");
    }
}

/// <summary>
/// An event at <see cref="Cursor"/>. <see cref="RawPayload"/> holds the payload bytes exactly as received;
/// <see cref="WorkerId"/> is null for runtime-wide events that concern no worker.
/// </summary>
public sealed record EventFrame(StreamCursor Cursor, string RuntimeId, string? WorkerId, WorkerEvent Payload, ReadOnlyMemory<byte> RawPayload)
    : ObservationFrame
{
    public override string Kind => FrameKinds.Event;
}

/// <summary>The fold of the stream complete up to <see cref="Cursor"/>; the events that follow come after it.</summary>
public sealed record SnapshotFrame(StreamCursor Cursor, string RuntimeId, string? WorkerId, WorkerSnapshot Snapshot) : ObservationFrame
{
    public override string Kind => FrameKinds.Snapshot;
}

/// <summary>
/// The snapshot of a runtime-wide stream (a snapshot frame without <c>worker_id</c>): the runtime's workers with their
/// status, complete up to <see cref="Cursor"/>; the lifecycle events that follow come after it.
/// </summary>
public sealed record RuntimeSnapshotFrame(StreamCursor Cursor, string RuntimeId, RuntimeSnapshot Snapshot) : ObservationFrame
{
    public override string Kind => FrameKinds.Snapshot;
}

/// <summary>A notice from the server; <see cref="Code"/> is one of <see cref="DiagnosticCodes"/>.</summary>
public sealed record DiagnosticFrame(string Code, string Message) : ObservationFrame
{
    public override string Kind => FrameKinds.Diagnostic;
}

/// <summary>A frame of a kind this version does not know; <see cref="Frame"/> is the whole frame object.</summary>
public sealed record UnknownFrame(string FrameKind, JsonElement Frame) : ObservationFrame
{
    public override string Kind => FrameKind;
}
