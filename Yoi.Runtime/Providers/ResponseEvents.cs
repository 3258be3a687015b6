using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Yoi.Protocol.Events;

namespace Yoi.Runtime.Providers;

/// <summary>
/// Maps the streamed updates of one model response to worker events, one to one: <see cref="TextReasoningContent"/>
/// becomes <c>thinking_start</c> / <c>thinking_delta</c>, <see cref="TextContent"/> <c>text_delta</c>,
/// <see cref="ToolCallDeltaContent"/> <c>tool_call_start</c> / <c>tool_call_args_delta</c>, and a complete
/// <see cref="FunctionCallContent"/> of a call not streamed in fragments (Ollama sends calls whole) a start and one
/// argument delta. Thinking closes (<c>thinking_done</c>) when text or a call follows, text (<c>text_done</c>) when a
/// call follows; <see cref="CompleteAsync"/> closes what is open and emits one <c>tool_call_done</c> per call.
/// <see cref="UsageContent"/> is summed and emitted by <see cref="EmitUsageAsync"/>.
/// </summary>
internal sealed class ResponseEvents(ProviderRun run)
{
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _allText = new();
    private readonly StringBuilder _thinking = new();
    private readonly List<ToolCall> _calls = [];
    private bool _textOpen;
    private bool _thinkingOpen;
    private bool _usageSeen;
    private long _inputTokens;
    private long _outputTokens;

    /// <summary>A call of this response: <see cref="Arguments"/> is the JSON text as the model sent it.</summary>
    public sealed class ToolCall(string id, string name)
    {
        public string Id { get; } = id;
        public string Name { get; set; } = name;
        public StringBuilder ArgumentsText { get; } = new();
        public string Arguments => ArgumentsText.ToString();
        public FunctionCallContent? Complete { get; set; }
    }

    public IReadOnlyList<ToolCall> Calls => _calls;

    /// <summary>Whether an update carried a finish reason: the response is complete (a cut stream has none).</summary>
    public bool Finished { get; private set; }

    public async ValueTask ApplyAsync(ChatResponseUpdate update)
    {
        if (update.FinishReason is not null) Finished = true;
        foreach (var content in update.Contents)
        {
            switch (content)
            {
                case TextReasoningContent { Text.Length: > 0 } reasoning:
                    if (!_thinkingOpen)
                    {
                        _thinkingOpen = true;
                        _thinking.Clear();
                        await run.EmitAsync(new ThinkingStartEvent());
                    }
                    _thinking.Append(reasoning.Text);
                    await run.EmitAsync(new ThinkingDeltaEvent(reasoning.Text));
                    break;
                case TextContent { Text.Length: > 0 } text:
                    await CloseThinkingAsync();
                    _textOpen = true;
                    _text.Append(text.Text);
                    _allText.Append(text.Text);
                    await run.EmitAsync(new TextDeltaEvent(text.Text));
                    break;
                case ToolCallDeltaContent delta:
                    var call = Find(delta.CallId) ?? await StartCallAsync(delta.CallId, delta.Name ?? "");
                    if (delta.ArgumentsDelta.Length > 0)
                    {
                        call.ArgumentsText.Append(delta.ArgumentsDelta);
                        await run.EmitAsync(new ToolCallArgsDeltaEvent(call.Id, delta.ArgumentsDelta));
                    }
                    break;
                case FunctionCallContent function:
                    var complete = Find(function.CallId);
                    if (complete is null)
                    {
                        complete = await StartCallAsync(function.CallId, function.Name);
                        var arguments = SerializeArguments(function.Arguments);
                        complete.ArgumentsText.Append(arguments);
                        await run.EmitAsync(new ToolCallArgsDeltaEvent(complete.Id, arguments));
                    }
                    if (function.Name.Length > 0) complete.Name = function.Name;
                    complete.Complete = function;
                    break;
                case UsageContent usage:
                    _usageSeen = true;
                    _inputTokens += usage.Details.InputTokenCount ?? 0;
                    _outputTokens += usage.Details.OutputTokenCount ?? 0;
                    break;
            }
        }
    }

    /// <summary>The response ended normally: closes thinking and text, then <c>tool_call_done</c> for each call in order.</summary>
    public async ValueTask CompleteAsync()
    {
        await CloseThinkingAsync();
        await CloseTextAsync();
        foreach (var call in _calls) await run.EmitAsync(new ToolCallDoneEvent(call.Id, call.Name, call.Arguments));
    }

    /// <summary>Emits the response's <c>usage</c> once, if the provider reported any.</summary>
    public async ValueTask EmitUsageAsync()
    {
        if (!_usageSeen || (_inputTokens == 0 && _outputTokens == 0)) return;
        _usageSeen = false;
        await run.EmitAsync(new UsageEvent(_inputTokens, _outputTokens));
    }

    /// <summary>The response as the assistant message of the next request: its text and its calls.</summary>
    public ChatMessage ToAssistantMessage()
    {
        var contents = new List<AIContent>();
        if (_allText.Length > 0) contents.Add(new TextContent(_allText.ToString()));
        foreach (var call in _calls)
            contents.Add(call.Complete ?? new FunctionCallContent(call.Id, call.Name, ConversationHistory.ParseArguments(call.Arguments)));
        return new ChatMessage(ChatRole.Assistant, contents);
    }

    private ToolCall? Find(string id) => _calls.Find(c => c.Id == id);

    private async ValueTask<ToolCall> StartCallAsync(string id, string name)
    {
        await CloseThinkingAsync();
        await CloseTextAsync();
        var call = new ToolCall(id, name);
        _calls.Add(call);
        await run.EmitAsync(new ToolCallStartEvent(id, name));
        return call;
    }

    private async ValueTask CloseThinkingAsync()
    {
        if (!_thinkingOpen) return;
        _thinkingOpen = false;
        await run.EmitAsync(new ThinkingDoneEvent(_thinking.ToString()));
    }

    private async ValueTask CloseTextAsync()
    {
        if (!_textOpen) return;
        _textOpen = false;
        await run.EmitAsync(new TextDoneEvent(_text.ToString()));
        _text.Clear();
    }

    private static string SerializeArguments(IDictionary<string, object?>? arguments) =>
        arguments is null ? "{}" : JsonSerializer.Serialize(arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
}
