namespace Yoi.Runtime.Tools;

/// <summary>What a tool call produced: the <c>tool_result</c> output and whether it is an error.</summary>
public readonly record struct ToolOutput(string Output, bool IsError)
{
    public static ToolOutput Ok(string output) => new(output, false);
    public static ToolOutput Error(string message) => new(message, true);
}

/// <summary>
/// Thrown by a tool for a failure its caller should see as the output of an error result (its message verbatim),
/// for example a bad expression given to <c>calc</c>.
/// </summary>
public sealed class ToolException(string message) : Exception(message);
