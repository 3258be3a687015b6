using System.Diagnostics;
using System.Text;
using Yoi.Tests.Processes;

namespace Yoi.Tests.Cli;

/// <summary>
/// <c>yoi</c> as a user gets it: <c>dotnet pack</c> of Yoi.Cli (from the build the tests run on), then
/// <c>dotnet tool install --tool-path</c> from that package into a temporary folder, removed afterwards.
/// </summary>
public sealed class InstalledTool : IAsyncLifetime
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);
    private readonly string _root = Directory.CreateTempSubdirectory("yoi-tool-").FullName;

    public string Executable => Path.Combine(_root, "tools", "yoi");

    public async ValueTask InitializeAsync()
    {
        var packages = Path.Combine(_root, "nupkg");
        var project = Path.Combine(BuiltArtifacts.RepositoryRoot, "Yoi.Cli", "Yoi.Cli.csproj");
        await DotnetAsync("pack", project, "-c", BuiltArtifacts.Configuration, "--no-build", "--nologo", "-o", packages);
        Assert.Single(Directory.GetFiles(packages, "Yoi.Cli.*.nupkg"));
        await DotnetAsync("tool", "install", "Yoi.Cli", "--tool-path", Path.Combine(_root, "tools"), "--add-source", packages,
            "--ignore-failed-sources");
        Assert.True(File.Exists(Executable), $"dotnet tool install left no {Executable}");
    }

    public ValueTask DisposeAsync()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs <c>yoi</c> to its end (bounded) and returns its exit code and output.</summary>
    public async Task<ToolRun> RunAsync(IEnumerable<string> args, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        using var process = Start(args, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"yoi {string.Join(' ', args)} did not exit:\n{await stdout}\n{await stderr}");
        }
        return new ToolRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts <c>yoi</c> with redirected output (the caller reads it and ends the process).</summary>
    public Process Start(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment.Remove("YOI_BACKEND");
        info.Environment.Remove("YOI_API_KEY");
        // The tool's launcher finds the runtime through DOTNET_ROOT when dotnet is not in a standard place.
        if (Path.IsPathRooted(BuiltArtifacts.DotnetHost)) info.Environment["DOTNET_ROOT"] = Path.GetDirectoryName(BuiltArtifacts.DotnetHost)!;
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        return Process.Start(info) ?? throw new InvalidOperationException("yoi did not start.");
    }

    private async Task DotnetAsync(params string[] args)
    {
        var info = new ProcessStartInfo(BuiltArtifacts.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(StepTimeout);
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
    }
}

public sealed record ToolRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

[CollectionDefinition(Name)]
public sealed class InstalledToolCollection : ICollectionFixture<InstalledTool>
{
    public const string Name = "yoi as an installed .NET tool";
}
