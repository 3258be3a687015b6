using System.Globalization;
using System.Text;
using System.Text.Json;
using Yoi.Protocol.Events;
using Yoi.Runtime.Tools;

namespace Yoi.Runtime.Providers;

/// <summary>
/// The offline, deterministic provider. Grammar of the input (words are split on whitespace, case-insensitive):
/// <list type="bullet">
/// <item>always, in turn 1: <c>thinking_start</c>, thinking deltas, <c>thinking_done</c>, then the reply
///   <c>You said: &lt;input&gt;</c> as text deltas, one per word, then <c>text_done</c>;</item>
/// <item><c>long &lt;N&gt;</c> anywhere: the reply is N words instead (N deltas; <see cref="MaxLongDeltas"/> at most);
///   <c>Runtime:Scripted:LongDeltas</c> makes every reply at least that long;</item>
/// <item>the word <c>clock</c>: a call of the <c>clock</c> tool (<c>tool_call_start</c>, argument deltas,
///   <c>tool_call_done</c>, the real tool's <c>tool_result</c>) that ends the turn with <c>tool_use</c>, and a next
///   turn with a closing text with the result;</item>
/// <item><c>calc &lt;expression&gt;</c>: the rest of the input after <c>calc</c> is the expression of a
///   <c>calc</c> call (a bad expression gives an error result);</item>
/// <item>then, in the last turn, <c>usage</c> (input words, output deltas of the whole run), <c>turn_end{end_turn}</c>
///   and the result <c>finished</c>.</item>
/// </list>
/// Deltas are paced by <c>Runtime:Scripted:DeltaDelayMs</c>.
/// </summary>
public sealed class ScriptedProvider(ScriptedOptions options, TimeProvider? time = null) : IModelProvider
{
    public const int MaxLongDeltas = 1_000_000;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string Name => ProviderNames.Scripted;

    public async Task<string> RunAsync(ProviderRun run, CancellationToken cancellationToken)
    {
        var script = ScriptedInput.Parse(run.Input, options.LongDeltas);
        long output = 0;

        await run.StartTurnAsync();
        await run.EmitAsync(new ThinkingStartEvent());
        var thinking = script.ToolCalls.Count == 0 ? "The user wrote something; I will echo it." : "The user asked for a tool; I will call it.";
        output += await StreamWordsAsync(thinking, w => new ThinkingDeltaEvent(w), run, cancellationToken);
        await run.EmitAsync(new ThinkingDoneEvent(thinking));

        var reply = new StringBuilder();
        if (script.LongDeltas > 0)
        {
            for (var i = 0; i < script.LongDeltas; i++)
            {
                await PaceAsync(cancellationToken);
                var word = (i == 0 ? "" : " ") + "word" + i.ToString(CultureInfo.InvariantCulture);
                reply.Append(word);
                await run.EmitAsync(new TextDeltaEvent(word));
                output++;
            }
        }
        else
        {
            var text = "You said: " + run.Input;
            output += await StreamWordsAsync(text, w => new TextDeltaEvent(w), run, cancellationToken);
            reply.Append(text);
        }
        await run.EmitAsync(new TextDoneEvent(reply.ToString()));

        var callNumber = 0;
        foreach (var (name, arguments) in script.ToolCalls)
        {
            var id = $"call_{run.RunId}_{++callNumber}";
            await run.EmitAsync(new ToolCallStartEvent(id, name));
            var half = arguments.Length / 2;
            foreach (var fragment in new[] { arguments[..half], arguments[half..] })
            {
                await PaceAsync(cancellationToken);
                if (fragment.Length > 0) await run.EmitAsync(new ToolCallArgsDeltaEvent(id, fragment));
            }
            await run.EmitAsync(new ToolCallDoneEvent(id, name, arguments));
            var result = await run.Tools.InvokeAsync(name, arguments, cancellationToken);
            await run.EmitAsync(new ToolResultEvent(id, result.Output, result.IsError));
            await run.EndTurnAsync(TurnResults.ToolUse);

            await run.StartTurnAsync();
            var closing = result.IsError ? $"The {name} tool failed: {result.Output}" : $"The {name} tool says: {result.Output}";
            output += await StreamWordsAsync(closing, w => new TextDeltaEvent(w), run, cancellationToken);
            await run.EmitAsync(new TextDoneEvent(closing));
        }

        await run.EmitAsync(new UsageEvent(script.InputWords, output));
        await run.EndTurnAsync(TurnResults.EndTurn);
        return RunResults.Finished;
    }

    private async Task<long> StreamWordsAsync(string text, Func<string, WorkerEvent> make, ProviderRun run, CancellationToken cancellationToken)
    {
        long count = 0;
        var start = 0;
        while (start < text.Length)
        {
            // Each delta is a word with the whitespace before it, so the deltas concatenate to the text.
            var end = start;
            while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            while (end < text.Length && !char.IsWhiteSpace(text[end])) end++;
            await PaceAsync(cancellationToken);
            await run.EmitAsync(make(text[start..end]));
            count++;
            start = end;
        }
        return count;
    }

    private Task PaceAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return options.DeltaDelayMs > 0
            ? Task.Delay(TimeSpan.FromMilliseconds(options.DeltaDelayMs), _time, cancellationToken)
            : Task.CompletedTask;
    }
}

/// <summary>What <see cref="ScriptedProvider"/> reads from an input (see its grammar).</summary>
public sealed record ScriptedInput(int LongDeltas, IReadOnlyList<(string Name, string Arguments)> ToolCalls, long InputWords)
{
    public static ScriptedInput Parse(string input, int minimumLongDeltas = 0)
    {
        var words = input.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var longDeltas = minimumLongDeltas;
        var calls = new List<(string, string)>();
        for (var i = 0; i < words.Length; i++)
        {
            var word = words[i].ToLowerInvariant();
            if (word == "long" && i + 1 < words.Length
                && int.TryParse(words[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                longDeltas = Math.Max(longDeltas, Math.Min(n, ScriptedProvider.MaxLongDeltas));
            else if (word == ClockTool.ToolName && !calls.Exists(c => c.Item1 == ClockTool.ToolName))
                calls.Add((ClockTool.ToolName, "{}"));
            else if (word == CalcTool.ToolName)
            {
                var at = IndexOfWord(input, words[i]);
                var expression = input[(at + words[i].Length)..].Trim();
                calls.Add((CalcTool.ToolName, CalcArguments(expression)));
                break;
            }
        }
        return new ScriptedInput(longDeltas, calls, words.Length);
    }

    private static string CalcArguments(string expression)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WorkerEventJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("expression", expression);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static int IndexOfWord(string input, string word)
    {
        var at = 0;
        while (true)
        {
            var found = input.IndexOf(word, at, StringComparison.Ordinal);
            var before = found == 0 || char.IsWhiteSpace(input[found - 1]);
            var after = found + word.Length == input.Length || char.IsWhiteSpace(input[found + word.Length]);
            if (before && after) return found;
            at = found + 1;
        }
    }
}
