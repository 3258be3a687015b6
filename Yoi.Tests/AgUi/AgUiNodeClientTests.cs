using System.Diagnostics;
using System.Text.Json;
using Yoi.Protocol.Transcripts;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.Processes;

namespace Yoi.Tests.AgUi;

/// <summary>
/// The unmodified <c>HttpAgent</c> of <c>@ag-ui/client</c> 1.0.0 (its schema enforcement and event verifier included),
/// run by node against a real Backend: it must receive a valid stream. <c>.ci/run</c> installs the package with
/// <c>npm ci</c> in <c>Yoi.Tests/AgUi/node</c>.
/// </summary>
public sealed class AgUiNodeClientTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Folder => Path.Combine(BuiltArtifacts.RepositoryRoot, "Yoi.Tests", "AgUi", "node");

    [Fact]
    public async Task The_AG_UI_HttpAgent_runs_a_worker_and_accepts_the_stream()
    {
        await using var stack = await AgUiStack.StartAsync(redis, withKeys: true);
        var client = stack.Client(AgUiStack.OperatorKey);
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var url = new Uri(stack.Backend.BaseUri, $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui").ToString();

        var (exit, output) = await RunAgentAsync(url, worker.WorkerId, "what time is it? use the clock", AgUiStack.OperatorKey);

        var root = output.RootElement;
        Assert.True(exit == 0 && root.GetProperty("ok").GetBoolean(), output.RootElement.GetRawText());
        Assert.Empty(root.GetProperty("warnings").EnumerateArray()); // nothing was stripped as unrecognised
        var types = root.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal("RUN_STARTED", types[0]);
        Assert.Equal("MESSAGES_SNAPSHOT", types[1]);
        Assert.Equal("RUN_FINISHED", types[^1]);
        Assert.Contains("TOOL_CALL_RESULT", types);
        Assert.Contains("REASONING_MESSAGE_CONTENT", types);

        var transcript = await client.GetTranscriptAsync("rt-1", worker.WorkerId, Ct);
        var run = Assert.IsType<AssistantEntry>(transcript.Transcript[^1]);
        var messages = root.GetProperty("messages").EnumerateArray().ToList();
        var assistantText = string.Concat(messages.Where(m => m.GetProperty("role").GetString() == "assistant" && m.TryGetProperty("content", out var c)
            && c.ValueKind == JsonValueKind.String).Select(m => m.GetProperty("content").GetString()));
        Assert.EndsWith(run.Text, assistantText);
        var tool = Assert.Single(messages, m => m.GetProperty("role").GetString() == "tool");
        Assert.Equal(run.ToolCalls.Single().Output, tool.GetProperty("content").GetString());
        Assert.Equal("what time is it? use the clock",
            messages.Last(m => m.GetProperty("role").GetString() == "user").GetProperty("content").GetString());
    }

    [Fact]
    public async Task The_AG_UI_HttpAgent_gets_the_typed_error_of_a_refused_run()
    {
        await using var stack = await AgUiStack.StartAsync(redis, withKeys: true);
        var worker = await stack.Client(AgUiStack.OperatorKey).CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var url = new Uri(stack.Backend.BaseUri, $"api/runtimes/rt-1/workers/{worker.WorkerId}/agui").ToString();

        var (exit, output) = await RunAgentAsync(url, worker.WorkerId, "hello", AgUiStack.ViewerKey);

        var root = output.RootElement;
        Assert.NotEqual(0, exit);
        Assert.False(root.GetProperty("ok").GetBoolean());
        Assert.Equal(403, root.GetProperty("status").GetInt32());
        // The client parses only application/json bodies; a problem+json body reaches it as text.
        using var problem = JsonDocument.Parse(root.GetProperty("payload").GetString()!);
        Assert.Equal("forbidden", problem.RootElement.GetProperty("code").GetString());
        Assert.Empty((await stack.Client(AgUiStack.OperatorKey).GetTranscriptAsync("rt-1", worker.WorkerId, Ct)).Transcript);
    }

    private static async Task<(int Exit, JsonDocument Output)> RunAgentAsync(string url, string threadId, string text, string key)
    {
        Assert.True(Directory.Exists(Path.Combine(Folder, "node_modules", "@ag-ui", "client")),
            $"@ag-ui/client is not installed: run 'npm ci' in {Folder} (.ci/run does).");
        var start = new ProcessStartInfo("node") { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "run-agent.mjs", url, threadId, text, key }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node did not finish: {await stderr}");
        }
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length > 0, $"node printed nothing (exit {process.ExitCode}): {await stderr}");
        return (process.ExitCode, JsonDocument.Parse(lines[^1]));
    }
}
