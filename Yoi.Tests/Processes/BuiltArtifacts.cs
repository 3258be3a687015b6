namespace Yoi.Tests.Processes;

/// <summary>Where the solution's built service binaries are, for tests that start real processes.</summary>
public static class BuiltArtifacts
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Yoi.Aspire.sln"))) return dir.FullName;
        throw new InvalidOperationException("Yoi.Aspire.sln not found above the test assembly.");
    });

    /// <summary>The configuration the tests were built with (Release or Debug), read from the test assembly's path.</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar).Contains("Debug") ? "Debug" : "Release";

    public static string RepositoryRoot => Root.Value;

    public static string Assembly(string project, string? assemblyName = null)
    {
        var path = Path.Combine(Root.Value, project, "bin", Configuration, "net10.0", (assemblyName ?? project) + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{project} is not built at {path}.", path);
    }

    /// <summary>The full path of the dotnet host (the PATH's <c>dotnet</c> when the tests run under another host).</summary>
    public static string DotnetHostPath => Path.IsPathRooted(DotnetHost) ? DotnetHost
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "dotnet")).FirstOrDefault(File.Exists)
          ?? throw new InvalidOperationException("No dotnet on the PATH.");

    public static string DotnetHost =>
        Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
}
