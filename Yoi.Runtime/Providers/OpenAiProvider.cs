using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Yoi.Protocol.Events;

namespace Yoi.Runtime.Providers;

/// <summary>
/// Any OpenAI-compatible Chat Completions endpoint, streamed (<c>stream: true</c>, SSE <c>data:</c> lines ending
/// with <c>[DONE]</c>, <c>stream_options.include_usage</c>). Tool calls arrive as incremental deltas
/// (<see cref="OpenAiStreamAccumulator"/>); they run with the worker's tools and the results go back in a follow-up
/// request, at most <see cref="MaxRounds"/> rounds (then <c>limit_reached</c>). Each round is one turn
/// (<c>turn_start</c>, the response's events, its <c>usage</c>, the <c>tool_result</c>s, <c>turn_end</c> with
/// <c>tool_use</c> or, for the answer without tool calls, <c>end_turn</c>). A malformed chunk, a stream that
/// ends without <c>[DONE]</c>, an HTTP error or a timeout is a <see cref="ProviderException"/> whose message never
/// contains the API key.
/// </summary>
public sealed class OpenAiProvider(OpenAiOptions options, HttpClient http) : IModelProvider
{
    public const int MaxRounds = 8;
    private const int MaxErrorBodyChars = 300;

    public string Name => ProviderNames.OpenAi;

    public async Task<string> RunAsync(ProviderRun run, CancellationToken cancellationToken)
    {
        var messages = InitialMessages(run);
        for (var round = 0; round < MaxRounds; round++)
        {
            // One request/response round is one turn: the response, then the tools it called and their results.
            await run.StartTurnAsync();
            var accumulator = new OpenAiStreamAccumulator(run);
            try
            {
                await StreamRoundAsync(run, messages, accumulator, cancellationToken);
                await accumulator.FinishAsync();
            }
            finally
            {
                // The response's usage (its last chunk) is reported in its turn, also when the turn is cut off after it.
                if (accumulator.InputTokens > 0 || accumulator.OutputTokens > 0)
                    await run.EmitAsync(new UsageEvent(accumulator.InputTokens, accumulator.OutputTokens));
            }
            if (accumulator.ToolCalls.Count == 0)
            {
                await run.EndTurnAsync(TurnResults.EndTurn);
                return RunResults.Finished;
            }

            messages.Add(AssistantToolCallMessage(accumulator));
            foreach (var call in accumulator.ToolCalls)
            {
                var result = await run.Tools.InvokeAsync(call.Name, call.Arguments.ToString(), cancellationToken);
                await run.EmitAsync(new ToolResultEvent(call.Id, result.Output, result.IsError));
                messages.Add(writer =>
                {
                    writer.WriteString("role", "tool");
                    writer.WriteString("tool_call_id", call.Id);
                    writer.WriteString("content", result.Output);
                });
            }
            await run.EndTurnAsync(TurnResults.ToolUse);
        }
        return RunResults.LimitReached;
    }

    private async Task StreamRoundAsync(ProviderRun run, List<Action<Utf8JsonWriter>> messages, OpenAiStreamAccumulator accumulator,
        CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
        idle.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, options.BaseUrl!.TrimEnd('/') + "/chat/completions");
            if (!string.IsNullOrEmpty(options.ApiKey)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            request.Content = new ByteArrayContent(RequestBody(run, messages));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, idle.Token);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(idle.Token);
                throw new ProviderException($"The provider answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {Scrub(body)}");
            }
            await using var stream = await response.Content.ReadAsStreamAsync(idle.Token);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (true)
            {
                idle.CancelAfter(timeout);
                var line = await reader.ReadLineAsync(idle.Token);
                if (line is null) throw new ProviderException("The provider's stream ended before [DONE] (connection closed mid-stream).");
                if (!line.StartsWith("data:", StringComparison.Ordinal)) continue; // comments, event:, id:, blank lines
                var data = line.AsSpan(5).Trim();
                if (data.SequenceEqual("[DONE]")) return;
                await accumulator.ApplyChunkAsync(data.ToString());
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException($"The provider did not answer within {options.TimeoutSeconds:0.###} s.");
        }
        catch (HttpRequestException ex)
        {
            throw new ProviderException($"The provider could not be reached: {Scrub(ex.Message)}", ex);
        }
        catch (IOException ex)
        {
            throw new ProviderException($"The connection to the provider failed mid-stream: {Scrub(ex.Message)}", ex);
        }
    }

    private List<Action<Utf8JsonWriter>> InitialMessages(ProviderRun run)
    {
        var messages = new List<Action<Utf8JsonWriter>>();
        if (run.Instructions is { Length: > 0 } instructions)
            messages.Add(w => { w.WriteString("role", "system"); w.WriteString("content", instructions); });
        foreach (var turn in run.History)
        {
            messages.Add(w => { w.WriteString("role", "user"); w.WriteString("content", turn.User); });
            messages.Add(w => { w.WriteString("role", "assistant"); w.WriteString("content", turn.Assistant); });
        }
        messages.Add(w => { w.WriteString("role", "user"); w.WriteString("content", run.Input); });
        return messages;
    }

    private static Action<Utf8JsonWriter> AssistantToolCallMessage(OpenAiStreamAccumulator accumulator)
    {
        var text = accumulator.Text;
        var calls = accumulator.ToolCalls.Select(c => (c.Id, c.Name, Arguments: c.Arguments.ToString())).ToArray();
        return w =>
        {
            w.WriteString("role", "assistant");
            if (text.Length > 0) w.WriteString("content", text);
            else w.WriteNull("content");
            w.WriteStartArray("tool_calls");
            foreach (var (id, name, arguments) in calls)
            {
                w.WriteStartObject();
                w.WriteString("id", id);
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", name);
                w.WriteString("arguments", arguments);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        };
    }

    private byte[] RequestBody(ProviderRun run, List<Action<Utf8JsonWriter>> messages)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", run.Model ?? options.Model);
            w.WriteBoolean("stream", true);
            w.WriteStartObject("stream_options");
            w.WriteBoolean("include_usage", true);
            w.WriteEndObject();
            w.WriteStartArray("messages");
            foreach (var message in messages)
            {
                w.WriteStartObject();
                message(w);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (run.Tools.All.Count > 0)
            {
                w.WriteStartArray("tools");
                foreach (var tool in run.Tools.All)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "function");
                    w.WriteStartObject("function");
                    w.WriteString("name", tool.Name);
                    w.WriteString("description", tool.Description);
                    w.WritePropertyName("parameters");
                    w.WriteRawValue(tool.ParametersSchema);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Shortens provider text for an error message and removes the API key should it be echoed.</summary>
    private string Scrub(string text)
    {
        if (!string.IsNullOrEmpty(options.ApiKey)) text = text.Replace(options.ApiKey, "***", StringComparison.Ordinal);
        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length <= MaxErrorBodyChars ? text : text[..MaxErrorBodyChars] + "...";
    }
}
