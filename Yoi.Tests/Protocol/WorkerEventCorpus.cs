using System.Text.Json;
using Yoi.Protocol;
using Yoi.Protocol.Events;

namespace Yoi.Tests.Protocol;

/// <summary>
/// Named worker event sequences (interleaved thinking, text and tool calls, cancelled, failed, truncated and superseded
/// runs, orphan results, unknown variants, events outside runs): what the transcript-fold tests check case by case,
/// and what the AG-UI mapper tests run as a whole.
/// </summary>
public static class WorkerEventCorpus
{
    public static readonly WorkerEvent[] ClockRun =
    [
        new WorkerCreatedEvent("w1", "scripted", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)),
        new UserMessageEvent("what is the clock"),
        new StatusEvent(WorkerStatuses.Running),
        new RunStartEvent("r1"),
        new TurnStartEvent(1),
        new ThinkingStartEvent(),
        new ThinkingDeltaEvent("The user "),
        new ThinkingDeltaEvent("wants time."),
        new ThinkingDoneEvent("The user wants time."),
        new TextDeltaEvent("Let me "),
        new TextDeltaEvent("check."),
        new TextDoneEvent("Let me check."),
        new ToolCallStartEvent("c1", "clock"),
        new ToolCallArgsDeltaEvent("c1", "{"),
        new ToolCallArgsDeltaEvent("c1", "}"),
        new ToolCallDoneEvent("c1", "clock", "{}"),
        new ToolResultEvent("c1", "2026-01-01T00:00:00Z", false),
        new TurnEndEvent(1, TurnResults.ToolUse),
        new TurnStartEvent(2),
        new TextDeltaEvent("It is "),
        new TextDeltaEvent("midnight."),
        new TextDoneEvent("It is midnight."),
        new UsageEvent(10, 5),
        new UsageEvent(3, 2),
        new TurnEndEvent(2, TurnResults.EndTurn),
        new RunEndEvent("r1", RunResults.Finished),
        new StatusEvent(WorkerStatuses.Idle),
    ];

    private static WorkerEvent[] Noise()
    {
        using var doc = JsonDocument.Parse("""{"x":1}""");
        return
        [
            new UnknownEvent("future_thing", doc.RootElement.Clone()),
            new TurnStartEvent(3), new TurnEndEvent(3, "x"),
            new DiagnosticEvent(DiagnosticCodes.RunInterrupted, "m"),
        ];
    }

    public static readonly WorkerEvent[] InterleavedParts =
    [
        new RunStartEvent("r"),
        new ThinkingDeltaEvent("a"), new ThinkingDeltaEvent("b"),
        new TextDeltaEvent("c"),
        new ThinkingDeltaEvent("d"),
        new ToolCallStartEvent("t1", "calc"),
        new TextDeltaEvent("e"), new TextDeltaEvent("f"),
        new RunEndEvent("r", RunResults.Finished),
    ];

    public static readonly WorkerEvent[] TwoToolCalls =
    [
        new RunStartEvent("r"),
        new ToolCallStartEvent("a", "calc"),
        new ToolCallStartEvent("b", "clock"),
        new ToolCallArgsDeltaEvent("a", "{\"x\":"),
        new ToolCallArgsDeltaEvent("b", "{"),
        new ToolCallArgsDeltaEvent("a", "1}"),
        new ToolCallArgsDeltaEvent("b", "}"),
        new ToolCallDoneEvent("b", "clock", "{}"),
        new ToolCallDoneEvent("a", "calc", "{\"x\":1}"),
        new ToolResultEvent("b", "noon", false),
        new ToolResultEvent("a", "division by zero", true),
        new RunEndEvent("r", RunResults.Finished),
    ];

    public static readonly WorkerEvent[] ArgumentsFixedByDone =
    [
        new RunStartEvent("r"),
        new ToolCallStartEvent("a", "calc"),
        new ToolCallArgsDeltaEvent("a", "{\"x\""),
        new ToolCallArgsDeltaEvent("a", ":2"),
        new ToolCallDoneEvent("a", "calc2", "{\"x\":2}"),
        new ToolCallDoneEvent("a", "calc", "{\"x\":3}"),
        new ToolCallArgsDeltaEvent("a", "late"),
        new ToolCallStartEvent("a", "again"),
        new RunEndEvent("r", RunResults.Finished),
    ];

    public static readonly WorkerEvent[] CancelledRun =
    [
        new UserMessageEvent("long story"),
        new RunStartEvent("r"),
        new ThinkingStartEvent(),
        new TextDeltaEvent("Once upon"),
        new ToolCallStartEvent("t", "clock"),
        new RunEndEvent("r", RunResults.Cancelled),
        new StatusEvent(WorkerStatuses.Idle),
    ];

    public static readonly WorkerEvent[] FailedRun =
    [
        new RunStartEvent("r"),
        new TextDeltaEvent("Hi"),
        new ErrorEvent(ErrorCodes.ProviderError, "upstream 500"),
        new RunEndEvent("r", RunResults.Failed),
    ];

    public static readonly WorkerEvent[] TruncatedRun =
    [
        new UserMessageEvent("hi"),
        new StatusEvent(WorkerStatuses.Running),
        new RunStartEvent("r"),
        new ThinkingDeltaEvent("hmm"),
        new TextDeltaEvent("Hel"),
    ];

    public static readonly WorkerEvent[] OrphanToolResult =
    [
        new RunStartEvent("r"),
        new ToolCallStartEvent("a", "calc"),
        new ToolResultEvent("zzz", "lost", true),
        new ToolResultEvent("a", "4", false),
        new ToolResultEvent("a", "5", false),
        new RunEndEvent("r", RunResults.Finished),
    ];

    /// <summary><see cref="ClockRun"/> with unknown events, turn markers and diagnostics around every event.</summary>
    public static readonly WorkerEvent[] NoisyClockRun = ClockRun.SelectMany(e => Noise().Append(e)).Concat(Noise()).ToArray();

    public static readonly WorkerEvent[] EventsOutsideARun =
    [
        new TextDeltaEvent("stray"),
        new RunStartEvent("r"),
        new RunEndEvent("r", RunResults.Finished),
        new TextDeltaEvent("late"),
        new ToolResultEvent("x", "late", false),
        new ErrorEvent(ErrorCodes.Internal, "late"),
        new UsageEvent(1, 1),
        new RunEndEvent("r", RunResults.Failed),
        new RunEndEvent("other", RunResults.Failed),
    ];

    public static readonly WorkerEvent[] DoneEventsOverrideDeltas =
    [
        new RunStartEvent("r"),
        new ThinkingDeltaEvent("thnk"),
        new ThinkingDoneEvent("think"),
        new TextDeltaEvent("Helo wrld"),
        new TextDoneEvent("Hello world"),
        new TextDoneEvent("Standalone"),
        new TextDeltaEvent("next"),
        new ToolCallStartEvent("t", "clock"),
        new TextDoneEvent("next!"),
        new ThinkingStartEvent(), new ThinkingStartEvent(),
        new RunEndEvent("r", RunResults.Finished),
    ];

    public static readonly WorkerEvent[] SeveralRuns =
    [
        new WorkerCreatedEvent("w", "scripted", DateTimeOffset.UnixEpoch),
        new UserMessageEvent("one"),
        new RunStartEvent("r1"), new TextDoneEvent("1"), new RunEndEvent("r1", RunResults.Finished),
        new UserMessageEvent("two"),
        new RunStartEvent("r2"), new TextDeltaEvent("2"), new RunEndEvent("r2", RunResults.LimitReached),
        new UserMessageEvent("three"),
        new RunStartEvent("r3"), new TextDeltaEvent("3"),
        new RunStartEvent("r4"), new TextDeltaEvent("4"),
        new RunEndEvent("r4", RunResults.Cancelled),
        new WorkerStoppedEvent("w", "requested"),
        new StatusEvent(WorkerStatuses.Stopped),
    ];

    public static IReadOnlyList<(string Name, WorkerEvent[] Events)> All { get; } =
    [
        ("clock run", ClockRun),
        ("interleaved thinking, text and a tool call", InterleavedParts),
        ("two interleaved tool calls", TwoToolCalls),
        ("arguments fixed by tool_call_done", ArgumentsFixedByDone),
        ("cancelled run", CancelledRun),
        ("failed run", FailedRun),
        ("truncated run", TruncatedRun),
        ("orphan tool result", OrphanToolResult),
        ("unknown events, turn markers and diagnostics", NoisyClockRun),
        ("run events outside a run", EventsOutsideARun),
        ("done events override deltas", DoneEventsOverrideDeltas),
        ("several runs, a superseded one and a stop", SeveralRuns),
    ];
}
