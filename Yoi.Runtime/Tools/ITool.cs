namespace Yoi.Runtime.Tools;

/// <summary>
/// A built-in tool a provider may call. <see cref="InvokeAsync"/> gets the call's arguments (a JSON object as text)
/// and never throws for bad arguments: it answers a <see cref="ToolOutput"/> with <see cref="ToolOutput.IsError"/> set.
/// </summary>
public interface ITool
{
    string Name { get; }

    string Description { get; }

    /// <summary>The JSON schema of the arguments object (sent to OpenAI-compatible providers).</summary>
    string ParametersSchema { get; }

    ValueTask<ToolOutput> InvokeAsync(string argumentsJson, CancellationToken cancellationToken);
}

/// <summary>What a tool call produced: the <c>tool_result</c> output and whether it is an error.</summary>
public readonly record struct ToolOutput(string Output, bool IsError)
{
    public static ToolOutput Ok(string output) => new(output, false);
    public static ToolOutput Error(string message) => new(message, true);
}
