namespace Yoi.Protocol.Events;

/// <summary>Values of <c>run_end.result</c>.</summary>
public static class RunResults
{
    public const string Finished = "finished";
    public const string Cancelled = "cancelled";
    public const string LimitReached = "limit_reached";
    public const string Failed = "failed";

    public static bool IsKnown(string? value) => value is Finished or Cancelled or LimitReached or Failed;
}
