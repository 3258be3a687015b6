using System.Text.Json.Serialization;

namespace Yoi.Protocol.Transcripts;

/// <summary>
/// One entry of a transcript: <c>{"role":"user",...}</c> or <c>{"role":"assistant",...}</c>.
/// Entries are produced by <see cref="TranscriptFold"/> only.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "role", IgnoreUnrecognizedTypeDiscriminators = false)]
[JsonDerivedType(typeof(UserEntry), TranscriptRoles.User)]
[JsonDerivedType(typeof(AssistantEntry), TranscriptRoles.Assistant)]
public abstract record TranscriptEntry;

public static class TranscriptRoles
{
    public const string User = "user";
    public const string Assistant = "assistant";
}

/// <summary>A <c>user_message</c>.</summary>
public sealed record UserEntry(string Text) : TranscriptEntry;

/// <summary>
/// The assistant's side of one run (<c>run_start</c> .. <c>run_end</c>). <see cref="Parts"/> keeps thinking, text and
/// tool calls in arrival order. <see cref="Result"/> is one of <c>RunResults</c>, or null while the run is in flight
/// (or when it was superseded by another run without a <c>run_end</c>).
/// </summary>
public sealed record AssistantEntry(
    string RunId,
    IReadOnlyList<ContentPart> Parts,
    string? Result,
    TokenUsage? Usage,
    IReadOnlyList<RunError> Errors) : TranscriptEntry
{
    /// <summary>All text parts joined (no separator).</summary>
    [JsonIgnore]
    public string Text => string.Concat(Parts.OfType<TextPart>().Select(p => p.Text));

    /// <summary>All thinking parts joined (no separator).</summary>
    [JsonIgnore]
    public string Thinking => string.Concat(Parts.OfType<ThinkingPart>().Select(p => p.Text));

    [JsonIgnore]
    public IEnumerable<ToolCallPart> ToolCalls => Parts.OfType<ToolCallPart>();
}

/// <summary>Tokens a run consumed: the sum of its <c>usage</c> events.</summary>
public sealed record TokenUsage(long InputTokens, long OutputTokens);

/// <summary>An <c>error</c> event received during a run.</summary>
public sealed record RunError(string Code, string Message);

/// <summary>
/// A piece of assistant content: <c>{"type":"thinking"|"text"|"tool_call"|"orphan_tool_result",...}</c>.
/// <c>done</c> says whether the part is closed (a <c>*_done</c> event arrived); open parts only occur in flight.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", IgnoreUnrecognizedTypeDiscriminators = false)]
[JsonDerivedType(typeof(ThinkingPart), ContentPartTypes.Thinking)]
[JsonDerivedType(typeof(TextPart), ContentPartTypes.Text)]
[JsonDerivedType(typeof(ToolCallPart), ContentPartTypes.ToolCall)]
[JsonDerivedType(typeof(OrphanToolResultPart), ContentPartTypes.OrphanToolResult)]
public abstract record ContentPart;

public static class ContentPartTypes
{
    public const string Thinking = "thinking";
    public const string Text = "text";
    public const string ToolCall = "tool_call";
    public const string OrphanToolResult = "orphan_tool_result";
}

public sealed record ThinkingPart(string Text, bool Done) : ContentPart;

public sealed record TextPart(string Text, bool Done) : ContentPart;

/// <summary>
/// A tool call. <see cref="Arguments"/> is the JSON arguments string (the concatenated deltas until
/// <c>tool_call_done</c> fixes it); <see cref="Output"/> is null until its <c>tool_result</c> arrives.
/// </summary>
public sealed record ToolCallPart(string Id, string Name, string Arguments, bool Done, string? Output, bool IsError) : ContentPart;

/// <summary>A <c>tool_result</c> whose id matched no call of the run; kept rather than dropped.</summary>
public sealed record OrphanToolResultPart(string Id, string Output, bool IsError) : ContentPart;
