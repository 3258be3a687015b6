using System.Buffers;
using System.Text.Json;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;

namespace Yoi.Protocol.Envelopes;

/// <summary>
/// Writes observation frames (docs/protocol.md) and REST event pages. Event payloads are the stored event bytes, embedded
/// verbatim (never re-serialized); cursors are formatted on the stack. Each frame is one JSON object.
/// The <see cref="IBufferWriter{T}"/> overloads write exactly one frame (or page) and nothing else, all or nothing:
/// invalid input throws before anything reaches the output. The <see cref="Utf8JsonWriter"/> overloads compose
/// frames into a larger document and leave flushing to the caller.
/// </summary>
public static class EnvelopeWriter
{
    private static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText Cursor = JsonEncodedText.Encode("cursor");
    private static readonly JsonEncodedText RuntimeId = JsonEncodedText.Encode("runtime_id");
    private static readonly JsonEncodedText WorkerId = JsonEncodedText.Encode("worker_id");
    private static readonly JsonEncodedText Payload = JsonEncodedText.Encode("payload");
    private static readonly JsonEncodedText Snapshot = JsonEncodedText.Encode("snapshot");
    private static readonly JsonEncodedText Code = JsonEncodedText.Encode("code");
    private static readonly JsonEncodedText Message = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText Events = JsonEncodedText.Encode("events");
    private static readonly JsonEncodedText NextCursor = JsonEncodedText.Encode("next_cursor");
    private static readonly JsonEncodedText EventKind = JsonEncodedText.Encode(FrameKinds.Event);
    private static readonly JsonEncodedText SnapshotKind = JsonEncodedText.Encode(FrameKinds.Snapshot);
    private static readonly JsonEncodedText DiagnosticKind = JsonEncodedText.Encode(FrameKinds.Diagnostic);

    /// <summary>
    /// <c>{"kind":"event","cursor":..,"runtime_id":..,"worker_id":..,"payload":&lt;payload bytes&gt;}</c>.
    /// <paramref name="workerId"/> null leaves <c>worker_id</c> out (runtime-wide events that concern no worker).
    /// The payload is checked to be one JSON object of valid UTF-8 (before anything is written; <see cref="ProtocolFormatException"/>
    /// otherwise) unless <paramref name="trustedPayload"/> is set.
    /// </summary>
    public static void WriteEventFrame(IBufferWriter<byte> output, StreamCursor cursor, string runtimeId, string? workerId,
        ReadOnlySpan<byte> payloadUtf8, bool trustedPayload = false)
    {
        using var lease = WriterLease.Rent(output);
        WriteEventFrame(lease.Writer, cursor, runtimeId, workerId, payloadUtf8, trustedPayload);
        lease.Writer.Flush();
    }

