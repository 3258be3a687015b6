using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;

namespace Yoi.BackendService.Projection;

/// <summary>
/// The <see cref="EventProjection.Redacted"/> projection: thinking text, tool arguments and tool output become
/// <see cref="Marker"/>; every other byte of the event is kept, and the event itself always is.
/// </summary>
public static class EventRedactor
{
    public const string Marker = "[redacted]";

    /// <summary>The redacted payload, or null when the event carries nothing to redact (send the stored bytes).</summary>
    public static byte[]? Redact(ReadOnlySpan<byte> payload)
    {
        var field = WorkerEventJson.PeekKind(payload) switch
        {
            EventKinds.ThinkingDelta or EventKinds.ThinkingDone => "text",
            EventKinds.ToolResult => "output",
            EventKinds.ToolCallArgsDelta => "json",
            EventKinds.ToolCallDone => "arguments",
            _ => null,
        };
        if (field is null) return null;
        try
        {
            if (JsonNode.Parse(payload) is not JsonObject root || root["data"] is not JsonObject data || !data.ContainsKey(field))
                return null;
            data[field] = Marker;
            var buffer = new ArrayBufferWriter<byte>(payload.Length);
            using (var writer = new Utf8JsonWriter(buffer, WorkerEventJson.WriterOptions)) root.WriteTo(writer);
            return buffer.WrittenSpan.ToArray();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static WorkerSnapshot Redact(WorkerSnapshot snapshot) =>
        snapshot with { Transcript = Redact(snapshot.Transcript), InFlight = Redact(snapshot.InFlight) };

    private static List<TranscriptEntry> Redact(IReadOnlyList<TranscriptEntry> entries) =>
        entries.Select(e => e is AssistantEntry a ? a with { Parts = a.Parts.Select(Redact).ToList() } : e).ToList();

    private static ContentPart Redact(ContentPart part) => part switch
    {
        ThinkingPart t => t with { Text = Marker },
        ToolCallPart c => c with { Arguments = Marker, Output = c.Output is null ? null : Marker },
        OrphanToolResultPart o => o with { Output = Marker },
        _ => part,
    };
}
