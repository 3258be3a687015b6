using System.Text;
using System.Text.Json;
using Yoi.Protocol.Events;

namespace Yoi.Runtime.Providers;

/// <summary>
/// Folds the chunks of one streamed Chat Completions response into worker events: <c>delta.content</c> becomes
/// <c>text_delta</c>, <c>delta.reasoning_content</c> (some compatible servers) thinking events, and
/// <c>delta.tool_calls[]</c> (by <c>index</c>: <c>id</c> and <c>function.name</c> first, then <c>function.arguments</c>
/// fragments) <c>tool_call_start</c> and <c>tool_call_args_delta</c>. The final <c>usage</c> chunk is kept.
/// A chunk that is not the expected JSON is a <see cref="ProviderException"/>.
/// </summary>
internal sealed class OpenAiStreamAccumulator(ProviderRun run)
{
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _thinking = new();
    private readonly SortedDictionary<int, ToolCallBuilder> _calls = [];
    private bool _thinkingOpen;

    public string Text => _text.ToString();
    public long InputTokens { get; private set; }
    public long OutputTokens { get; private set; }
    public IReadOnlyList<ToolCallBuilder> ToolCalls => [.. _calls.Values];

    public async ValueTask ApplyChunkAsync(string json)
    {
        List<WorkerEvent> events = [];
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ProviderException("The provider sent a chunk that is not a JSON object.");
            if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
                throw new ProviderException("The provider reported an error mid-stream: "
                    + (error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : "unknown error"));
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                InputTokens += usage.TryGetProperty("prompt_tokens", out var p) && p.TryGetInt64(out var pv) ? pv : 0;
                OutputTokens += usage.TryGetProperty("completion_tokens", out var c) && c.TryGetInt64(out var cv) ? cv : 0;
            }
            if (root.TryGetProperty("choices", out var choices))
            {
                if (choices.ValueKind != JsonValueKind.Array) throw new ProviderException("The provider sent a chunk whose 'choices' is not an array.");
                foreach (var choice in choices.EnumerateArray())
                {
                    if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
                        ApplyDelta(delta, events);
                }
            }
        }
        catch (JsonException ex)
        {
            throw new ProviderException($"The provider sent a malformed chunk: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new ProviderException($"The provider sent a chunk with unexpected types: {ex.Message}", ex);
        }
        foreach (var e in events) await run.EmitAsync(e);
    }

    private void ApplyDelta(JsonElement delta, List<WorkerEvent> events)
    {
        if (delta.TryGetProperty("reasoning_content", out var reasoning) && reasoning.ValueKind == JsonValueKind.String
            && reasoning.GetString() is { Length: > 0 } thought)
        {
            if (!_thinkingOpen) { events.Add(new ThinkingStartEvent()); _thinkingOpen = true; }
            _thinking.Append(thought);
            events.Add(new ThinkingDeltaEvent(thought));
        }
        if (delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
            && content.GetString() is { Length: > 0 } text)
        {
            CloseThinking(events);
            _text.Append(text);
            events.Add(new TextDeltaEvent(text));
        }
        if (delta.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array)
        {
            CloseThinking(events);
            foreach (var call in toolCalls.EnumerateArray())
            {
                var index = call.TryGetProperty("index", out var i) && i.TryGetInt32(out var iv) ? iv : 0;
                if (!_calls.TryGetValue(index, out var builder)) _calls[index] = builder = new ToolCallBuilder();
                if (call.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && builder.Id.Length == 0)
                    builder.Id = id.GetString()!;
                if (call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
                {
                    if (function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
                        builder.Name += name.GetString();
                    if (!builder.Started && builder.Id.Length > 0 && builder.Name.Length > 0)
                    {
                        builder.Started = true;
                        events.Add(new ToolCallStartEvent(builder.Id, builder.Name));
                        if (builder.Arguments.Length > 0) events.Add(new ToolCallArgsDeltaEvent(builder.Id, builder.Arguments.ToString()));
                    }
                    if (function.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.String
                        && arguments.GetString() is { Length: > 0 } fragment)
                    {
                        builder.Arguments.Append(fragment);
                        if (builder.Started) events.Add(new ToolCallArgsDeltaEvent(builder.Id, fragment));
                    }
                }
            }
        }
    }

    private void CloseThinking(List<WorkerEvent> events)
    {
        if (!_thinkingOpen) return;
        _thinkingOpen = false;
        events.Add(new ThinkingDoneEvent(_thinking.ToString()));
    }

    /// <summary>
    /// Ends the response: closes open thinking and text blocks, checks every tool call is complete, then emits
    /// <c>tool_call_done</c> for each call, in index order.
    /// </summary>
    public async ValueTask FinishAsync()
    {
        List<WorkerEvent> events = [];
        CloseThinking(events);
        if (_text.Length > 0) events.Add(new TextDoneEvent(_text.ToString()));
        foreach (var e in events) await run.EmitAsync(e);
        foreach (var call in _calls.Values)
            if (!call.Started) throw new ProviderException("The provider sent a tool call without an id or a function name.");
        foreach (var call in _calls.Values)
            await run.EmitAsync(new ToolCallDoneEvent(call.Id, call.Name, call.Arguments.ToString()));
    }

    internal sealed class ToolCallBuilder
    {
        public string Id { get; set; } = "";
        public string Name { get; set; } = "";
        public StringBuilder Arguments { get; } = new();
        public bool Started { get; set; }
    }
}
