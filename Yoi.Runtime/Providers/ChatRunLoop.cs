using Microsoft.Extensions.AI;
using Yoi.Protocol.Events;

namespace Yoi.Runtime.Providers;

/// <summary>
/// The run loop over a model provider's <see cref="IChatClient"/>. Each request/response round is one turn:
/// <c>turn_start</c>, the response's streamed updates as events (<see cref="ResponseEvents"/>), its <c>usage</c>, the
/// <c>tool_result</c>s of the calls it asked for, then <c>turn_end</c> with <c>tool_use</c> (the results go back in
/// the next round's request) or, for an answer without tool calls, <c>end_turn</c>. At most <see cref="MaxRounds"/>
/// rounds, then <c>limit_reached</c>. Tools are invoked here, never by the chat client, so every call and result is an
/// event. A client failure (HTTP error, refused connection, malformed or cut stream, idle timeout) is a
/// <see cref="ProviderException"/>; cancellation of the token cancels the request in flight.
/// </summary>
public static class ChatRunLoop
{
    public const int MaxRounds = 8;

    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key carrying the run id (the scripted client names its calls with it).</summary>
    public const string RunIdProperty = "yoi_run_id";

    public static async Task<string> RunAsync(ModelProvider provider, ProviderRun run, CancellationToken cancellationToken)
    {
        var messages = new List<ChatMessage>(run.Messages);
        var options = new ChatOptions
        {
            ModelId = run.Model,
            Tools = [.. run.Tools.All],
            AdditionalProperties = new() { [RunIdProperty] = run.RunId },
        };
        for (var round = 0; round < MaxRounds; round++)
        {
            await run.StartTurnAsync();
            var response = new ResponseEvents(run);
            try
            {
                await StreamAsync(provider, messages, options, response, cancellationToken);
                await response.CompleteAsync();
            }
            finally
            {
                // The response's usage is reported in its turn, also when the turn is cut off after it arrived.
                await response.EmitUsageAsync();
            }
            if (response.Calls.Count == 0)
            {
                await run.EndTurnAsync(TurnResults.EndTurn);
                return RunResults.Finished;
            }

            messages.Add(response.ToAssistantMessage());
            var results = new List<AIContent>();
            foreach (var call in response.Calls)
            {
                var output = await run.Tools.InvokeAsync(call.Name, call.Arguments, cancellationToken);
                await run.EmitAsync(new ToolResultEvent(call.Id, output.Output, output.IsError));
                results.Add(ToolResults.Content(call.Id, output));
            }
            messages.Add(new ChatMessage(ChatRole.Tool, results));
            await run.EndTurnAsync(TurnResults.ToolUse);
        }
        return RunResults.LimitReached;
    }

    /// <summary>Streams one response into <paramref name="response"/>, with the provider's idle timeout between two updates.</summary>
    private static async Task StreamAsync(ModelProvider provider, List<ChatMessage> messages, ChatOptions options, ResponseEvents response,
        CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (provider.IdleTimeout is { } first) idle.CancelAfter(first);
        IAsyncEnumerator<ChatResponseUpdate>? updates = null;
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    updates ??= provider.Client.GetStreamingResponseAsync(messages, options, idle.Token).GetAsyncEnumerator(idle.Token);
                    more = await updates.MoveNextAsync();
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not ProviderException)
                {
                    throw idle.IsCancellationRequested
                        ? new ProviderException($"The provider did not answer within {provider.IdleTimeout!.Value.TotalSeconds:0.###} s.", ex)
                        : ProviderErrors.From(ex, provider.Secret);
                }
                if (!more) break;
                if (provider.IdleTimeout is { } next) idle.CancelAfter(next);
                await response.ApplyAsync(updates.Current);
            }
        }
        finally
        {
            if (updates is not null)
            {
                try { await updates.DisposeAsync(); }
                catch (Exception) when (cancellationToken.IsCancellationRequested || idle.IsCancellationRequested) { }
            }
        }
        if (!response.Finished)
            throw new ProviderException("The provider's stream ended before the response was complete (connection closed mid-stream).");
    }
}
