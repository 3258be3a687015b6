using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Yoi.Protocol.Events;

/// <summary>
/// Reads and writes <see cref="WorkerEvent"/> in its wire form <c>{"event":"&lt;kind&gt;","data":{...}}</c>.
/// Source generated (<see cref="ProtocolJsonContext"/>), no reflection. Reading accepts <c>event</c> and
/// <c>data</c> in either order and ignores other top-level and data properties (forward compatibility);
/// every known field is required and must have its JSON type. A missing <c>data</c> reads as <c>{}</c>.
/// </summary>
public static class WorkerEventJson
{
    /// <summary>Deepest nesting accepted in a message (the data of unknown variants included).</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// Options of every writer this library creates: minimal escaping (non-ASCII text such as Japanese stays UTF-8,
    /// quotes are written as <c>\"</c>). Wire JSON is served as <c>application/json</c>, never embedded in HTML.
    /// Callers that pass their own <see cref="Utf8JsonWriter"/> should use the same options.
    /// </summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal static readonly JsonEncodedText EventProperty = JsonEncodedText.Encode("event");
    internal static readonly JsonEncodedText DataProperty = JsonEncodedText.Encode("data");

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    private sealed record Variant(string Kind, byte[] Utf8Kind, JsonTypeInfo TypeInfo);

    private static readonly Variant[] Variants = BuildVariants();
    private static readonly Dictionary<Type, JsonTypeInfo> TypeInfos = Variants.ToDictionary(v => v.TypeInfo.Type, v => v.TypeInfo);

    private static Variant[] BuildVariants()
    {
        var c = ProtocolJsonContext.Default;
        (string Kind, JsonTypeInfo Info)[] table =
        [
            (EventKinds.UserMessage, c.UserMessageEvent), (EventKinds.TurnStart, c.TurnStartEvent),
            (EventKinds.TurnEnd, c.TurnEndEvent), (EventKinds.TextDelta, c.TextDeltaEvent),
            (EventKinds.TextDone, c.TextDoneEvent), (EventKinds.ThinkingStart, c.ThinkingStartEvent),
            (EventKinds.ThinkingDelta, c.ThinkingDeltaEvent), (EventKinds.ThinkingDone, c.ThinkingDoneEvent),
            (EventKinds.ToolCallStart, c.ToolCallStartEvent), (EventKinds.ToolCallArgsDelta, c.ToolCallArgsDeltaEvent),
            (EventKinds.ToolCallDone, c.ToolCallDoneEvent), (EventKinds.ToolResult, c.ToolResultEvent),
            (EventKinds.RunStart, c.RunStartEvent), (EventKinds.RunEnd, c.RunEndEvent),
            (EventKinds.Usage, c.UsageEvent), (EventKinds.Error, c.ErrorEvent), (EventKinds.Status, c.StatusEvent),
            (EventKinds.WorkerCreated, c.WorkerCreatedEvent), (EventKinds.WorkerStopped, c.WorkerStoppedEvent),
            (EventKinds.Diagnostic, c.DiagnosticEvent),
        ];
        return [.. table.Select(t => new Variant(t.Kind, System.Text.Encoding.UTF8.GetBytes(t.Kind), t.Info))];
    }

    /// <summary>
    /// The wire form as a new array. Each thread keeps one buffer and one writer for it (events are serialized on the
    /// append path of every worker: docs/benchmarks.md, append throughput); a buffer grown past
    /// <see cref="KeptBufferBytes"/> by a large event is let go instead of kept.
    /// </summary>
    public static byte[] SerializeToUtf8Bytes(WorkerEvent workerEvent)
    {
        var scratch = t_scratch ??= new SerializationScratch();
        scratch.Buffer.ResetWrittenCount();
        scratch.Writer.Reset(scratch.Buffer);
        Write(scratch.Writer, workerEvent);
        scratch.Writer.Flush();
        var bytes = scratch.Buffer.WrittenSpan.ToArray();
        if (scratch.Buffer.Capacity > KeptBufferBytes) t_scratch = null;
        return bytes;
    }

    private const int KeptBufferBytes = 16 * 1024;

    [ThreadStatic] private static SerializationScratch? t_scratch;

    private sealed class SerializationScratch
    {
        public readonly ArrayBufferWriter<byte> Buffer = new(256);
        public readonly Utf8JsonWriter Writer;
        public SerializationScratch() => Writer = new Utf8JsonWriter(Buffer, WriterOptions);
    }

    public static string Serialize(WorkerEvent workerEvent) =>
        System.Text.Encoding.UTF8.GetString(SerializeToUtf8Bytes(workerEvent));

