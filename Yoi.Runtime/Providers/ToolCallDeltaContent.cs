using Microsoft.Extensions.AI;

namespace Yoi.Runtime.Providers;

/// <summary>
/// A fragment of a tool call while it streams: the first fragment of a call carries its <see cref="Name"/>, later
/// ones only argument text. Microsoft.Extensions.AI delivers a call as one <see cref="FunctionCallContent"/> once it
/// is complete; this content, put in the same stream before it, lets the worker emit <c>tool_call_start</c> and
/// <c>tool_call_args_delta</c> as the model produces them. The complete <see cref="FunctionCallContent"/> with the
/// same <see cref="CallId"/> still follows.
/// </summary>
public sealed class ToolCallDeltaContent(string callId, string? name, string argumentsDelta) : AIContent
{
    public string CallId { get; } = callId;

    /// <summary>The tool's name, on the first fragment of a call.</summary>
    public string? Name { get; } = name;

    /// <summary>The next piece of the arguments' JSON text (may be empty).</summary>
    public string ArgumentsDelta { get; } = argumentsDelta;
}
