using Microsoft.Extensions.AI;
using Yoi.Protocol.Events;
using Yoi.Runtime.Tools;

namespace Yoi.Runtime.Providers;

/// <summary>
/// One run as the model loop (<see cref="ChatRunLoop"/>) sees it: the conversation so far (ending with the new user
/// input), the tools, and where the events go. Every event the loop emits lies inside a model turn:
/// <see cref="StartTurnAsync"/> before a model request, <see cref="EndTurnAsync"/> with a <see cref="TurnResults"/>
/// value once the response and the tool calls it asked for are done. A turn left open when the loop throws is ended
/// by the worker. The worker emits <c>user_message</c>, <c>run_start</c>, <c>status</c> and <c>run_end</c> itself.
/// </summary>
public sealed class ProviderRun(
    string runId,
    IReadOnlyList<ChatMessage> messages,
    ToolSet tools,
    Func<WorkerEvent, ValueTask> emit,
    string? model = null)
{
    public string RunId { get; } = runId;

    /// <summary>The conversation sent in the first request: instructions, earlier exchanges, then the new input.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; } = messages;

    public ToolSet Tools { get; } = tools;

    /// <summary>The worker's model, overriding the provider's configured one; null for the configured one.</summary>
    public string? Model { get; } = model;

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

/// <summary>The model provider failed; <see cref="Exception.Message"/> is shown in <c>error{provider_error}</c> (no secrets).</summary>
public sealed class ProviderException(string message, Exception? inner = null) : Exception(message, inner);
