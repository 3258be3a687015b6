using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Yoi.Runtime.Providers;

/// <summary>
/// The offline, deterministic model: an <see cref="IChatClient"/> that answers the last user message of the
/// conversation by its grammar (words split on whitespace, case-insensitive):
/// <list type="bullet">
/// <item>first response: reasoning (<c>thinking_*</c>), then the reply <c>You said: &lt;input&gt;</c> one word per
///   update (<c>long &lt;N&gt;</c> anywhere: N words instead, <see cref="MaxLongDeltas"/> at most;
///   <c>Runtime:Scripted:LongDeltas</c> makes every reply at least that long);</item>
/// <item>the word <c>clock</c>, and <c>calc &lt;expression&gt;</c> (the rest of the input): a call of that tool, streamed
///   as <see cref="ToolCallDeltaContent"/> fragments then the <see cref="FunctionCallContent"/>; each response after a
///   tool result starts with a closing text quoting it, then the next call (<c>clock</c> first);</item>
/// <item>the last response ends with the run's usage: the input's words, and the deltas of all its responses.</item>
/// </list>
/// Every update is paced by <c>Runtime:Scripted:DeltaDelayMs</c>. Call ids are <c>call_&lt;run id&gt;_&lt;n&gt;</c>, the run id
/// taken from <see cref="ChatRunLoop.RunIdProperty"/>.
/// </summary>
public sealed class ScriptedChatClient(ScriptedOptions options, TimeProvider? time = null) : IChatClient
{
    public const int MaxLongDeltas = 1_000_000;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        IList<ChatMessage> conversation = messages as IList<ChatMessage> ?? [.. messages];
        var (input, results) = LastExchange(conversation);
        var script = ScriptedInput.Parse(input, options.LongDeltas);
        var runId = chatOptions?.AdditionalProperties?.TryGetValue(ChatRunLoop.RunIdProperty, out var value) == true ? value as string : null;
        var step = results.Count; // tool calls already answered in this run

        if (step == 0)
        {
            await foreach (var word in PacedWordsAsync(Thinking(script), cancellationToken))
                yield return Update(new TextReasoningContent(word));
            await foreach (var word in PacedWordsAsync(Reply(script, input), cancellationToken))
                yield return Update(new TextContent(word));
        }
        else
        {
            await foreach (var word in PacedWordsAsync(Words(Closing(script.ToolCalls[step - 1].Name, results[step - 1])), cancellationToken))
                yield return Update(new TextContent(word));
        }

        if (step < script.ToolCalls.Count)
        {
            var (name, arguments) = script.ToolCalls[step];
            var id = $"call_{runId ?? "scripted"}_{step + 1}";
            yield return Update(new ToolCallDeltaContent(id, name, ""));
            var half = arguments.Length / 2;
            foreach (var fragment in new[] { arguments[..half], arguments[half..] })
            {
                await PaceAsync(cancellationToken);
                if (fragment.Length > 0) yield return Update(new ToolCallDeltaContent(id, null, fragment));
            }
            yield return new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent(id, name, ConversationHistory.ParseArguments(arguments))])
            {
                FinishReason = ChatFinishReason.ToolCalls,
            };
            yield break;
        }

        var output = Words(Thinking(script)).Count() + Reply(script, input).Count()
            + results.Select((result, i) => Words(Closing(script.ToolCalls[i].Name, result)).Count()).Sum();
        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = script.InputWords, OutputTokenCount = output })])
        {
            FinishReason = ChatFinishReason.Stop,
        };
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null,
        CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, chatOptions, cancellationToken).ToChatResponseAsync(cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    /// <summary>The last user message's text and the tool results that followed it (this run's answered calls).</summary>
    private static (string Input, List<FunctionResultContent> Results) LastExchange(IList<ChatMessage> conversation)
    {
        var last = -1;
        for (var i = conversation.Count - 1; i >= 0 && last < 0; i--)
            if (conversation[i].Role == ChatRole.User) last = i;
        if (last < 0) return ("", []);
        var results = conversation.Skip(last + 1).SelectMany(m => m.Contents.OfType<FunctionResultContent>()).ToList();
        return (conversation[last].Text, results);
    }

    private static string Thinking(ScriptedInput script) =>
        script.ToolCalls.Count == 0 ? "The user wrote something; I will echo it." : "The user asked for a tool; I will call it.";

    private static IEnumerable<string> Reply(ScriptedInput script, string input) => script.LongDeltas > 0
        ? Enumerable.Range(0, script.LongDeltas).Select(i => (i == 0 ? "" : " ") + "word" + i.ToString(CultureInfo.InvariantCulture))
        : Words("You said: " + input);

    private static string Closing(string name, FunctionResultContent result) => ToolResults.IsError(result)
        ? $"The {name} tool failed: {ToolResults.Text(result)}"
        : $"The {name} tool says: {ToolResults.Text(result)}";

    /// <summary>Each word with the whitespace before it, so the words concatenate to the text.</summary>
    private static IEnumerable<string> Words(string text)
    {
        var start = 0;
        while (start < text.Length)
        {
            var end = start;
            while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            while (end < text.Length && !char.IsWhiteSpace(text[end])) end++;
            yield return text[start..end];
            start = end;
        }
    }

    private async IAsyncEnumerable<string> PacedWordsAsync(IEnumerable<string> words, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var word in words)
        {
            await PaceAsync(cancellationToken);
            yield return word;
        }
    }

    private IAsyncEnumerable<string> PacedWordsAsync(string text, CancellationToken cancellationToken) => PacedWordsAsync(Words(text), cancellationToken);

    private static ChatResponseUpdate Update(AIContent content) => new(ChatRole.Assistant, [content]);

    private Task PaceAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return options.DeltaDelayMs > 0
            ? Task.Delay(TimeSpan.FromMilliseconds(options.DeltaDelayMs), _time, cancellationToken)
            : Task.CompletedTask;
    }
}
