using Yoi.Protocol.Plugins;

namespace Yoi.Runtime.Plugins;

/// <summary>A bounded ring of the newest diagnostics (default 50); thread-safe.</summary>
internal sealed class PluginDiagnostics(int capacity = PluginDiagnostics.DefaultCapacity)
{
    public const int DefaultCapacity = 50;

    private readonly Queue<PluginDiagnostic> _items = new(capacity);
    private readonly Lock _lock = new();

    public void Add(PluginDiagnostic diagnostic)
    {
        lock (_lock)
        {
            if (_items.Count == capacity) _items.Dequeue();
            _items.Enqueue(diagnostic);
        }
    }

    public IReadOnlyList<PluginDiagnostic> Snapshot()
    {
        lock (_lock) return [.. _items];
    }
}
