using System.Text.Json;
using Yoi.Protocol.Events;

namespace Yoi.Protocol.Envelopes;

/// <summary>
/// What a reader hands on for a stored event: its bytes when they are one JSON object of valid UTF-8, otherwise a
/// <c>diagnostic{code: malformed_event}</c> event in its place (same cursor), so a bad entry in the log (written by
/// hand, truncated, without a payload field) never breaks a page or a connection and paging moves past it.
/// </summary>
public static class StoredPayload
{
    /// <summary>The event that stands in for a stored entry that is not a JSON object.</summary>
    public static readonly ReadOnlyMemory<byte> Malformed = WorkerEventJson.SerializeToUtf8Bytes(
        new DiagnosticEvent(DiagnosticCodes.MalformedEvent, "The stored event is not valid JSON."));

    /// <summary>The payload itself when it is well formed, else <see cref="Malformed"/>.</summary>
    public static ReadOnlyMemory<byte> OrMalformed(ReadOnlyMemory<byte> payload) => IsWellFormed(payload.Span) ? payload : Malformed;

    /// <summary>One JSON object of valid UTF-8 and nothing after it.</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty || !System.Text.Unicode.Utf8.IsValid(payload)) return false;
        var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = WorkerEventJson.MaxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
