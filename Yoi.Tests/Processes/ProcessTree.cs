namespace Yoi.Tests.Processes;

/// <summary>Reads the process tree from /proc (Linux), to prove that no child outlives its parent.</summary>
public static class ProcessTree
{
    public static IReadOnlyList<int> Descendants(int pid)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var child)) continue;
            var parent = ParentOf(child);
            if (parent is null) continue;
            if (!children.TryGetValue(parent.Value, out var list)) children[parent.Value] = list = [];
            list.Add(child);
        }
        var result = new List<int>();
        var pending = new Stack<int>([pid]);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            if (!children.TryGetValue(next, out var list)) continue;
            foreach (var c in list) { result.Add(c); pending.Push(c); }
        }
        return result;
    }

    /// <summary>Processes whose command line has <paramref name="name"/> followed by <paramref name="value"/>.</summary>
    public static IReadOnlyList<int> WithArguments(string name, string value)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            var arguments = CommandLine(pid);
            for (var i = 0; i + 1 < arguments.Count; i++)
                if (arguments[i] == name && arguments[i + 1] == value) { found.Add(pid); break; }
        }
        return found;
    }

    /// <summary>The process's arguments (<c>/proc/PID/cmdline</c>), empty once it is gone.</summary>
    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries); }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // A zombie ('Z') has exited; only its parent's wait is pending.
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && state != "X";
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>The process's command name (<c>/proc/PID/comm</c>, what it exec'd last), or null once it is gone.</summary>
    public static string? CommandName(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n'); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Polls until none of <paramref name="pids"/> is alive or the timeout passes; returns those still alive.</summary>
    public static async Task<IReadOnlyList<int>> WaitAllGoneAsync(IEnumerable<int> pids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var alive = pids.Where(IsAlive).ToList();
            if (alive.Count == 0 || DateTime.UtcNow > deadline) return alive;
            await Task.Delay(100);
        }
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
