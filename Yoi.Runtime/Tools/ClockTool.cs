using System.Globalization;
using Microsoft.Extensions.AI;

namespace Yoi.Runtime.Tools;

/// <summary><c>clock</c>: the current UTC time in ISO 8601 (no arguments).</summary>
public static class ClockTool
{
    public const string ToolName = "clock";

    public static AIFunction Create(TimeProvider time) => AIFunctionFactory.Create(
        () => time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ToolName, "Returns the current UTC date and time (ISO 8601).");
}
