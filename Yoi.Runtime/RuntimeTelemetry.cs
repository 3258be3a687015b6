using System.Diagnostics;

namespace Yoi.Runtime;

/// <summary>Spans of the runtime: command handling (<c>worker.*</c>), runs, and the append of queued events.</summary>
public static class RuntimeTelemetry
{
    public const string SourceName = "Yoi.Runtime";

    public static readonly ActivitySource Source = new(SourceName, "1.0.0");
}