    public static void WriteEventFrame(Utf8JsonWriter writer, StreamCursor cursor, string runtimeId, string? workerId,
        ReadOnlySpan<byte> payloadUtf8, bool trustedPayload = false)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(runtimeId);
        if (!trustedPayload) ValidatePayload(payloadUtf8);
        writer.WriteStartObject();
        writer.WriteString(Kind, EventKind);
        WriteHeader(writer, cursor, runtimeId, workerId);
        writer.WritePropertyName(Payload);
        writer.WriteRawValue(payloadUtf8, skipInputValidation: true);
        writer.WriteEndObject();
    }

    /// <summary><c>{"kind":"snapshot","cursor":..,"runtime_id":..,"worker_id":..,"snapshot":{..}}</c>.</summary>
    public static void WriteSnapshotFrame(IBufferWriter<byte> output, StreamCursor cursor, string runtimeId, string? workerId,
        WorkerSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(output);
        // The serializer flushes as it goes; build the frame aside so a failure leaves the output untouched.
        var frame = new ArrayBufferWriter<byte>(1024);
        using (var lease = WriterLease.Rent(frame))
        {
            WriteSnapshotFrame(lease.Writer, cursor, runtimeId, workerId, snapshot);
            lease.Writer.Flush();
        }
        output.Write(frame.WrittenSpan);
    }

    public static void WriteSnapshotFrame(Utf8JsonWriter writer, StreamCursor cursor, string runtimeId, string? workerId,
        WorkerSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(runtimeId);
        ArgumentNullException.ThrowIfNull(snapshot);
        writer.WriteStartObject();
        writer.WriteString(Kind, SnapshotKind);
        WriteHeader(writer, cursor, runtimeId, workerId);
        writer.WritePropertyName(Snapshot);
        JsonSerializer.Serialize(writer, snapshot, ProtocolJsonContext.Default.WorkerSnapshot);
        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>{"kind":"snapshot","cursor":..,"runtime_id":..,"snapshot":{"workers":[..]}}</c>: a runtime-wide stream's
    /// snapshot, told apart from a worker's by having no <c>worker_id</c>.
    /// </summary>
    public static void WriteRuntimeSnapshotFrame(IBufferWriter<byte> output, StreamCursor cursor, string runtimeId, RuntimeSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(runtimeId);
        ArgumentNullException.ThrowIfNull(snapshot);
        var frame = new ArrayBufferWriter<byte>(1024);
        using (var lease = WriterLease.Rent(frame))
        {
            var writer = lease.Writer;
            writer.WriteStartObject();
            writer.WriteString(Kind, SnapshotKind);
            WriteHeader(writer, cursor, runtimeId, null);
            writer.WritePropertyName(Snapshot);
            JsonSerializer.Serialize(writer, snapshot, ApiJsonContext.Default.RuntimeSnapshot);
            writer.WriteEndObject();
            writer.Flush();
        }
        output.Write(frame.WrittenSpan);
    }

    /// <summary><c>{"kind":"diagnostic","code":..,"message":..}</c>; <paramref name="code"/> is one of <see cref="DiagnosticCodes"/>.</summary>
    public static void WriteDiagnosticFrame(IBufferWriter<byte> output, string code, string message)
    {
        using var lease = WriterLease.Rent(output);
        WriteDiagnosticFrame(lease.Writer, code, message);
        lease.Writer.Flush();
    }

    public static void WriteDiagnosticFrame(Utf8JsonWriter writer, string code, string message)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(message);
        writer.WriteStartObject();
        writer.WriteString(Kind, DiagnosticKind);
        writer.WriteString(Code, code);
        writer.WriteString(Message, message);
        writer.WriteEndObject();
    }

    /// <summary>
    /// A REST page of <c>GET .../events?after=&amp;limit=</c>: <c>{"events":[&lt;event frames&gt;],"next_cursor":"&lt;id&gt;"|null}</c>.
    /// <paramref name="nextCursor"/> is the cursor to pass as <c>after</c> for the next page, null when there is none.
    /// </summary>
    public static void WriteEventPage(IBufferWriter<byte> output, string runtimeId, IReadOnlyList<StoredEvent> events,
        StreamCursor? nextCursor, bool trustedPayload = false)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(runtimeId);
        if (!trustedPayload)
        {
            foreach (var e in events) ValidatePayload(e.Payload.Span);
        }
        using var lease = WriterLease.Rent(output);
        var writer = lease.Writer;
        writer.WriteStartObject();
        writer.WriteStartArray(Events);
        foreach (var e in events)
        {
            WriteEventFrame(writer, e.Cursor, runtimeId, e.WorkerId, e.Payload.Span, trustedPayload: true);
        }
        writer.WriteEndArray();
        if (nextCursor is { } next) WriteCursor(writer, NextCursor, next);
        else writer.WriteNull(NextCursor);
        writer.WriteEndObject();
        writer.Flush();
    }

    private static void ValidatePayload(ReadOnlySpan<byte> payload)
    {
        Utf8Text.EnsureValid(payload, "event payload");
        var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = WorkerEventJson.MaxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new ProtocolFormatException("An event payload must be a JSON object.");
            reader.Skip();
            if (reader.Read()) throw new ProtocolFormatException("Unexpected data after the event payload.");
        }
        catch (ProtocolFormatException) { throw; }
        catch (JsonException ex) { throw new ProtocolFormatException($"The event payload is not valid JSON: {ex.Message}", ex); }
    }

    private static void WriteHeader(Utf8JsonWriter writer, StreamCursor cursor, string runtimeId, string? workerId)
    {
        WriteCursor(writer, Cursor, cursor);
        writer.WriteString(RuntimeId, runtimeId);
        if (workerId is not null) writer.WriteString(WorkerId, workerId);
    }

    private static void WriteCursor(Utf8JsonWriter writer, JsonEncodedText name, StreamCursor cursor)
    {
        Span<byte> text = stackalloc byte[StreamCursor.MaxLength];
        cursor.TryFormat(text, out var length);
        writer.WriteString(name, text[..length]);
    }
}

/// <summary>
/// A per-thread <see cref="Utf8JsonWriter"/> reset onto the caller's output, so writing a frame allocates nothing.
/// Returning it points it back at an empty buffer so it keeps no reference to the caller's output.
/// </summary>
internal readonly struct WriterLease : IDisposable
{
    [ThreadStatic] private static Utf8JsonWriter? t_cached;
    private static readonly IBufferWriter<byte> Detached = new ArrayBufferWriter<byte>(1);

    private WriterLease(Utf8JsonWriter writer) => Writer = writer;

    public Utf8JsonWriter Writer { get; }

    public static WriterLease Rent(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = t_cached;
        t_cached = null;
        if (writer is null) return new(new Utf8JsonWriter(output, WorkerEventJson.WriterOptions));
        writer.Reset(output);
        return new(writer);
    }

    public void Dispose()
    {
        Writer.Reset(Detached);
        t_cached = Writer;
    }
}

/// <summary>One stored event as the Backend forwards it: its cursor, the worker it concerns (if any) and its payload bytes.</summary>
public readonly record struct StoredEvent(StreamCursor Cursor, string? WorkerId, ReadOnlyMemory<byte> Payload);
