using System.Globalization;
using System.Text;
using System.Text.Json;
using Yoi.Protocol.Events;
using Yoi.Runtime.Tools;

namespace Yoi.Runtime.Providers;

/// <summary>What <see cref="ScriptedChatClient"/> reads from an input (see its grammar).</summary>
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
                longDeltas = Math.Max(longDeltas, Math.Min(n, ScriptedChatClient.MaxLongDeltas));
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
