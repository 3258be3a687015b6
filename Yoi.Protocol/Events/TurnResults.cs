namespace Yoi.Protocol.Events;

/// <summary>
/// Values of <c>turn_end.result</c>: how one model turn of a run ended. A turn is one model request and its
/// response, plus the tool calls that response asked for and their results; a run has one turn, or one more per
/// round of tool calls.
/// </summary>
public static class TurnResults
{
    /// <summary>The model asked for tools; their results are in this turn and the next turn answers them.</summary>
    public const string ToolUse = "tool_use";

    /// <summary>The model gave its final answer: the run's last turn, followed by <c>run_end{finished}</c>.</summary>
    public const string EndTurn = "end_turn";

    /// <summary>The run was cancelled (cancel, stop) while the turn was in progress.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The turn was cut off by a failure (provider error, internal error, event log outage, shutdown).</summary>
    public const string Failed = "failed";

    public static bool IsKnown(string? value) => value is ToolUse or EndTurn or Cancelled or Failed;
}
