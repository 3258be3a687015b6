using Yoi.Protocol.Events;
using Yoi.Runtime.Tools;

namespace Yoi.Runtime.Providers;

/// <summary>
/// A model provider: turns one input into the provider events of one run (thinking, text, tool calls and results,
/// usage) through <see cref="ProviderRun.EmitAsync"/>, and answers the run result (<see cref="RunResults"/>).
/// Every event it emits lies inside a model turn: <see cref="ProviderRun.StartTurnAsync"/> before a model request,
/// <see cref="ProviderRun.EndTurnAsync"/> with a <see cref="TurnResults"/> value once the response and the tool
/// calls it asked for are done. A turn left open when the provider throws is ended by the worker.
/// The worker emits <c>user_message</c>, <c>run_start</c>, <c>status</c> and <c>run_end</c> itself.
/// Cancellation of <paramref name="cancellationToken"/> must end the run promptly (throwing
/// <see cref="OperationCanceledException"/>); a provider failure is a <see cref="ProviderException"/> with a message
/// safe to show (no secrets).
/// </summary>
public interface IModelProvider
{
    string Name { get; }

    Task<string> RunAsync(ProviderRun run, CancellationToken cancellationToken);
}

/// <summary>One run as a provider sees it.</summary>
public sealed class ProviderRun(
    string runId,
    string input,
    IReadOnlyList<ConversationTurn> history,
    ToolSet tools,
    Func<WorkerEvent, ValueTask> emit,
    string? model = null,
    string? instructions = null)
{
    public string RunId { get; } = runId;
    public string Input { get; } = input;
    /// <summary>Earlier exchanges of the worker, oldest first.</summary>
    public IReadOnlyList<ConversationTurn> History { get; } = history;
    public ToolSet Tools { get; } = tools;
    public string? Model { get; } = model;
    public string? Instructions { get; } = instructions;

    /// <summary>The number of the turn in progress, or of the last one ended; 1 for the first turn, 0 before it.</summary>
    public int Turn { get; private set; }

    /// <summary>True between <see cref="StartTurnAsync"/> and <see cref="EndTurnAsync"/>.</summary>
    public bool InTurn { get; private set; }

    public ValueTask EmitAsync(WorkerEvent workerEvent) => emit(workerEvent);

    /// <summary>Starts the next model turn: emits <c>turn_start{turn}</c>. The previous turn must have ended.</summary>
    public ValueTask StartTurnAsync()
    {
        if (InTurn) throw new InvalidOperationException($"Turn {Turn} of run {RunId} has not ended.");
        Turn++;
        InTurn = true;
        return emit(new TurnStartEvent(Turn));
    }

    /// <summary>Ends the turn in progress: emits <c>turn_end{turn, result}</c>, <paramref name="result"/> one of <see cref="TurnResults"/>.</summary>
    public ValueTask EndTurnAsync(string result)
    {
        if (!InTurn) throw new InvalidOperationException($"Run {RunId} has no turn in progress.");
        InTurn = false;
        return emit(new TurnEndEvent(Turn, result));
    }
}

/// <summary>One finished exchange: the user's text and the assistant's final text.</summary>
public sealed record ConversationTurn(string User, string Assistant);

/// <summary>The provider failed; <see cref="Exception.Message"/> is shown in <c>error{provider_error}</c>.</summary>
public sealed class ProviderException(string message, Exception? inner = null) : Exception(message, inner);

public static class ProviderNames
{
    public const string Scripted = "scripted";
    public const string OpenAi = "openai";

    public static bool IsKnown(string? name) => name is Scripted or OpenAi;
}