    public static void Write(Utf8JsonWriter writer, WorkerEvent workerEvent)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(workerEvent);
        writer.WriteStartObject();
        writer.WriteString(EventProperty, workerEvent.Kind);
        if (workerEvent is UnknownEvent unknown)
        {
            if (unknown.Data.ValueKind != JsonValueKind.Undefined)
            {
                writer.WritePropertyName(DataProperty);
                unknown.Data.WriteTo(writer);
            }
        }
        else
        {
            writer.WritePropertyName(DataProperty);
            JsonSerializer.Serialize(writer, workerEvent, TypeInfos[workerEvent.GetType()]);
        }
        writer.WriteEndObject();
    }

    /// <summary>Reads one event message (the whole span); throws <see cref="ProtocolFormatException"/> when it is not one.</summary>
    public static WorkerEvent Deserialize(ReadOnlySpan<byte> utf8)
    {
        Utf8Text.EnsureValid(utf8, "event");
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        try
        {
            var result = Read(ref reader);
            if (reader.Read()) throw new ProtocolFormatException("Unexpected data after the event object.");
            return result;
        }
        catch (ProtocolFormatException) { throw; }
        catch (JsonException ex) { throw new ProtocolFormatException($"Malformed event: {ex.Message}", ex); }
    }

    public static WorkerEvent Deserialize(string json) => Deserialize(System.Text.Encoding.UTF8.GetBytes(json));

    public static bool TryDeserialize(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out WorkerEvent? workerEvent, [NotNullWhen(false)] out string? error)
    {
        try
        {
            workerEvent = Deserialize(utf8);
            error = null;
            return true;
        }
        catch (ProtocolFormatException ex)
        {
            workerEvent = null;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>
    /// The <c>event</c> value of a message without reading the rest: a constant of <see cref="EventKinds"/> for
    /// known kinds (no allocation), a new string for unknown ones, null when the bytes are not an event object.
    /// </summary>
    public static string? PeekKind(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isEvent = reader.ValueTextEquals(EventProperty.EncodedUtf8Bytes);
                if (!reader.Read()) return null;
                if (isEvent) return reader.TokenType == JsonTokenType.String ? KnownKind(ref reader) ?? Utf8Text.GetString(ref reader, "event") : null;
                if (!reader.TrySkip()) return null;
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads an event object at the reader's position (a start-object token, or before it).</summary>
    internal static WorkerEvent Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.None && !reader.Read())
            throw new ProtocolFormatException("Empty input: expected an event object.");
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new ProtocolFormatException($"An event must be a JSON object, not {Describe(reader.TokenType)}.");

        string? kind = null;
        Variant? variant = null;
        WorkerEvent? parsed = null;
        JsonElement? earlyData = null;
        var sawData = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals(EventProperty.EncodedUtf8Bytes))
            {
                if (kind is not null) throw new ProtocolFormatException("The 'event' property appears twice.");
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                    throw new ProtocolFormatException($"The 'event' property must be a string, not {Describe(reader.TokenType)}.");
                variant = FindVariant(ref reader);
                kind = variant?.Kind ?? Utf8Text.GetString(ref reader, "event");
                if (kind.Length == 0) throw new ProtocolFormatException("The 'event' property is empty.");
            }
            else if (reader.ValueTextEquals(DataProperty.EncodedUtf8Bytes))
            {
                if (sawData) throw new ProtocolFormatException("The 'data' property appears twice.");
                sawData = true;
                reader.Read();
                if (kind is null) earlyData = JsonElement.ParseValue(ref reader);
                else parsed = ReadData(kind, variant, ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (kind is null) throw new ProtocolFormatException("The 'event' property is missing.");
        if (parsed is not null) return parsed;
        if (earlyData is { } data)
        {
            if (variant is null) return new UnknownEvent(kind, data);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(data, ProtocolJsonContext.Default.JsonElement);
            var dataReader = new Utf8JsonReader(bytes, ReaderOptions);
            dataReader.Read();
            return ReadData(kind, variant, ref dataReader);
        }
        if (variant is null) return new UnknownEvent(kind, default);
        var empty = new Utf8JsonReader("{}"u8, ReaderOptions);
        empty.Read();
        return ReadData(kind, variant, ref empty);
    }

    private static WorkerEvent ReadData(string kind, Variant? variant, ref Utf8JsonReader reader)
    {
        if (variant is null) return new UnknownEvent(kind, JsonElement.ParseValue(ref reader));
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new ProtocolFormatException($"The 'data' of '{kind}' must be an object, not {Describe(reader.TokenType)}.");
        try
        {
            return (WorkerEvent?)JsonSerializer.Deserialize(ref reader, variant.TypeInfo)
                ?? throw new ProtocolFormatException($"The 'data' of '{kind}' is null.");
        }
        catch (ProtocolFormatException) { throw; }
        catch (JsonException ex)
        {
            throw new ProtocolFormatException($"The 'data' of '{kind}' is invalid: {ex.Message}", ex);
        }
    }

    private static Variant? FindVariant(ref Utf8JsonReader reader)
    {
        foreach (var v in Variants)
        {
            if (reader.ValueTextEquals(v.Utf8Kind)) return v;
        }
        return null;
    }

    private static string? KnownKind(ref Utf8JsonReader reader) => FindVariant(ref reader)?.Kind;

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
