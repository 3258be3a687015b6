using System.Text.Json;
using System.Text.Json.Serialization;

namespace Yoi.Protocol.Events;

/// <summary>
/// One event of a Worker: the tagged union of docs/protocol.md (events), on the wire <c>{"event":"&lt;kind&gt;","data":{...}}</c>
/// with snake_case data fields. Read and write it with <see cref="WorkerEventJson"/>. Any variant this version does
/// not know is read as <see cref="UnknownEvent"/> and written back unchanged.
/// </summary>
[JsonConverter(typeof(WorkerEventJsonConverter))]
public abstract record WorkerEvent
{
    private protected WorkerEvent(string kind) => Kind = kind;

    /// <summary>The wire name of the variant (the <c>"event"</c> value), one of <see cref="EventKinds"/> when known.</summary>
    [JsonIgnore]
    public string Kind { get; }
}

// Input and turns.
public sealed record UserMessageEvent(string Text) : WorkerEvent(EventKinds.UserMessage);
public sealed record TurnStartEvent(int Turn) : WorkerEvent(EventKinds.TurnStart);
public sealed record TurnEndEvent(int Turn, string Result) : WorkerEvent(EventKinds.TurnEnd);

// Text.
public sealed record TextDeltaEvent(string Text) : WorkerEvent(EventKinds.TextDelta);
/// <summary>The complete text of the block the deltas built; authoritative over the deltas.</summary>
public sealed record TextDoneEvent(string Text) : WorkerEvent(EventKinds.TextDone);

// Thinking.
public sealed record ThinkingStartEvent() : WorkerEvent(EventKinds.ThinkingStart);
public sealed record ThinkingDeltaEvent(string Text) : WorkerEvent(EventKinds.ThinkingDelta);
/// <summary>The complete thinking text of the block; authoritative over the deltas.</summary>
public sealed record ThinkingDoneEvent(string Text) : WorkerEvent(EventKinds.ThinkingDone);

// Tools.
public sealed record ToolCallStartEvent(string Id, string Name) : WorkerEvent(EventKinds.ToolCallStart);
/// <summary>A fragment of the call's JSON arguments; fragments concatenate, they are not JSON on their own.</summary>
public sealed record ToolCallArgsDeltaEvent(string Id, string Json) : WorkerEvent(EventKinds.ToolCallArgsDelta);
/// <summary>The call is complete. <see cref="Arguments"/> is the arguments object as a JSON string.</summary>
public sealed record ToolCallDoneEvent(string Id, string Name, string Arguments) : WorkerEvent(EventKinds.ToolCallDone);
public sealed record ToolResultEvent(string Id, string Output, bool IsError) : WorkerEvent(EventKinds.ToolResult);

// Runs.
public sealed record RunStartEvent(string RunId) : WorkerEvent(EventKinds.RunStart);
/// <summary><see cref="Result"/> is one of <see cref="RunResults"/>.</summary>
public sealed record RunEndEvent(string RunId, string Result) : WorkerEvent(EventKinds.RunEnd);
public sealed record UsageEvent(long InputTokens, long OutputTokens) : WorkerEvent(EventKinds.Usage);
/// <summary><see cref="Code"/> is one of <see cref="ErrorCodes"/>.</summary>
public sealed record ErrorEvent(string Code, string Message) : WorkerEvent(EventKinds.Error);

// Status.
/// <summary><see cref="Status"/> is one of <see cref="WorkerStatuses"/>.</summary>
public sealed record StatusEvent(string Status) : WorkerEvent(EventKinds.Status);
public sealed record WorkerCreatedEvent(string WorkerId, string Provider, DateTimeOffset CreatedAt) : WorkerEvent(EventKinds.WorkerCreated);
public sealed record WorkerStoppedEvent(string WorkerId, string Reason) : WorkerEvent(EventKinds.WorkerStopped);

// Diagnostics.
/// <summary>A runtime-side notice worth showing; <see cref="Code"/> is one of <see cref="DiagnosticCodes"/>.</summary>
public sealed record DiagnosticEvent(string Code, string Message) : WorkerEvent(EventKinds.Diagnostic);

/// <summary>
/// A variant this version does not know, kept as read: writing it gives back the same <c>event</c> and
/// <c>data</c>. <see cref="Data"/> is <see cref="JsonValueKind.Undefined"/> when the message had no <c>data</c>.
/// Equality compares <see cref="Data"/> structurally (<see cref="JsonElement.DeepEquals"/>).
/// </summary>
public sealed record UnknownEvent : WorkerEvent
{
    public UnknownEvent(string kind, JsonElement data) : base(kind) => Data = data;

    public JsonElement Data { get; }

    public bool Equals(UnknownEvent? other) =>
        other is not null && Kind == other.Kind && DataEquals(Data, other.Data);

    private static bool DataEquals(JsonElement a, JsonElement b) =>
        a.ValueKind == JsonValueKind.Undefined || b.ValueKind == JsonValueKind.Undefined
            ? a.ValueKind == b.ValueKind
            : JsonElement.DeepEquals(a, b);

    public override int GetHashCode() => Kind.GetHashCode(StringComparison.Ordinal);
}
