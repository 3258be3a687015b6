using System.Diagnostics;
using System.Text.RegularExpressions;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Tests.AppHost;
using Yoi.Tests.Processes;

namespace Yoi.Tests.EndToEnd;

/// <summary>Runs the README's walk-through, as written, against the real AppHost topology.</summary>
[Collection(AppHostCollection.Name)]
public sealed partial class ReadmeWalkthroughTests(SharedAppHost shared)
{
    [Fact]
    public async Task The_readme_walkthrough_works_as_written()
    {
        var ct = TestContext.Current.CancellationToken;
        var script = ReadWalkthrough();
        Assert.Contains("http://127.0.0.1:5080", script);

        var backendUrl = shared.BackendUrl;

        // Only two substitutions: the port the AppHost picked, and the already built CLI instead of `dotnet run`.
        script = script.Replace("http://127.0.0.1:5080", backendUrl, StringComparison.Ordinal)
            .Replace("dotnet run --project Yoi.Cli --", $"\"{BuiltArtifacts.DotnetHost}\" \"{BuiltArtifacts.Assembly("Yoi.Cli", "yoi")}\"",
                StringComparison.Ordinal);

        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = BuiltArtifacts.RepositoryRoot };
        info.ArgumentList.Add("-euo");
        info.ArgumentList.Add("pipefail");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        using var bash = Process.Start(info)!;
        var stdout = bash.StandardOutput.ReadToEndAsync(ct);
        var stderr = bash.StandardError.ReadToEndAsync(ct);
        await bash.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
        var output = await stdout;
        Assert.True(bash.ExitCode == 0, $"walk-through failed ({bash.ExitCode}):\n{output}\n{await stderr}");

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("{\"runtimes\":[", lines[0]);
        Assert.Matches(WorkerLine(), lines[1]);
        Assert.Contains("\"run_id\":", lines[2]);
        var frames = lines.Where(l => l.StartsWith("{\"kind\":", StringComparison.Ordinal)).Select(l => ObservationFrame.Parse(System.Text.Encoding.UTF8.GetBytes(l))).ToList();
        var events = frames.OfType<EventFrame>().ToList();
        Assert.Equal(frames.Count, events.Count); // a cursor from the start: no snapshot, every event
        Assert.IsType<WorkerCreatedEvent>(events[0].Payload);
        Assert.Contains(events, e => e.Payload is ToolResultEvent);
        // The clock call makes two turns: the call and its result, then the closing text.
        Assert.Equal([new TurnEndEvent(1, TurnResults.ToolUse), new TurnEndEvent(2, TurnResults.EndTurn)],
            events.Select(e => e.Payload).OfType<TurnEndEvent>());
        Assert.IsType<RunEndEvent>(events[^1].Payload);
        Assert.Contains("\"transcript\":[{\"role\":\"user\"", lines[^1]);
    }

    private static string ReadWalkthrough()
    {
        var readme = File.ReadAllText(Path.Combine(BuiltArtifacts.RepositoryRoot, "README.md"));
        var match = Walkthrough().Match(readme);
        Assert.True(match.Success, "README.md has no walk-through block");
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"<!-- walkthrough:start -->\s*```bash\n(.*?)```\s*<!-- walkthrough:end -->", RegexOptions.Singleline)]
    private static partial Regex Walkthrough();

    [GeneratedRegex(@"^worker: w-[A-Za-z0-9_-]+$")]
    private static partial Regex WorkerLine();
}
