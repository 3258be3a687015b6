using System.Text.Json;
using System.Text.Json.Serialization;

namespace Yoi.BackendService.AgUi;

/// <summary>
/// One event of the AG-UI 1.0 protocol as the Backend sends it: <c>{"type":"TEXT_MESSAGE_CONTENT",...}</c> with the
/// protocol's camelCase fields (the schemas of <c>@ag-ui/core</c>). Only the events the Backend produces are modelled;
/// absent optional fields are omitted, never null. <see cref="Timestamp"/> is the millisecond part of the cursor of
/// the worker event the AG-UI event came from. The mapping is in docs/agui.md.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(RunStarted), AgUiEventTypes.RunStarted)]
[JsonDerivedType(typeof(RunFinished), AgUiEventTypes.RunFinished)]
[JsonDerivedType(typeof(RunError), AgUiEventTypes.RunError)]
[JsonDerivedType(typeof(TextMessageStart), AgUiEventTypes.TextMessageStart)]
[JsonDerivedType(typeof(TextMessageContent), AgUiEventTypes.TextMessageContent)]
[JsonDerivedType(typeof(TextMessageEnd), AgUiEventTypes.TextMessageEnd)]
[JsonDerivedType(typeof(ReasoningStart), AgUiEventTypes.ReasoningStart)]
[JsonDerivedType(typeof(ReasoningMessageStart), AgUiEventTypes.ReasoningMessageStart)]
[JsonDerivedType(typeof(ReasoningMessageContent), AgUiEventTypes.ReasoningMessageContent)]
[JsonDerivedType(typeof(ReasoningMessageEnd), AgUiEventTypes.ReasoningMessageEnd)]
[JsonDerivedType(typeof(ReasoningEnd), AgUiEventTypes.ReasoningEnd)]
[JsonDerivedType(typeof(ToolCallStart), AgUiEventTypes.ToolCallStart)]
[JsonDerivedType(typeof(ToolCallArgs), AgUiEventTypes.ToolCallArgs)]
[JsonDerivedType(typeof(ToolCallEnd), AgUiEventTypes.ToolCallEnd)]
[JsonDerivedType(typeof(ToolCallResult), AgUiEventTypes.ToolCallResult)]
[JsonDerivedType(typeof(MessagesSnapshot), AgUiEventTypes.MessagesSnapshot)]
[JsonDerivedType(typeof(Custom), AgUiEventTypes.Custom)]
[JsonDerivedType(typeof(Raw), AgUiEventTypes.Raw)]
public abstract record AgUiEvent
{
    [JsonPropertyOrder(-1)]
    public long? Timestamp { get; init; }

    /// <summary>The wire name (<c>type</c>), one of <see cref="AgUiEventTypes"/>.</summary>
    [JsonIgnore]
    public string Type => AgUiEventTypes.Of(this);
}

public sealed record RunStarted(string ThreadId, string RunId) : AgUiEvent;

/// <summary>A run that did not fail: <see cref="Outcome"/> says whether it completed or was cancelled.</summary>
public sealed record RunFinished(string ThreadId, string RunId, RunOutcome? Outcome = null, IReadOnlyList<TokenUsageEntry>? Usage = null) : AgUiEvent;

public sealed record RunError(string Message, string? Code = null, IReadOnlyList<TokenUsageEntry>? Usage = null) : AgUiEvent;

public sealed record TextMessageStart(string MessageId, string Role) : AgUiEvent;
public sealed record TextMessageContent(string MessageId, string Delta) : AgUiEvent;
public sealed record TextMessageEnd(string MessageId) : AgUiEvent;

public sealed record ReasoningStart(string MessageId) : AgUiEvent;
public sealed record ReasoningMessageStart(string MessageId, string Role = "reasoning") : AgUiEvent;
public sealed record ReasoningMessageContent(string MessageId, string Delta) : AgUiEvent;
public sealed record ReasoningMessageEnd(string MessageId) : AgUiEvent;
public sealed record ReasoningEnd(string MessageId) : AgUiEvent;

public sealed record ToolCallStart(string ToolCallId, string ToolCallName, string? ParentMessageId = null) : AgUiEvent;
public sealed record ToolCallArgs(string ToolCallId, string Delta) : AgUiEvent;
public sealed record ToolCallEnd(string ToolCallId) : AgUiEvent;

/// <summary>A tool's output; an output the tool reported as an error carries <c>metadata.yoi.is_error = true</c>.</summary>
public sealed record ToolCallResult(string MessageId, string ToolCallId, string Content, string Role = "tool", JsonElement? Metadata = null) : AgUiEvent;

