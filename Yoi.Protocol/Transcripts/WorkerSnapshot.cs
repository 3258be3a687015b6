using System.Text.Json;

namespace Yoi.Protocol.Transcripts;

/// <summary>
/// The fold of a worker's events up to a cursor (the <c>snapshot</c> of an observation frame):
/// <see cref="Status"/> (one of <c>WorkerStatuses</c>), the completed <see cref="Transcript"/>, and
/// <see cref="InFlight"/>: the partial assistant entry of a run that has not ended (empty when idle), so a client
/// joining mid-run sees what has streamed so far. <see cref="TranscriptState.FromSnapshot"/> resumes folding from it.
/// </summary>
public sealed record WorkerSnapshot(string Status, IReadOnlyList<TranscriptEntry> Transcript, IReadOnlyList<TranscriptEntry> InFlight)
{
    /// <summary>Reads a snapshot object; throws <see cref="ProtocolFormatException"/> when the bytes are not one.</summary>
    public static WorkerSnapshot Parse(ReadOnlySpan<byte> utf8)
    {
        Utf8Text.EnsureValid(utf8, "snapshot");
        try
        {
            return JsonSerializer.Deserialize(utf8, ProtocolJsonContext.Default.WorkerSnapshot)
                ?? throw new ProtocolFormatException("The snapshot is null.");
        }
        catch (ProtocolFormatException) { throw; }
        // The serializer reports a missing or misplaced type discriminator as NotSupportedException.
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            throw new ProtocolFormatException($"The snapshot is invalid: {ex.Message}", ex);
        }
    }

    /// <summary>The snapshot as UTF-8 JSON (snake_case, the escaping of <see cref="Events.WorkerEventJson.WriterOptions"/>).</summary>
    public byte[] ToUtf8Bytes()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, Events.WorkerEventJson.WriterOptions))
        {
            JsonSerializer.Serialize(writer, this, ProtocolJsonContext.Default.WorkerSnapshot);
        }
        return buffer.WrittenSpan.ToArray();
    }
}
