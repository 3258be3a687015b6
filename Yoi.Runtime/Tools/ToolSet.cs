using System.Text.Json;

namespace Yoi.Runtime.Tools;

/// <summary>The tools a worker can call, by name; an unknown name or a failing tool gives an error result, never an exception.</summary>
public sealed class ToolSet
{
    private readonly Dictionary<string, ITool> _tools;

    public ToolSet(IEnumerable<ITool> tools) => _tools = tools.ToDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>The built-in tools: <c>clock</c> and <c>calc</c>.</summary>
    public static ToolSet BuiltIn(TimeProvider? time = null) => new([new ClockTool(time ?? TimeProvider.System), new CalcTool()]);

    public IReadOnlyCollection<ITool> All => _tools.Values;

    public bool Contains(string name) => _tools.ContainsKey(name);

    public async ValueTask<ToolOutput> InvokeAsync(string name, string argumentsJson, CancellationToken cancellationToken)
    {
        if (!_tools.TryGetValue(name, out var tool)) return ToolOutput.Error($"Unknown tool '{name}'.");
        try
        {
            return await tool.InvokeAsync(argumentsJson, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            return ToolOutput.Error($"Tool '{name}' failed: {ex.Message}");
        }
    }
}