public sealed record MessagesSnapshot(IReadOnlyList<AgUiMessage> Messages) : AgUiEvent;

/// <summary>What AG-UI has no event of its own for: <see cref="Name"/> says what, <see cref="Value"/> carries it.</summary>
public sealed record Custom(string Name, JsonElement Value) : AgUiEvent;

/// <summary>A worker event this version does not know, passed on as read (<see cref="Event"/>: its <c>{"event","data"}</c>).</summary>
public sealed record Raw(JsonElement Event, string Source) : AgUiEvent;

public sealed record RunOutcome(string Type, IReadOnlyList<string>? PendingToolCallIds = null)
{
    public static RunOutcome Success { get; } = new("success", []);
    public static RunOutcome Cancelled { get; } = new("cancelled");
}

public sealed record TokenUsageEntry(long InputTokens, long OutputTokens, long TotalTokens);

/// <summary>A message of a <see cref="MessagesSnapshot"/>, by <c>role</c>.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "role")]
[JsonDerivedType(typeof(UserMessage), "user")]
[JsonDerivedType(typeof(AssistantMessage), "assistant")]
[JsonDerivedType(typeof(ToolMessage), "tool")]
[JsonDerivedType(typeof(ReasoningMessage), "reasoning")]
public abstract record AgUiMessage([property: JsonPropertyOrder(-1)] string Id);

public sealed record UserMessage(string Id, string Content) : AgUiMessage(Id);
public sealed record AssistantMessage(string Id, string? Content = null, IReadOnlyList<AgUiToolCall>? ToolCalls = null) : AgUiMessage(Id);
public sealed record ToolMessage(string Id, string ToolCallId, string Content, string? Error = null) : AgUiMessage(Id);
public sealed record ReasoningMessage(string Id, string Content) : AgUiMessage(Id);

public sealed record AgUiToolCall(string Id, AgUiFunctionCall Function, string Type = "function");
public sealed record AgUiFunctionCall(string Name, string Arguments);

public static class AgUiEventTypes
{
    public const string RunStarted = "RUN_STARTED";
    public const string RunFinished = "RUN_FINISHED";
    public const string RunError = "RUN_ERROR";
    public const string TextMessageStart = "TEXT_MESSAGE_START";
    public const string TextMessageContent = "TEXT_MESSAGE_CONTENT";
    public const string TextMessageEnd = "TEXT_MESSAGE_END";
    public const string ReasoningStart = "REASONING_START";
    public const string ReasoningMessageStart = "REASONING_MESSAGE_START";
    public const string ReasoningMessageContent = "REASONING_MESSAGE_CONTENT";
    public const string ReasoningMessageEnd = "REASONING_MESSAGE_END";
    public const string ReasoningEnd = "REASONING_END";
    public const string ToolCallStart = "TOOL_CALL_START";
    public const string ToolCallArgs = "TOOL_CALL_ARGS";
    public const string ToolCallEnd = "TOOL_CALL_END";
    public const string ToolCallResult = "TOOL_CALL_RESULT";
    public const string MessagesSnapshot = "MESSAGES_SNAPSHOT";
    public const string Custom = "CUSTOM";
    public const string Raw = "RAW";

    public static string Of(AgUiEvent e) => e switch
    {
        AgUi.RunStarted => RunStarted,
        AgUi.RunFinished => RunFinished,
        AgUi.RunError => RunError,
        AgUi.TextMessageStart => TextMessageStart,
        AgUi.TextMessageContent => TextMessageContent,
        AgUi.TextMessageEnd => TextMessageEnd,
        AgUi.ReasoningStart => ReasoningStart,
        AgUi.ReasoningMessageStart => ReasoningMessageStart,
        AgUi.ReasoningMessageContent => ReasoningMessageContent,
        AgUi.ReasoningMessageEnd => ReasoningMessageEnd,
        AgUi.ReasoningEnd => ReasoningEnd,
        AgUi.ToolCallStart => ToolCallStart,
        AgUi.ToolCallArgs => ToolCallArgs,
        AgUi.ToolCallEnd => ToolCallEnd,
        AgUi.ToolCallResult => ToolCallResult,
        AgUi.MessagesSnapshot => MessagesSnapshot,
        AgUi.Custom => Custom,
        AgUi.Raw => Raw,
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name),
    };
}

/// <summary>camelCase, absent fields omitted, minimal escaping (SSE is not HTML).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(AgUiEvent))]
[JsonSerializable(typeof(RunAgentInput))]
public sealed partial class AgUiJsonContext : JsonSerializerContext;
