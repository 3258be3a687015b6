using Microsoft.Extensions.AI;
using Yoi.Runtime.Tools;

namespace Yoi.Runtime.Providers;

/// <summary>How a tool's output goes back to a model: a <see cref="FunctionResultContent"/> whose result is the output text.</summary>
public static class ToolResults
{
    /// <summary>The result content; an error result also carries a <see cref="ToolException"/> with the output as its message.</summary>
    public static FunctionResultContent Content(string callId, ToolOutput output) =>
        new(callId, output.Output) { Exception = output.IsError ? new ToolException(output.Output) : null };

    public static bool IsError(FunctionResultContent result) => result.Exception is not null;

    public static string Text(FunctionResultContent result) => result.Result?.ToString() ?? result.Exception?.Message ?? "";
}
