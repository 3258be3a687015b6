using System.Text.Json;
using Yoi.Protocol.Cursors;

namespace Yoi.Protocol.Envelopes;

/// <summary>
/// A page of <c>GET .../events?after=&amp;limit=</c>: <c>{"events":[&lt;event frames&gt;],"next_cursor":"&lt;id&gt;"|null}</c>.
/// Written by <see cref="EnvelopeWriter.WriteEventPage"/>. <see cref="NextCursor"/> is the cursor of the last event on the
/// page (pass it as <c>after</c> for the next one); null when the page is empty (nothing newer yet: keep your cursor).
/// </summary>
public sealed record EventPage(IReadOnlyList<EventFrame> Events, StreamCursor? NextCursor)
{
    /// <summary>Reads a page; throws <see cref="ProtocolFormatException"/> when the bytes are not one.</summary>
    public static EventPage Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return ParseCore(utf8);
        }
        catch (ProtocolFormatException) { throw; }
        catch (JsonException ex) { throw new ProtocolFormatException($"Malformed event page: {ex.Message}", ex); }
    }

    private static EventPage ParseCore(ReadOnlySpan<byte> utf8)
    {
        Utf8Text.EnsureValid(utf8, "event page");
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = Yoi.Protocol.Events.WorkerEventJson.MaxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new ProtocolFormatException("An event page must be a JSON object.");
        List<EventFrame>? events = null;
        StreamCursor? next = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals("events"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw new ProtocolFormatException("The 'events' property must be an array.");
                events = [];
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    var frame = ObservationFrame.Parse(utf8[start..(int)reader.BytesConsumed]);
                    events.Add(frame as EventFrame
                        ?? throw new ProtocolFormatException($"An event page holds only event frames, not '{frame.Kind}'."));
                }
            }
            else if (reader.ValueTextEquals("next_cursor"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) next = null;
                else if (reader.TokenType == JsonTokenType.String
                    && StreamCursor.TryParse(Utf8Text.GetString(ref reader, "next_cursor").AsSpan(), out var c, out _)) next = c;
                else throw new ProtocolFormatException("The 'next_cursor' must be a cursor string or null.");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (reader.Read()) throw new ProtocolFormatException("Unexpected data after the event page.");
        return new EventPage(events ?? throw new ProtocolFormatException("The 'events' property is missing."), next);
    }
}
