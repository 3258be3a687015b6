using Yoi.Protocol.Events;
using Yoi.Runtime.Providers;
using Yoi.Runtime.Tools;
using Yoi.Runtime.Workers;

namespace Yoi.Tests.Runtime;

/// <summary>The turn bookkeeping every provider goes through, and how the worker ends a turn a provider left open.</summary>
public sealed class ProviderRunTests
{
    private static ProviderRun Run(List<WorkerEvent> emitted) =>
        new("r-1", [new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, "hi")], ToolSet.BuiltIn(),
            e => { emitted.Add(e); return ValueTask.CompletedTask; });

    [Fact]
    public async Task Turns_are_numbered_from_1_and_each_start_and_end_emits_its_marker()
    {
        var emitted = new List<WorkerEvent>();
        var run = Run(emitted);
        Assert.Equal((0, false), (run.Turn, run.InTurn));

        await run.StartTurnAsync();
        Assert.Equal((1, true), (run.Turn, run.InTurn));
        await run.EndTurnAsync(TurnResults.ToolUse);
        await run.StartTurnAsync();
        await run.EndTurnAsync(TurnResults.EndTurn);

        Assert.Equal((2, false), (run.Turn, run.InTurn));
        Assert.Equal(
            [new TurnStartEvent(1), new TurnEndEvent(1, TurnResults.ToolUse), new TurnStartEvent(2), new TurnEndEvent(2, TurnResults.EndTurn)],
            emitted);
    }

    [Fact]
    public async Task Starting_a_turn_before_the_last_one_ended_or_ending_none_throws_and_emits_nothing()
    {
        var emitted = new List<WorkerEvent>();
        var run = Run(emitted);
        await Assert.ThrowsAsync<InvalidOperationException>(() => run.EndTurnAsync(TurnResults.EndTurn).AsTask());
        await run.StartTurnAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => run.StartTurnAsync().AsTask());
        Assert.Equal([new TurnStartEvent(1)], emitted);
    }

    [Theory]
    [InlineData(RunResults.Cancelled, TurnResults.Cancelled)]
    [InlineData(RunResults.Failed, TurnResults.Failed)]
    [InlineData(RunResults.LimitReached, TurnResults.Failed)]
    [InlineData(RunResults.Finished, TurnResults.EndTurn)]
    public void A_turn_left_open_ends_with_the_outcome_of_its_run(string runResult, string turnResult) =>
        Assert.Equal(turnResult, Worker.OpenTurnResult(runResult));
}
