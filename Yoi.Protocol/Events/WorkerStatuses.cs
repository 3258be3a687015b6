namespace Yoi.Protocol.Events;

/// <summary>Values of <c>status.status</c> and of a worker's status in snapshots and REST bodies.</summary>
public static class WorkerStatuses
{
    public const string Idle = "idle";
    public const string Running = "running";
    public const string Stopped = "stopped";

    public static bool IsKnown(string? value) => value is Idle or Running or Stopped;
}
