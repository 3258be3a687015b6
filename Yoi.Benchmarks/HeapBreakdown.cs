using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Runtime;

namespace Yoi.Benchmarks;

/// <summary>Live objects of another process by type (ClrMD over a heap dump): what a connection costs, type by type.</summary>
internal static class HeapBreakdown
{
    public sealed record TypeStat(string Type, long Count, long Bytes);

    public static Dictionary<string, TypeStat> Take(int pid)
    {
        // The process writes its own dump (createdump, over the diagnostics port) and ClrMD reads the file: attaching
        // ClrMD to the live process sometimes waited forever on a thread pool thread that exited meanwhile.
        var path = Path.Combine(Path.GetTempPath(), $"yoi-bench-heap-{pid}-{Guid.NewGuid():N}.dmp");
        try
        {
            new DiagnosticsClient(pid).WriteDump(DumpType.WithHeap, path);
            return Walk(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Dictionary<string, TypeStat> Walk(string dumpPath)
    {
        using var target = DataTarget.LoadDump(dumpPath);
        var runtime = target.ClrVersions[0].CreateRuntime();
        var heap = runtime.Heap;
        var stats = new Dictionary<string, (long Count, long Bytes)>(StringComparer.Ordinal);
        // Live objects only: walk from the roots.
        var seen = new HashSet<ulong>();
        var stack = new Stack<ulong>();
        foreach (var root in heap.EnumerateRoots())
            if (root.Object.Address != 0) stack.Push(root.Object.Address);
        while (stack.Count > 0)
        {
            var address = stack.Pop();
            if (address == 0 || !seen.Add(address)) continue;
            var obj = heap.GetObject(address);
            if (!obj.IsValid || obj.Type is null) continue;
            var name = obj.Type.Name ?? "?";
            stats[name] = stats.TryGetValue(name, out var s) ? (s.Count + 1, s.Bytes + (long)obj.Size) : (1, (long)obj.Size);
            foreach (var reference in obj.EnumerateReferenceAddresses(carefully: false, considerDependantHandles: true))
                if (!seen.Contains(reference)) stack.Push(reference);
        }
        return stats.ToDictionary(kv => kv.Key, kv => new TypeStat(kv.Key, kv.Value.Count, kv.Value.Bytes), StringComparer.Ordinal);
    }

    /// <summary>Types whose live count grew by at least <paramref name="minCount"/>, by bytes grown.</summary>
    public static IEnumerable<(string Type, long Count, long Bytes)> Diff(Dictionary<string, TypeStat> before, Dictionary<string, TypeStat> after, long minCount) =>
        after.Values
            .Select(a => before.TryGetValue(a.Type, out var b) ? (a.Type, a.Count - b.Count, a.Bytes - b.Bytes) : (a.Type, a.Count, a.Bytes))
            .Where(d => d.Item2 >= minCount)
            .OrderByDescending(d => d.Item3);
}
