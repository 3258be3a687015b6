using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Yoi.Runtime.Tools;

/// <summary>
/// The tools a worker's model can call, as <see cref="AIFunction"/>s by name: the built-in <c>clock</c> and <c>calc</c>
/// plus any a host adds. The runtime's own run loop invokes them (never a function-invoking chat client), so every
/// call and result is an event. An unknown name, arguments that are not a JSON object, or a failing tool give an
/// error result, never an exception (cancellation excepted).
/// </summary>
public sealed class ToolSet
{
    private readonly Dictionary<string, AIFunction> _tools;

    /// <exception cref="ArgumentException">Two tools share a name.</exception>
    public ToolSet(IEnumerable<AIFunction> tools)
    {
        _tools = new Dictionary<string, AIFunction>(StringComparer.Ordinal);
        foreach (var tool in tools)
            if (!_tools.TryAdd(tool.Name, tool)) throw new ArgumentException($"Two tools are named '{tool.Name}'.", nameof(tools));
        All = [.. _tools.Values];
    }

    /// <summary>The built-in tools (<c>clock</c>, <c>calc</c>), then <paramref name="hostTools"/>.</summary>
    public static ToolSet BuiltIn(TimeProvider? time = null, IEnumerable<AIFunction>? hostTools = null) =>
        new([ClockTool.Create(time ?? TimeProvider.System), CalcTool.Create(), .. hostTools ?? []]);

    /// <summary>Every tool, in the order given; what the model is offered.</summary>
    public IReadOnlyList<AIFunction> All { get; }

    public bool Contains(string name) => _tools.ContainsKey(name);

    /// <summary>Calls tool <paramref name="name"/> with <paramref name="argumentsJson"/> (a JSON object as text).</summary>
    public async ValueTask<ToolOutput> InvokeAsync(string name, string argumentsJson, CancellationToken cancellationToken)
    {
        if (!_tools.TryGetValue(name, out var tool)) return ToolOutput.Error($"Unknown tool '{name}'.");
        AIFunctionArguments arguments;
        try
        {
            arguments = ParseArguments(argumentsJson);
        }
        catch (JsonException)
        {
            return ToolOutput.Error("The arguments are not a JSON object.");
        }
        try
        {
            return ToolOutput.Ok(OutputText(await tool.InvokeAsync(arguments, cancellationToken)));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ToolException ex)
        {
            return ToolOutput.Error(ex.Message);
        }
        catch (Exception ex)
        {
            return ToolOutput.Error($"Tool '{name}' failed: {ex.Message}");
        }
    }

    private static AIFunctionArguments ParseArguments(string json)
    {
        var arguments = new AIFunctionArguments();
        if (string.IsNullOrWhiteSpace(json)) return arguments;
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("not an object");
        foreach (var property in document.RootElement.EnumerateObject()) arguments[property.Name] = property.Value.Clone();
        return arguments;
    }

    /// <summary>A string result as it is; anything else as JSON.</summary>
    private static string OutputText(object? result) => result switch
    {
        null => "",
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString()!,
        JsonElement element => element.GetRawText(),
        _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(result.GetType())),
    };
}
