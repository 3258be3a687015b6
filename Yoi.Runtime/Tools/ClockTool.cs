using System.Globalization;

namespace Yoi.Runtime.Tools;

/// <summary><c>clock</c>: the current UTC time in ISO 8601 (arguments ignored).</summary>
public sealed class ClockTool(TimeProvider time) : ITool
{
    public const string ToolName = "clock";

    public string Name => ToolName;
    public string Description => "Returns the current UTC date and time (ISO 8601).";
    public string ParametersSchema => """{"type":"object","properties":{},"additionalProperties":false}""";

    public ValueTask<ToolOutput> InvokeAsync(string argumentsJson, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ToolOutput.Ok(time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
}
