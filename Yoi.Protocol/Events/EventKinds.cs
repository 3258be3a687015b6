namespace Yoi.Protocol.Events;

/// <summary>The wire names (<c>"event"</c> values) of every known <see cref="WorkerEvent"/> variant.</summary>
public static class EventKinds
{
    public const string UserMessage = "user_message";
    public const string TurnStart = "turn_start";
    public const string TurnEnd = "turn_end";
    public const string TextDelta = "text_delta";
    public const string TextDone = "text_done";
    public const string ThinkingStart = "thinking_start";
    public const string ThinkingDelta = "thinking_delta";
    public const string ThinkingDone = "thinking_done";
    public const string ToolCallStart = "tool_call_start";
    public const string ToolCallArgsDelta = "tool_call_args_delta";
    public const string ToolCallDone = "tool_call_done";
    public const string ToolResult = "tool_result";
    public const string RunStart = "run_start";
    public const string RunEnd = "run_end";
    public const string Usage = "usage";
    public const string Error = "error";
    public const string Status = "status";
    public const string WorkerCreated = "worker_created";
    public const string WorkerStopped = "worker_stopped";
    public const string Diagnostic = "diagnostic";

    /// <summary>Every known kind, in the order of the events table in docs/protocol.md.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        UserMessage, TurnStart, TurnEnd, TextDelta, TextDone, ThinkingStart, ThinkingDelta, ThinkingDone,
        ToolCallStart, ToolCallArgsDelta, ToolCallDone, ToolResult, RunStart, RunEnd, Usage, Error, Status,
        WorkerCreated, WorkerStopped, Diagnostic,
    ];

    /// <summary>Lifecycle kinds: the events a Runtime also appends to its runtime-wide stream.</summary>
    public static bool IsLifecycle(string kind) =>
        kind is WorkerCreated or WorkerStopped or Status or RunStart or RunEnd;
}
