namespace Yoi.AppHost.Processes;

internal static class ExecutableSearch
{
    /// <summary>The full path of <paramref name="name"/> in the first PATH folder that has it, or null.</summary>
    public static string? OnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
